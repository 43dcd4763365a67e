"""`manage.py backup FILE`: the whole database to a file (restore it with `manage.py restore FILE`)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claimtracker.exports.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a backup of the whole database to FILE: pg_dump's custom format on PostgreSQL, "
        "a consistent copy of the database file on SQLite. Never overwrites a file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file to create.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            backup(path)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up the database to {path} ({path.stat().st_size:,} bytes)."))
