"""`manage.py import_csv FILE`: bulk entry from a timeline CSV, all or nothing."""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claimtracker.exports import importer


class Command(BaseCommand):
    help = (
        "Import claims, attributions and status changes from a timeline CSV (the export format). "
        "Every row is checked first; nothing is imported unless the whole file is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file (UTF-8).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; import nothing.")
        parser.add_argument("--user", required=True, help="Username recorded as the author of the imported rows.")
        parser.add_argument(
            "--reviewer",
            help="Username that approves rows marked approved (another user); without it they stay pending.",
        )
        parser.add_argument(
            "--create-missing", action="store_true", help="Create actors and sources the file names that do not exist."
        )

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        by = self._user(options["user"])
        reviewer = self._user(options["reviewer"]) if options["reviewer"] else None
        if options["dry_run"]:
            report = importer.check(data, create_missing=options["create_missing"])
        else:
            report = importer.load(data, by=by, reviewer=reviewer, create_missing=options["create_missing"])
        for problem in report.problems:
            self.stderr.write(str(problem))
        if not report.ok:
            raise CommandError(report.summary())
        prefix = "Dry run, nothing imported: " if options["dry_run"] else "Imported "
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))
