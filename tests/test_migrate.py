"""A new user's first `make run` migrates an empty database: it must print
nothing alarming."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def _migrate(database_url: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DATABASE_URL": database_url, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_migrate_on_an_empty_database_prints_no_error(tmp_path: Path) -> None:
    if connection.vendor == "postgresql":
        import psycopg

        name = f"ct_migrate_{uuid.uuid4().hex[:8]}"
        settings = connection.settings_dict
        host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
        server = {"host": host, "port": port, "user": settings["USER"], "password": settings["PASSWORD"]}
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                result = _migrate(f"postgres://{settings['USER']}@{host}:{port}/{name}")
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        result = _migrate(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == "", result.stderr[-2000:]
    assert "Error" not in result.stdout and "Traceback" not in result.stdout
    assert "Applying claims.0013_frozen_attributions... OK" in result.stdout


@pytest.mark.parametrize(("migration", "made", "dropped"), [("0022", 2, 0), ("0023", 2, 2)])
def test_indexes_added_to_the_big_tables_do_not_hold_their_writes(migration: str, made: int, dropped: int) -> None:
    """On PostgreSQL the partial indexes of migrations 0022 and 0023 are built and
    dropped CONCURRENTLY: a plain CREATE INDEX would stop every new attribution
    and review decision while it reads a million rows."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no concurrent index build")
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "sqlmigrate", "claims", migration],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": url, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = result.stdout.splitlines()
    creates = [line for line in lines if line.startswith("CREATE INDEX")]
    drops = [line for line in lines if line.startswith("DROP INDEX")]
    assert len(creates) == made and all(line.startswith("CREATE INDEX CONCURRENTLY") for line in creates)
    assert len(drops) == dropped and all(line.startswith("DROP INDEX CONCURRENTLY") for line in drops)
