"""`manage.py restore FILE`: a backup made by `manage.py backup`, into an empty database."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claimtracker.claims.models import Attribution, Claim, StatusChange
from claimtracker.exports.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Load a backup made by `manage.py backup` into the configured database, which must be new and "
        "empty (no tables): on PostgreSQL create it with createdb, on SQLite name a new file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            restore(path)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {Claim.objects.count():,} claims, {Attribution.objects.count():,} attributions "
                f"and {StatusChange.objects.count():,} status changes from {path}."
            )
        )
