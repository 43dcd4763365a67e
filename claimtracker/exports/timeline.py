"""Claim timelines as rows: one per attribution and per status change, in the
columns and order of DESIGN.md sections 5 and 8.3. Every export (CSV, JSON, the
export command) reads them from here.

Rows are produced by streaming three queries (attributions, status changes, the
claims' links), each ordered by claim, and merging them, so memory stays flat
however many claims are exported.

Entries are named by event ids, ``a<id>`` for an attribution and ``s<id>`` for
a status change, which ``evidence`` and ``corrects`` refer to; ``relations``
gives the claim's own links (read from it) as ``kind:claim_id`` separated by
spaces, on each of its rows, as ``claim`` is.
"""

import datetime
import heapq
from collections.abc import Collection, Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from claimtracker.claims.models import (
    Attribution,
    Claim,
    Evidence,
    Relation,
    Source,
    StatusChange,
)
from claimtracker.claims.moment import TODAY, Moment
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
    "event_id",
    "figure",
    "figure_bound",
    "figure_unit",
    "quote_check",
    "evidence",
    "corrects",
    "reviewed_by",
    "reviewed_at",
    "relations",
)
# Who recorded and reviewed an entry, and when: what a copy of the data in another
# database does not keep (an import records its own).
RECORDING_COLUMNS = ("recorded_by", "recorded_at", "reviewed_by", "reviewed_at")
# Written by the app, not typed by users: never neutralised.
NON_TEXT_COLUMNS = frozenset(
    {
        "claim_id",
        "event_date",
        "date_precision",
        "source_published_at",
        "recorded_at",
        "event_id",
        "figure",
        "quote_check",
        "evidence",
        "corrects",
        "reviewed_at",
        "relations",
    }
)
TEXT_COLUMN_INDEXES = frozenset(i for i, name in enumerate(COLUMNS) if name not in NON_TEXT_COLUMNS)

CHUNK_SIZE = 2000

R = TypeVar("R")  # a row as a queryset gives it: a model, or a tuple of values

Row = tuple[Any, ...]


def timestamp(value: datetime.datetime | None) -> str:
    """ISO 8601 in UTC to the second: 2024-10-25T17:09:34Z."""
    if value is None:
        return ""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def figure_text(value: Decimal | None) -> str:
    """A figure as the CSV writes it: plain digits, no separators, no trailing zeros."""
    return "" if value is None else f"{value.normalize():f}"


def _user(user: object) -> str:
    return user.get_username() if user is not None else ""  # type: ignore[attr-defined]


def _read(queryset: QuerySet[Any, R], *, stream: bool) -> Iterable[R]:
    """Every row streamed in chunks (a server-side cursor on PostgreSQL); a page of
    them (``stream`` false) read at once, without the cursor's round trips."""
    return queryset.iterator(chunk_size=CHUNK_SIZE) if stream else queryset


# The columns each kind of row is written from (and the keys of the rows it joins): the joined
# users, claims, actors and sources have many more, which reading and loading cost a third of a
# page of rows (the read API's page of a claim's timeline).
_ATTRIBUTION_COLUMNS = (
    *("claim_id", "stated_on", "stated_on_precision", "stance", "certainty", "quote", "quote_kind", "created_at"),
    *("review_state", "figure", "figure_bound", "figure_unit", "quote_start", "quote_case_differs", "corrects_id"),
    *("reviewed_at", "claim__text", "actor__name", "via__name", "source__title", "source__url"),
    *("source__published_at", "source__publisher__name", "created_by__username", "reviewed_by__username"),
)
_STATUS_CHANGE_COLUMNS = (
    *("claim_id", "effective_on", "effective_on_precision", "rationale", "recorded_at", "review_state"),
    *("corrects_id", "reviewed_at", "claim__text", "status__label", "recorded_by__username", "reviewed_by__username"),
)


def _attribution_rows(
    claim_ids: QuerySet[Claim, Any], include_pending: bool, moment: Moment, only: Collection[int] | None = None
) -> Iterator[tuple[tuple[int, Any, int, int], Row]]:
    listed = moment.listed(Attribution.objects.filter(claim__in=claim_ids), include_pending)
    attributions = (
        (listed if only is None else listed.filter(pk__in=only))
        .select_related("claim", "actor", "via", "source__publisher", "created_by", "reviewed_by")
        .only(*_ATTRIBUTION_COLUMNS)
        .annotate(source_has_text=Exists(Source.objects.filter(pk=OuterRef("source_id")).exclude(body="")))
        .order_by("claim_id", "stated_on", "id")
    )
    for a in _read(attributions, stream=only is None):
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
            f"a{a.pk}",
            figure_text(a.figure),
            a.figure_bound,
            a.figure_unit,
            a.quote_check,
            "",
            f"a{a.corrects_id}" if a.corrects_id else "",
            _user(a.reviewed_by),
            timestamp(a.reviewed_at),
        )
        # On the same date, what was said comes before the desk's assessment of it.
        yield (a.claim_id, a.stated_on, 0, a.pk), row


