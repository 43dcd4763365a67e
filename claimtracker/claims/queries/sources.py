"""Reads of the source pages: the list, the workbench's attributions and
highlights, like sources for the duplicate check, and the history."""

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Value,
)

from claimtracker.claims import search
from claimtracker.claims.models import (
    Attribution,
    ReviewState,
    Source,
)
from claimtracker.claims.queries.common import HISTORY_LIMIT, _visible, corrected

SOURCE_LIST_LIMIT = 100  # attributions listed on a source page; the highlights show them all


def source_attributions(source: Source, *, include_pending: bool) -> tuple[list[Attribution], int]:
    """The first SOURCE_LIST_LIMIT of the source's attributions in the order of
    the text (those not found last), and how many there are; editors see those
    in review too."""
    shown = (
        _visible(source.attributions.all(), include_pending)
        .exclude(review_state=ReviewState.REJECTED)
        .select_related("actor", "claim", "via")
        .defer("claim__search_quotes", "claim__search_actors")
        .annotate(source_has_text=Value(bool(source.body)), corrected=corrected(Attribution))
        .order_by(F("quote_start").asc(nulls_last=True), "id")
    )
    listed: list[Attribution] = list(shown[:SOURCE_LIST_LIMIT])
    total = len(listed) if len(listed) < SOURCE_LIST_LIMIT else shown.count()
    return listed, total


def source_spans(source: Source, *, include_pending: bool) -> list[tuple[int, int, bool]]:
    """(start, end, approved) of every located quote of the source, for highlighting."""
    rows = (
        _visible(source.attributions.all(), include_pending)
        .exclude(review_state=ReviewState.REJECTED)
        .filter(quote_start__isnull=False)
        .values_list("quote_start", "quote_end", "review_state")
    )
    return [(start, end, state == ReviewState.APPROVED) for start, end, state in rows if start is not None and end]


def sources_like(title: str, url: str, *, exclude: int | None = None, limit: int = 5) -> list[Source]:
    """Sources already recorded with this URL, or a title that contains the one typed."""
    title, url = search.clean_query(title, 500), search.clean_query(url, 2000)
    condition = Q(url=url) if url else Q()
    if len(title) >= 4:
        condition |= Q(title__icontains=title)
    if not condition:
        return []
    matches = Source.objects.filter(condition).select_related("publisher").defer("body")
    if exclude is not None:
        matches = matches.exclude(pk=exclude)
    return list(matches.order_by("-published_at", "-id")[:limit])


def source_history(source: Source) -> list[Any]:
    return list(source.history.select_related("history_user").defer("body").order_by("-history_date")[:HISTORY_LIMIT])


def sources_for_list() -> QuerySet[Source]:
    return Source.objects.select_related("publisher").annotate(
        attribution_count=Count("attributions", filter=Q(attributions__review_state=ReviewState.APPROVED))
    )


@dataclass(frozen=True)
class Segment:
    text: str
    quote: bool
    approved: bool = True


def highlighted_body(body: str, spans: list[tuple[int, int, bool]]) -> list[Segment]:
    """The source body cut into plain and quoted segments; overlapping quotes
    merge (approved when any of them is)."""
    merged: list[list[Any]] = []
    for start, end, approved in sorted(spans):
        if end > len(body):
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] = merged[-1][2] or approved
        else:
            merged.append([start, end, approved])
    segments, position = [], 0
    for start, end, approved in merged:
        if start > position:
            segments.append(Segment(body[position:start], False))
        segments.append(Segment(body[start:end], True, approved))
        position = end
    if position < len(body):
        segments.append(Segment(body[position:], False))
    return segments
