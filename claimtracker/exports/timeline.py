"""Claim timelines as rows: one per attribution and per status change, in the
columns and order of DESIGN.md section 5. Every export (CSV, JSON, the export
command) reads them from here.

Rows are produced by streaming two queries (attributions, status changes), each
ordered by claim and date, and merging them, so memory stays flat however many
claims are exported.
"""

import datetime
import heapq
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from claimtracker.claims.models import DESK_STATES, Attribution, Claim, ReviewState, StatusChange
from claimtracker.lib.dates import iso_date

COLUMNS = (
    "claim_id",
    "claim",
    "event_date",
    "date_precision",
    "event",
    "actor",
    "via",
    "stance",
    "certainty",
    "status",
    "quote",
    "quote_kind",
    "rationale",
    "source_title",
    "source_publisher",
    "source_url",
    "source_published_at",
    "recorded_by",
    "recorded_at",
    "review_state",
)
# Written by the app, not typed by users: never neutralised.
NON_TEXT_COLUMNS = frozenset({"claim_id", "event_date", "date_precision", "source_published_at", "recorded_at"})
TEXT_COLUMN_INDEXES = frozenset(i for i, name in enumerate(COLUMNS) if name not in NON_TEXT_COLUMNS)

CHUNK_SIZE = 2000

Row = tuple[Any, ...]


def timestamp(value: datetime.datetime | None) -> str:
    """ISO 8601 in UTC to the second: 2024-10-25T17:09:34Z."""
    if value is None:
        return ""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _states(include_pending: bool) -> list[str]:
    return list(DESK_STATES) if include_pending else [ReviewState.APPROVED]


def _attribution_rows(
    claim_ids: QuerySet[Claim, Any], include_pending: bool
) -> Iterator[tuple[tuple[int, Any, int, int], Row]]:
    attributions = (
        Attribution.objects.filter(claim__in=claim_ids, review_state__in=_states(include_pending))
        .select_related("claim", "actor", "via", "source__publisher", "created_by")
        .order_by("claim_id", "stated_on", "id")
    )
    for a in attributions.iterator(chunk_size=CHUNK_SIZE):
        row = (
            a.claim_id,
            a.claim.text,
            iso_date(a.stated_on, a.stated_on_precision),
            a.stated_on_precision,
            "attribution",
            a.actor.name,
            a.via.name if a.via else "",
            a.stance,
            a.certainty,
            "",
            a.quote,
            a.quote_kind,
            "",
            a.source.title,
            a.source.publisher.name if a.source.publisher else "",
            a.source.url,
            timestamp(a.source.published_at),
            a.created_by.get_username(),
            timestamp(a.created_at),
            a.review_state,
        )
        # On the same date, what was said comes before the desk's assessment of it.
        yield (a.claim_id, a.stated_on, 0, a.pk), row


def _status_change_rows(
    claim_ids: QuerySet[Claim, Any], include_pending: bool
) -> Iterator[tuple[tuple[int, Any, int, int], Row]]:
    changes = (
        StatusChange.objects.filter(claim__in=claim_ids, review_state__in=_states(include_pending))
        .select_related("claim", "status", "recorded_by")
        .order_by("claim_id", "effective_on", "id")
    )
    for c in changes.iterator(chunk_size=CHUNK_SIZE):
        row = (
            c.claim_id,
            c.claim.text,
            iso_date(c.effective_on, c.effective_on_precision),
            c.effective_on_precision,
            "status_change",
            "",
            "",
            "",
            "",
            c.status.label,
            "",
            "",
            c.rationale,
            "",
            "",
            "",
            "",
            c.recorded_by.get_username(),
            timestamp(c.recorded_at),
            c.review_state,
        )
        yield (c.claim_id, c.effective_on, 1, c.pk), row


def rows(claims: QuerySet[Claim], *, include_pending: bool = False) -> Iterator[Row]:
    """Timeline rows of the given claims, by claim id, then date, then kind."""
    claim_ids = claims.order_by().values("pk")
    merged: Iterable[tuple[tuple[int, Any, int, int], Row]] = heapq.merge(
        _attribution_rows(claim_ids, include_pending),
        _status_change_rows(claim_ids, include_pending),
        key=lambda keyed: keyed[0],
    )
    for _, row in merged:
        yield row


def as_dicts(claims: QuerySet[Claim], *, include_pending: bool = False) -> Iterator[dict[str, Any]]:
    for row in rows(claims, include_pending=include_pending):
        yield dict(zip(COLUMNS, row, strict=True))
