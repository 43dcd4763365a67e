"""`manage.py export_timelines`: the CSV of /claims/export.csv, to a file or stdout."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from claimtracker.claims import queries
from claimtracker.claims.filters import ClaimFilter
from claimtracker.exports import stream


class Command(BaseCommand):
    help = (
        "Write the timelines of the claims the list's filters select as CSV. "
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
        filterset = ClaimFilter(data, queryset=queries.claims_for_list())
        if not filterset.is_valid():
            problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
            raise CommandError(f"These filters could not be read: {problems}")
        lines = stream.timeline_csv(filterset.qs, include_pending=options["pending"], bom=options["bom"])
        if options["output"]:
            try:
                with open(options["output"], "wb") as out:
                    out.writelines(lines)
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}") from error
            self.stderr.write(f"Wrote the timelines of {filterset.qs.count()} claims to {options['output']}.")
        else:
            for line in lines:
                self.stdout.write(line.decode("utf-8"), ending="")
