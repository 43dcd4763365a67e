"""What the reads of every subject share: which entries the desk sees and
which count, and the row a timeline or a list of entries is made of."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Value,
)

from claimtracker.claims.models import (
    STANCE_POLARITY,
    Actor,
    Attribution,
    Evidence,
    Polarity,
    ReviewState,
    Source,
    StatusChange,
)
from claimtracker.claims.moment import TODAY

M = TypeVar("M", Attribution, StatusChange)


def _stances_of(polarity: Polarity) -> list[str]:
    return [stance for stance, p in STANCE_POLARITY.items() if p == polarity]


def _visible(queryset: QuerySet[M], include_pending: bool) -> QuerySet[M]:
    """Approved entries only, unless pending and rejected ones are asked for too."""
    return TODAY.listed(queryset, include_pending)


def corrected(model: type[M]) -> Exists:
    """True for an entry that an approved correction replaces."""
    return TODAY.corrected(model)


def standing_attributions() -> QuerySet[Attribution]:
    """Approved attributions that no approved correction replaces: the ones that count."""
    return TODAY.standing(Attribution.objects.all())


def _has_text() -> Exists:
    return Exists(Source.objects.filter(pk=OuterRef("source_id")).exclude(body=""))


@dataclass(frozen=True)
class Event:
    """One row of a claim's timeline: an attribution or a status change."""

    date: datetime.date
    kind: str  # "attribution" or "status_change"
    item: Attribution | StatusChange
    corrected: bool = False
    # A status change's evidence as the reader sees it, in date order (claims.timeline_events).
    evidence: tuple[Evidence, ...] = ()

    @property
    def url_kind(self) -> str:
        """The kind as the review and my-work URLs spell it."""
        return "attribution" if self.kind == "attribution" else "status-change"


_ATTRIBUTION, _CHANGE = 0, 1
ATTRIBUTION, CHANGE = _ATTRIBUTION, _CHANGE  # the kinds of entry_keys, for other modules


HISTORY_LIMIT = 30


def entry_history(item: Attribution | StatusChange) -> list[Any]:
    """An entry's versions, newest first: each review round's decision and note stay here."""
    return list(item.history.select_related("history_user", "reviewed_by").order_by("-history_date")[:HISTORY_LIMIT])


def entry_keys(
    said: QuerySet[Attribution],
    said_at: str,
    assessed: QuerySet[StatusChange],
    assessed_at: str,
    *,
    newest_first: bool = False,
) -> QuerySet[Any]:
    """(at, kind, pk) of attributions and status changes together, ordered by
    the given date of each (then attributions before status changes, then id),
    for paging both in SQL before reading a page's rows."""
    keys = (
        said.annotate(at=F(said_at), kind=Value(_ATTRIBUTION, IntegerField()))
        .order_by()
        .values_list("at", "kind", "pk")
        .union(
            assessed.annotate(at=F(assessed_at), kind=Value(_CHANGE, IntegerField()))
            .order_by()
            .values_list("at", "kind", "pk"),
            all=True,
        )
    )
    return keys.order_by("-at", "-kind", "-pk") if newest_first else keys.order_by("at", "kind", "pk")


def ids_by_kind(keys: Iterable[tuple[Any, int, int]]) -> dict[int, list[int]]:
    """A page of entry_keys as the ids of each kind to read."""
    wanted: dict[int, list[int]] = {_ATTRIBUTION: [], _CHANGE: []}
    for _, kind, pk in keys:
        wanted[kind].append(pk)
    return wanted


R = TypeVar("R", Actor, Source)


def with_approved_counts(rows: Sequence[R], field: str, name: str) -> list[R]:
    """The rows of a page, each with ``name`` set to how many approved attributions
    name it in ``field`` ("actor", "source"), counted for the page's rows in one
    query. A count joined to the list's query (COUNT ... GROUP BY) counts every
    row of the table first: 1.3 s for /sources/ and /actors/ at 50,000 sources,
    5,000 actors and a million attributions."""
    shown = list(rows)
    counts = dict(
        Attribution.objects.filter(**{f"{field}__in": [row.pk for row in shown]}, review_state=ReviewState.APPROVED)
        .order_by()
        .values_list(field)
        .annotate(n=Count("pk"))
        .values_list(field, "n")
    )
    for row in shown:
        setattr(row, name, counts.get(row.pk, 0))
    return shown
