"""Backing up and restoring the whole database: pg_dump / pg_restore on
PostgreSQL, SQLite's online backup on SQLite (a consistent copy of the file,
taken while the application runs). Used by `manage.py backup` and `restore`."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection


class BackupError(Exception):
    pass


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed; install PostgreSQL's client programs.")
    settings = connection.settings_dict
    args = [program, "--no-owner", "--no-privileges"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            args += [flag, str(settings[key])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")


def backup(path: Path) -> None:
    """Write the database to ``path``, which must not exist yet."""
    if path.exists():
        raise BackupError(f"{path} exists already; a backup never overwrites a file. Choose a new name.")
    if connection.vendor == "postgresql":
        args, env = _pg_command("pg_dump")
        _run([*args, "--format=custom", f"--file={path}", str(connection.settings_dict["NAME"])], env)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"No backup method for {connection.vendor}.")


def restore(path: Path) -> None:
    """Load a backup into this database, which must be empty (no tables at all)."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"This database is not empty ({len(tables)} tables): restore into a new, empty database "
            "(createdb on PostgreSQL, a new file on SQLite) and point DATABASE_URL at it."
        )
    if connection.vendor == "postgresql":
        args, env = _pg_command("pg_restore")
        name = str(connection.settings_dict["NAME"])
        connection.close()  # pg_restore works in its own session
        _run([*args, "--exit-on-error", "--single-transaction", f"--dbname={name}", str(path)], env)
    elif connection.vendor == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not an SQLite backup: {error}") from error
        connection.ensure_connection()
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise BackupError(f"No restore method for {connection.vendor}.")
