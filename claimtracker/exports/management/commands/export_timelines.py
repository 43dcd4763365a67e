"""`manage.py export_timelines`: the CSV of /claims/export.csv, to a file or
stdout, or the workbook of /claims/export.xlsx, to a file, of any size."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.http import QueryDict

from claimtracker.claims.filters import ClaimFilter, UnreadableFilters, chosen_claims
from claimtracker.claims.models import Claim
from claimtracker.exports import stream, timeline, xlsx


class Command(BaseCommand):
    help = (
        "Write the timelines of the claims the list's filters select as CSV (or XLSX). "
        "Filters are given as on the list's URL: --filter status=disputed --filter q=troops."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A filter of the claim list; repeat for more (and for several statuses).",
        )
        parser.add_argument("--pending", action="store_true", help="Include entries still in review or rejected.")
        parser.add_argument("--bom", action="store_true", help="Start with a byte-order mark, for Excel.")
        parser.add_argument(
            "--format", choices=["csv", "xlsx"], default="csv", help="csv (default), or xlsx: an Excel workbook."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = QueryDict(mutable=True)
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise CommandError(f"--filter takes NAME=VALUE, not {item!r}.")
            data.appendlist(name, value)
        unknown = set(data) - set(ClaimFilter.base_filters)
        if unknown:
            raise CommandError(
                f"Unknown filter(s): {', '.join(sorted(unknown))}. Known: {', '.join(ClaimFilter.base_filters)}."
            )
        try:
            claims = chosen_claims(data)
        except UnreadableFilters as error:
            raise CommandError(str(error)) from None
        if options["format"] == "xlsx":
            self._workbook(claims, options)
            return
        lines = stream.timeline_csv(claims, include_pending=options["pending"], bom=options["bom"])
        if options["output"]:
            try:
                with open(options["output"], "wb") as out:
                    out.writelines(lines)
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}") from error
            self.stderr.write(f"Wrote the timelines of {claims.count()} claims to {options['output']}.")
        else:
            for line in lines:
                self.stdout.write(line.decode("utf-8"), ending="")

    def _workbook(self, claims: QuerySet[Claim], options: dict[str, Any]) -> None:
        if not options["output"]:
            raise CommandError("--format xlsx writes a file: give it with --output.")
        try:
            with open(options["output"], "wb") as out:
                written = xlsx.write(timeline.rows(claims, include_pending=options["pending"]), out)
        except OSError as error:
            raise CommandError(f"Cannot write {options['output']}: {error.strerror}") from error
        self.stderr.write(f"Wrote {written} rows of the timelines of {claims.count()} claims to {options['output']}.")
