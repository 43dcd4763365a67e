"""The timeline CSV as a stream of bytes, by the fastest path the database has:
COPY on PostgreSQL (exports.copy), the Python writer elsewhere and for views of
the past. Both write the same bytes."""

from collections.abc import Iterator

from django.db import connection
from django.db.models import QuerySet

from claimtracker.claims.models import Claim
from claimtracker.claims.moment import TODAY, Moment
from claimtracker.exports import copy, csv, timeline


def python_lines(
    claims: QuerySet[Claim], *, include_pending: bool, bom: bool, moment: Moment = TODAY
) -> Iterator[bytes]:
    for line in csv.write(
        timeline.COLUMNS,
        timeline.rows(claims, include_pending=include_pending, moment=moment),
        text_columns=timeline.TEXT_COLUMN_INDEXES,
        bom=bom,
    ):
        yield line.encode("utf-8")


def timeline_csv(
    claims: QuerySet[Claim], *, include_pending: bool = False, bom: bool = False, moment: Moment = TODAY
) -> Iterator[bytes]:
    """Today's timelines by COPY on PostgreSQL; a view of the past (claims.moment)
    by the Python writer, whose rows apply it."""
    if connection.vendor == "postgresql" and not moment.past:
        return copy.lines(claims, include_pending=include_pending, bom=bom)
    return python_lines(claims, include_pending=include_pending, bom=bom, moment=moment)
