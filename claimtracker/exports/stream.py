"""The timeline CSV as a stream of bytes, by the fastest path the database has:
COPY on PostgreSQL (exports.copy), the Python writer elsewhere. Both write the
same bytes."""

from collections.abc import Iterator

from django.db import connection
from django.db.models import QuerySet

from claimtracker.claims.models import Claim
from claimtracker.exports import copy, csv, timeline


def python_lines(claims: QuerySet[Claim], *, include_pending: bool, bom: bool) -> Iterator[bytes]:
    for line in csv.write(
        timeline.COLUMNS,
        timeline.rows(claims, include_pending=include_pending),
        text_columns=timeline.TEXT_COLUMN_INDEXES,
        bom=bom,
    ):
        yield line.encode("utf-8")


def timeline_csv(claims: QuerySet[Claim], *, include_pending: bool = False, bom: bool = False) -> Iterator[bytes]:
    if connection.vendor == "postgresql":
        return copy.lines(claims, include_pending=include_pending, bom=bom)
    return python_lines(claims, include_pending=include_pending, bom=bom)
