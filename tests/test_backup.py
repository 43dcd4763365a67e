"""`manage.py backup` and `restore`: the full export taken before the backup
equals the export of the database restored from it into an empty one."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection

from claimtracker.claims import services
from claimtracker.claims.models import Claim, Status

ROOT = Path(__file__).resolve().parent.parent


def _manage(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command against another database; output decoded with its line ends as written (CRLF)."""
    env = dict(os.environ, DATABASE_URL=database_url)
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, check=False)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def _full_export() -> str:
    out = StringIO()
    call_command("export_timelines", "--pending", stdout=out)
    return out.getvalue()


@pytest.fixture
def empty_database(tmp_path: Path) -> object:
    """The URL of a new, empty database of the same kind as the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    settings = connection.settings_dict
    name = f"{settings['NAME']}_restored"
    admin = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    user = settings["USER"] or ""
    yield f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_restored_database_exports_what_the_original_did(
    flushable_db: None, demo: None, editor: User, reviewer: User, tmp_path: Path, empty_database: str
) -> None:
    claim = Claim.objects.get(text="The troops were moved by ship")
    pending = services.propose_status_change(
        claim,
        status=Status.objects.get(slug="disputed"),
        effective_on=claim.created_at.date(),
        rationale="Ça, 한국어 & <b>",
        by=editor,
    )
    before = _full_export()
    assert "Ça, 한국어 & <b>" in before  # the pending entry is in the full export, as typed
    assert pending.review_state == "pending"

    backup_file = tmp_path / "claims.backup"
    out = StringIO()
    call_command("backup", str(backup_file), stdout=out)
    assert "Backed up the database" in out.getvalue() and backup_file.stat().st_size > 0

    restored = _manage(empty_database, "restore", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    assert f"Restored {Claim.objects.count()} claims" in restored.stdout
    after = _manage(empty_database, "export_timelines", "--pending")
    assert after.returncode == 0, after.stderr
    assert after.stdout == before

    # Restoring again over the now full database is refused, and changes nothing.
    again = _manage(empty_database, "restore", str(backup_file))
    assert again.returncode != 0 and "This database is not empty" in again.stderr
    assert _manage(empty_database, "export_timelines", "--pending").stdout == before


def test_backup_never_overwrites_and_restore_needs_a_backup(db: None, tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="never overwrites"):
        call_command("backup", str(existing), stdout=StringIO())
    assert existing.read_text() == "keep me"
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "missing"), stdout=StringIO())