def _status_change_rows(
    claim_ids: QuerySet[Claim, Any], include_pending: bool, moment: Moment, only: Collection[int] | None = None
) -> Iterator[tuple[tuple[int, Any, int, int], Row]]:
    listed = moment.listed(StatusChange.objects.filter(claim__in=claim_ids), include_pending)
    changes = (
        (listed if only is None else listed.filter(pk__in=only))
        .select_related("claim", "status", "recorded_by", "reviewed_by")
        .only(*_STATUS_CHANGE_COLUMNS)
        .prefetch_related(Prefetch("evidence_links", queryset=Evidence.objects.order_by("attribution_id")))
        .order_by("claim_id", "effective_on", "id")
    )
    for c in _read(changes, stream=only is None):
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
            f"s{c.pk}",
            "",
            "",
            "",
            "",
            " ".join(f"a{link.attribution_id}" for link in c.evidence_links.all()),
            f"s{c.corrects_id}" if c.corrects_id else "",
            _user(c.reviewed_by),
            timestamp(c.reviewed_at),
        )
        yield (c.claim_id, c.effective_on, 1, c.pk), row


def _relations(claim_ids: QuerySet[Claim, Any], *, stream: bool) -> Iterator[tuple[int, str]]:
    """Each claim's own links as the relations cell, by claim id; claims without
    links are left out. Streamed unless ``stream`` is false."""
    links = Relation.objects.filter(from_claim__in=claim_ids).order_by("from_claim_id", "kind", "to_claim_id")
    triples = links.values_list("from_claim_id", "kind", "to_claim_id")
    claim_id: int | None = None
    cell: list[str] = []
    for from_id, kind, to_id in _read(triples, stream=stream):
        if from_id != claim_id:
            if claim_id is not None:
                yield claim_id, " ".join(cell)
            claim_id, cell = from_id, []
        cell.append(f"{kind}:{to_id}")
    if claim_id is not None:
        yield claim_id, " ".join(cell)


def rows(
    claims: QuerySet[Claim],
    *,
    include_pending: bool = False,
    moment: Moment = TODAY,
    only: tuple[Collection[int], Collection[int]] | None = None,
) -> Iterator[Row]:
    """Timeline rows of the given claims, by claim id, then date, then kind; in a
    view of the past, those of then; with ``only``, just those of the attribution
    and status change ids it gives (a page of them)."""
    claim_ids = claims.order_by().values("pk")
    said, assessed = only if only is not None else (None, None)
    merged: Iterable[tuple[tuple[int, Any, int, int], Row]] = heapq.merge(
        _attribution_rows(claim_ids, include_pending, moment, said),
        _status_change_rows(claim_ids, include_pending, moment, assessed),
        key=lambda keyed: keyed[0],
    )
    links = _relations(claim_ids, stream=only is None)
    linked: tuple[int, str] | None = next(links, None)
    for (claim_id, *_), row in merged:
        while linked is not None and linked[0] < claim_id:
            linked = next(links, None)
        yield (*row, linked[1] if linked is not None and linked[0] == claim_id else "")


def count(claims: QuerySet[Claim], *, include_pending: bool = False, moment: Moment = TODAY) -> int:
    """How many rows ``rows`` gives for these claims, in two counting queries."""
    claim_ids = claims.order_by().values("pk")
    said = moment.listed(Attribution.objects.filter(claim__in=claim_ids), include_pending).count()
    assessed = moment.listed(StatusChange.objects.filter(claim__in=claim_ids), include_pending).count()
    return said + assessed


def as_dicts(
    claims: QuerySet[Claim],
    *,
    include_pending: bool = False,
    moment: Moment = TODAY,
    only: tuple[Collection[int], Collection[int]] | None = None,
) -> Iterator[dict[str, Any]]:
    for row in rows(claims, include_pending=include_pending, moment=moment, only=only):
        yield dict(zip(COLUMNS, row, strict=True))
