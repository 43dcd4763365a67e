"""Reads of the source pages: the list, the workbench's attributions and
highlights, like sources for the duplicate check, and the history."""

from collections.abc import Sequence
from typing import Any

from django.db.models import (
    F,
    Q,
    QuerySet,
    Value,
)
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claimtracker.claims import search
from claimtracker.claims.models import (
    Attribution,
    QuoteKind,
    ReviewState,
    Source,
)
from claimtracker.claims.queries.common import HISTORY_LIMIT, _visible, corrected, with_approved_counts

SOURCE_LIST_LIMIT = 100  # attributions listed on a source page; the highlights show them all


NOT_FOUND_LIMIT = 50  # quotes named in the source page's "not found in the text" alert


def _on_page(source: Source, include_pending: bool) -> QuerySet[Attribution]:
    return _visible(source.attributions.all(), include_pending).exclude(review_state=ReviewState.REJECTED)


def _with_names(ids: list[int], source: Source) -> list[Attribution]:
    rows = (
        Attribution.objects.filter(pk__in=ids)
        .select_related("actor", "claim", "via")
        .defer("claim__search_quotes", "claim__search_actors")
        .annotate(source_has_text=Value(bool(source.body)), corrected=corrected(Attribution))
        .in_bulk()
    )
    return [rows[pk] for pk in ids]


def source_attributions(source: Source, *, include_pending: bool) -> tuple[list[Attribution], int]:
    """The first SOURCE_LIST_LIMIT of the source's attributions in the order of
    the text (those not found last), and how many there are; editors see those
    in review too. The page's ids are picked from the narrow rows first, and
    only those joined to their names."""
    keys = _on_page(source, include_pending).order_by(F("quote_start").asc(nulls_last=True), "id")
    ids = list(keys.values_list("pk", flat=True)[:SOURCE_LIST_LIMIT])
    total = len(ids) if len(ids) < SOURCE_LIST_LIMIT else keys.count()
    return _with_names(ids, source), total


def source_not_found(source: Source, *, include_pending: bool) -> tuple[list[Attribution], int]:
    """Direct quotes of the source that its text does not hold (the first
    NOT_FOUND_LIMIT, and how many): the workbench's alert."""
    if not source.body:
        return [], 0
    missing = (
        _on_page(source, include_pending)
        .filter(quote_start__isnull=True, quote_kind=QuoteKind.DIRECT)
        .exclude(quote="")
        .order_by("id")
    )
    ids = list(missing.values_list("pk", flat=True)[:NOT_FOUND_LIMIT])
    total = len(ids) if len(ids) < NOT_FOUND_LIMIT else missing.count()
    return _with_names(ids, source), total


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


def sources_for_list(q: str = "") -> QuerySet[Source]:
    """Sources with their number of approved attributions; ``q`` matches titles and URLs."""
    sources = Source.objects.filter(Q(title__icontains=q) | Q(url__icontains=q)) if q else Source.objects.all()
    return sources.select_related("publisher").defer("body")


def with_attribution_counts(sources: Sequence[Source]) -> list[Source]:
    """A page of sources, each with ``attribution_count``: its approved attributions."""
    return with_approved_counts(sources, "source", "attribution_count")


def highlighted_body(body: str, spans: list[tuple[int, int, bool]]) -> SafeString:
    """The source body as HTML, every located quote in a <mark> (class "pending"
    while in review); overlapping quotes merge, approved when any of them is.
    Written here with every piece of text escaped, as claims/chart.py writes the
    SVG: a 100 KB body with a thousand quotes would cost a template loop
    several milliseconds."""
    merged: list[list[Any]] = []
    for start, end, approved in sorted(spans):
        if end > len(body):
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] = merged[-1][2] or approved
        else:
            merged.append([start, end, approved])
    parts: list[str] = []
    position = 0
    for start, end, approved in merged:
        if start > position:
            parts.append(escape(body[position:start]))
        parts.append("<mark>" if approved else '<mark class="pending">')
        parts.append(escape(body[start:end]))
        parts.append("</mark>")
        position = max(position, end)
    if position < len(body):
        parts.append(escape(body[position:]))
    return mark_safe("".join(parts))  # noqa: S308 -- every piece of text above is escaped
