"""`manage.py import_csv FILE --user NAME`: bulk entry from a timeline CSV, all or nothing."""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claimtracker.exports import importer


class Command(BaseCommand):
    help = (
        "Import claims, attributions and status changes from a timeline CSV (the export format). "
        "Every row is checked first; nothing is imported unless the whole file is valid. "
        "Rows load as pending unless the importing user may review: then the rows marked approved "
        "(or rejected) are reviewed in that user's name, each as the work of the user its recorded_by "
        "names; a row recorded by the importing user, or by no other existing user, stays pending."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file (UTF-8).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; import nothing.")
        parser.add_argument(
            "--user",
            required=True,
            help="Username of the importing user: the one who approves, when they may review, and nobody else.",
        )
        parser.add_argument(
            "--create-missing", action="store_true", help="Create actors and sources the file names that do not exist."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        by = User.objects.filter(username=options["user"]).first()
        if by is None:
            raise CommandError(f"No user named {options['user']!r}.")
        try:
            file = path.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        with file:
            if options["dry_run"]:
                report = importer.check(file, create_missing=options["create_missing"], by=by)
            else:
                report = importer.load(file, by=by, create_missing=options["create_missing"])
        for problem in report.problems:
            self.stderr.write(str(problem))
        if report.unshown:
            self.stderr.write(f"... and {report.unshown} more: fix these and check the file again to see the rest.")
        if not report.ok:
            raise CommandError(report.summary())
        prefix = "Dry run, nothing imported: " if options["dry_run"] else "Imported "
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))
