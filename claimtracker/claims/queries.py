"""Reads that pages share, with their joins and prefetches set so that no page
runs a query per row."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Greatest, RowNumber, Substr

from claimtracker.claims import assessment, chart, lookups, search
from claimtracker.claims.assessment import MAX_AFFILIATION_DEPTH
from claimtracker.claims.models import (
    DESK_STATES,
    STANCE_POLARITY,
    Actor,
    Attribution,
    Certainty,
    Claim,
    Evidence,
    Polarity,
    ReviewState,
    Source,
    Stance,
    StatusChange,
    Verdict,
)
from claimtracker.lib.dates import format_date

M = TypeVar("M", Attribution, StatusChange)


def _stances_of(polarity: Polarity) -> list[str]:
    return [stance for stance, p in STANCE_POLARITY.items() if p == polarity]


def claims_for_list() -> QuerySet[Claim]:
    return Claim.objects.select_related("current_status").prefetch_related("topics")


def _visible(queryset: QuerySet[M], include_pending: bool) -> QuerySet[M]:
    """Approved entries only, unless pending and rejected ones are asked for too.
    Withdrawn entries never show here (only in their author's list)."""
    if include_pending:
        return queryset.filter(review_state__in=DESK_STATES)
    return queryset.filter(review_state=ReviewState.APPROVED)


def corrected(model: type[M]) -> Exists:
    """True for an entry that an approved correction replaces."""
    return Exists(model.objects.filter(corrects=OuterRef("pk"), review_state=ReviewState.APPROVED))


def standing_attributions() -> QuerySet[Attribution]:
    """Approved attributions that no approved correction replaces: the ones that count."""
    return Attribution.objects.filter(review_state=ReviewState.APPROVED).exclude(corrected(Attribution))


# --- The claim page -------------------------------------------------------------------------------
# Every read below does bounded work in Python, whatever the size of the claim:
# a claim with thousands of events is paged, summarised or capped in SQL.

TIMELINE_PAGE_SIZE = 25
SIDE_LIMIT = 12  # actors shown per side; the rest are counted
SCHEMA_LIMIT = 25  # actors and sources named in the ClaimReview JSON-LD


# Annotations of claim_for_page that change whenever the summary's data does (claims.summary).
FINGERPRINT = (
    "reviewed_at",
    "approved_changes",
    "approved_attributions",
    "attributions_reviewed",
    "attributions_edited",
    "actors_edited",
    "sources_edited",
)


def _latest(queryset: QuerySet[Any], field: str) -> Subquery:
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def _count(queryset: QuerySet[Any]) -> Subquery:
    return Subquery(queryset.order_by().values("claim").annotate(n=Count("pk")).values("n")[:1])


def claim_for_page(pk: int) -> Claim:
    """The claim with ``reviewed_at`` (when the desk last approved a status change
    on it) and the rest of the FINGERPRINT, in one query. Raises Claim.DoesNotExist."""
    changes = StatusChange.objects.filter(claim=OuterRef("pk"), review_state=ReviewState.APPROVED)
    attributions = Attribution.objects.filter(claim=OuterRef("pk"), review_state=ReviewState.APPROVED)
    return (
        Claim.objects.select_related("current_status", "created_by")
        .prefetch_related("topics")
        .annotate(
            reviewed_at=_latest(changes, "recorded_at"),
            approved_changes=_count(changes),
            approved_attributions=_count(attributions),
            attributions_reviewed=_latest(attributions, "reviewed_at"),
            attributions_edited=_latest(Attribution.history.filter(claim_id=OuterRef("pk")), "history_date"),
            actors_edited=_latest(Actor.history.all(), "history_date"),
            sources_edited=_latest(Source.history.all(), "history_date"),
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class Event:
    """One row of a claim's timeline: an attribution or a status change."""

    date: datetime.date
    kind: str  # "attribution" or "status_change"
    item: Attribution | StatusChange
    corrected: bool = False

    @property
    def url_kind(self) -> str:
        """The kind as the review and my-work URLs spell it."""
        return "attribution" if self.kind == "attribution" else "status-change"


_ATTRIBUTION, _CHANGE = 0, 1


def timeline_page(claim: Claim, number: str | None, *, include_pending: bool = False) -> tuple[Page[Any], list[Event]]:
    """One page of the claim's attributions and status changes in date order; on the
    same date, what was said comes before the desk's assessment of it. With no page
    number, the last page: the latest events. With ``include_pending``, entries in
    review (or rejected) as well."""
    said = _visible(Attribution.objects.filter(claim=claim), include_pending)
    assessed = _visible(StatusChange.objects.filter(claim=claim), include_pending)
    keys = (
        said.annotate(day=F("stated_on"), kind=Value(_ATTRIBUTION, IntegerField()))
        .order_by()
        .values_list("day", "kind", "pk")
        .union(
            assessed.annotate(day=F("effective_on"), kind=Value(_CHANGE, IntegerField()))
            .order_by()
            .values_list("day", "kind", "pk"),
            all=True,
        )
        .order_by("day", "kind", "pk")
    )
    paginator = Paginator(keys, TIMELINE_PAGE_SIZE)
    page = paginator.get_page(number or paginator.num_pages)
    wanted: dict[int, list[int]] = {_ATTRIBUTION: [], _CHANGE: []}
    for _, kind, pk in page.object_list:
        wanted[kind].append(pk)
    attributions = (
        Attribution.objects.select_related("actor", "via", "source__publisher", "created_by", "reviewed_by")
        .defer("source__body")
        .annotate(corrected=corrected(Attribution), source_has_text=_has_text())
        .in_bulk(wanted[_ATTRIBUTION])
    )
    evidence = Evidence.objects.select_related("attribution__actor").order_by("attribution__stated_on", "id")
    if not include_pending:
        evidence = evidence.filter(attribution__review_state=ReviewState.APPROVED)
    changes = (
        StatusChange.objects.select_related("status", "recorded_by", "reviewed_by")
        .annotate(corrected=corrected(StatusChange))
        .prefetch_related(Prefetch("evidence_links", queryset=evidence))
        .in_bulk(wanted[_CHANGE])
    )
    events = []
    for day, kind, pk in page.object_list:
        if kind == _ATTRIBUTION:
            attribution = attributions[pk]
            events.append(Event(day, "attribution", attribution, corrected=attribution.corrected))
        else:
            change = changes[pk]
            events.append(Event(day, "status_change", change, corrected=change.corrected))
    return page, events


STANCE_LABELS: dict[str, str] = dict(Stance.choices)


class Said(NamedTuple):
    """An approved stance on the claim as the claim page reads it: a plain row,
    not a model instance, so that thousands of them cost milliseconds."""

    pk: int
    stated_on: datetime.date
    stated_on_precision: str
    stance: str
    certainty: str
    actor_id: int
    actor_name: str
    source_id: int
    root_id: int  # the top of the actor's affiliations, at most MAX_AFFILIATION_DEPTH up

    @property
    def polarity(self) -> str:
        return STANCE_POLARITY[self.stance]

    @property
    def stated_on_display(self) -> str:
        return format_date(self.stated_on, self.stated_on_precision)

    def get_stance_display(self) -> str:
        return STANCE_LABELS[self.stance]


def approved_stances(claim: Claim) -> list[Said]:
    """The claim's approved attributions in date order, in one query (and one for
    affiliations); the sides, the suggestion, the chart and the JSON-LD are all
    drawn from them."""
    rows = (
        standing_attributions()
        .filter(claim=claim)
        .order_by("stated_on", "id")
        .values_list(
            "pk", "stated_on", "stated_on_precision", "stance", "certainty", "actor_id", "actor__name", "source_id"
        )
    )
    parents: dict[int, int] = dict(Actor.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
    roots: dict[int, int] = {}

    def root(actor_id: int) -> int:
        if actor_id not in roots:
            top = actor_id
            for _ in range(MAX_AFFILIATION_DEPTH):
                if top not in parents:
                    break
                top = parents[top]
            roots[actor_id] = top
        return roots[actor_id]

    return [Said(*row, root(row[5])) for row in rows]


def _latest_by(stances: list[Said], key: Callable[[Said], int]) -> list[Said]:
    """The latest stance for each value of ``key``, newest first."""
    latest: dict[int, Said] = {}
    for stance in stances:  # in date order: later ones replace earlier ones
        latest[key(stance)] = stance
    return sorted(latest.values(), key=lambda s: (s.stated_on, s.pk), reverse=True)


@dataclass(frozen=True)
class Side:
    shown: list[Said]
    more: int


def sides(stances: list[Said]) -> dict[str, Side]:
    """Each actor's latest stance, by polarity, newest first; each side shows
    SIDE_LIMIT actors and counts the rest."""
    grouped: dict[str, list[Said]] = {p: [] for p in Polarity.values}
    for stance in _latest_by(stances, lambda s: s.actor_id):
        grouped[stance.polarity].append(stance)
    return {p: Side(items[:SIDE_LIMIT], max(len(items) - SIDE_LIMIT, 0)) for p, items in grouped.items()}


def voices(stances: list[Said]) -> assessment.Voices:
    """The independent sides (assessment.Voices): the latest stance under each affiliation root."""
    latest = _latest_by(stances, lambda s: s.root_id)
    supporters = [s for s in latest if s.polarity == Polarity.SUPPORTS]
    opponents = [s for s in latest if s.polarity == Polarity.OPPOSES]
    return assessment.Voices(
        supporters=len(supporters),
        opponents=len(opponents),
        retracting_opponents=sum(s.stance == Stance.RETRACTS for s in opponents),
        definite_supporters=sum(
            s.stance != Stance.ACKNOWLEDGES and s.certainty == Certainty.DEFINITE for s in supporters
        ),
    )


def effective_changes(claim: Claim) -> QuerySet[StatusChange]:
    """The claim's approved status changes that no approved correction replaces,
    latest first: the first one is the claim's current status."""
    corrected = StatusChange.objects.filter(review_state=ReviewState.APPROVED, corrects__isnull=False).values(
        "corrects_id"
    )
    return (
        StatusChange.objects.filter(claim=claim, review_state=ReviewState.APPROVED)
        .exclude(pk__in=corrected)
        .order_by("-effective_on", "-recorded_at", "-id")
    )


def chart_changes(claim: Claim) -> list[chart.Change]:
    """The approved status changes that no approved correction replaces (the same
    entries the current status moves by: effective_changes), in timeline order."""
    return [
        chart.Change(day, precision, label, color)
        for day, precision, label, color in effective_changes(claim)
        .order_by("effective_on", "recorded_at", "id")
        .values_list("effective_on", "effective_on_precision", "status__label", "status__color")
    ]


def chart_stances(stances: list[Said]) -> list[chart.Stance]:
    return [
        chart.Stance(s.stated_on, s.stated_on_precision, s.polarity, f"{s.actor_name} {s.get_stance_display()}")
        for s in stances
    ]


def schema_sources(stances: list[Said]) -> tuple[list[Actor], list[Source]]:
    """For the ClaimReview: the actors who supported the claim (by name) and the
    sources it appeared in (the latest cited first), SCHEMA_LIMIT of each."""
    names = {s.actor_id: s.actor_name for s in stances if s.polarity == Polarity.SUPPORTS}
    actor_ids = sorted(names, key=lambda pk: (names[pk], pk))[:SCHEMA_LIMIT]
    source_ids = list(dict.fromkeys(s.source_id for s in reversed(stances)))[:SCHEMA_LIMIT]
    actors = list(Actor.objects.filter(pk__in=actor_ids).order_by("name", "id")) if actor_ids else []
    sources = (
        list(
            Source.objects.filter(pk__in=source_ids)
            .only("title", "url", "published_at")
            .order_by(F("published_at").desc(nulls_last=True), "id")
        )
        if source_ids
        else []
    )
    return actors, sources


def claim_history(claim: Claim, limit: int = 30) -> list[object]:
    """Edits of the claim and of its attributions, newest first."""
    edits = list(claim.history.select_related("history_user").order_by("-history_date")[:limit])
    edits += list(
        Attribution.history.filter(claim_id=claim.pk)
        .select_related("history_user", "actor")
        .order_by("-history_date")[:limit]
    )
    return sorted(edits, key=lambda h: h.history_date, reverse=True)[:limit]


# --- Review queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewGroup:
    claim: Claim
    attributions: list[Attribution]
    changes: list[StatusChange]


REVIEW_CLAIMS = 20  # claims per page of the review queue
REVIEW_ITEMS = 200  # pending items per page at most, should a few claims hold many


def review_queue(after: int | None = None) -> tuple[list[ReviewGroup], int | None]:
    """A page of pending attributions and status changes, grouped by claim, oldest
    claim first, and the claim id to continue after (None on the last page)."""
    pending = ReviewState.PENDING
    waiting = Q(pk__in=Attribution.objects.filter(review_state=pending).values("claim_id")) | Q(
        pk__in=StatusChange.objects.filter(review_state=pending).values("claim_id")
    )
    claims = Claim.objects.filter(waiting)
    if after is not None:
        claims = claims.filter(pk__gt=after)
    ids = list(claims.order_by("pk").values_list("pk", flat=True)[: REVIEW_CLAIMS + 1])
    next_after = ids[REVIEW_CLAIMS - 1] if len(ids) > REVIEW_CLAIMS else None
    ids = ids[:REVIEW_CLAIMS]
    attributions = list(
        _for_review(Attribution.objects.filter(review_state=pending, claim_id__in=ids)).order_by(
            "claim_id", "created_at", "id"
        )[:REVIEW_ITEMS]
    )
    changes = list(
        _changes_for_review(StatusChange.objects.filter(review_state=pending, claim_id__in=ids)).order_by(
            "claim_id", "recorded_at", "id"
        )[:REVIEW_ITEMS]
    )
    groups: dict[int, ReviewGroup] = {}
    for attribution in attributions:
        groups.setdefault(attribution.claim_id, ReviewGroup(attribution.claim, [], [])).attributions.append(attribution)
    for change in changes:
        groups.setdefault(change.claim_id, ReviewGroup(change.claim, [], [])).changes.append(change)
    return [groups[claim_id] for claim_id in sorted(groups)], next_after


PASSAGE_CHARS = 160  # characters of the source shown on each side of a quote under review


def _has_text() -> Exists:
    return Exists(Source.objects.filter(pk=OuterRef("source_id")).exclude(body=""))


def _for_review(attributions: QuerySet[Attribution]) -> QuerySet[Attribution]:
    """Attributions with what a reviewer needs: whether the source has text, and
    the passage around the quote, cut from the body in SQL (a body may be 500 KB)."""
    start, end = F("quote_start"), F("quote_end")
    lead = Greatest(start - PASSAGE_CHARS, Value(0))
    return (
        attributions.select_related("claim__current_status", "actor", "via", "source", "created_by", "corrects")
        .defer("source__body")
        .annotate(
            source_has_text=_has_text(),
            passage_before=Substr("source__body", lead + 1, start - lead),
            passage_quote=Substr("source__body", start + 1, end - start),
            passage_after=Substr("source__body", end + 1, PASSAGE_CHARS),
        )
    )


def _changes_for_review(changes: QuerySet[StatusChange]) -> QuerySet[StatusChange]:
    evidence = Evidence.objects.select_related("attribution__actor").order_by("attribution__stated_on", "id")
    return changes.select_related(
        "claim__current_status", "status", "recorded_by", "corrects__status"
    ).prefetch_related(Prefetch("evidence_links", queryset=evidence))


def review_item(item: Attribution | StatusChange) -> Attribution | StatusChange:
    """One item as the review queue shows it, read again after a decision."""
    if isinstance(item, Attribution):
        return _for_review(Attribution.objects.filter(pk=item.pk)).select_related("reviewed_by").get()
    return _changes_for_review(StatusChange.objects.filter(pk=item.pk)).select_related("reviewed_by").get()


def pending_count() -> int:
    return (
        Attribution.objects.filter(review_state=ReviewState.PENDING).count()
        + StatusChange.objects.filter(review_state=ReviewState.PENDING).count()
    )


# --- Actors and sources -------------------------------------------------------------------------


def actors_for_list(q: str = "") -> QuerySet[Actor]:
    """Actors with their number of approved stances; ``q`` matches names, short names and aliases."""
    actors = lookups.actors_matching(q) if q else Actor.objects.all()
    return actors.select_related("parent").annotate(
        stance_count=Count("attributions", filter=Q(attributions__review_state=ReviewState.APPROVED))
    )


@dataclass(frozen=True)
class TrackRecord:
    supported_true: int
    supported_false: int
    supported_open: int
    opposed_true: int
    opposed_false: int


def actor_stances(actor: Actor) -> QuerySet[Attribution]:
    """The actor's approved stances, newest first, for paging."""
    return (
        standing_attributions()
        .filter(actor=actor)
        .select_related("claim__current_status", "source", "via")
        .defer("source__body")
        .order_by("-stated_on", "-id")
    )


def track_record(actor: Actor) -> TrackRecord:
    """How the claims the actor took a side on stand now (each claim counted once,
    by the actor's latest approved stance on it), counted in one query."""
    latest = (
        standing_attributions()
        .filter(actor=actor)
        .annotate(
            newest=Window(RowNumber(), partition_by=[F("claim_id")], order_by=[F("stated_on").desc(), F("id").desc()])
        )
        .filter(newest=1)
    )
    supports = Q(stance__in=_stances_of(Polarity.SUPPORTS))
    opposes = Q(stance__in=_stances_of(Polarity.OPPOSES))
    true = Q(claim__current_status__verdict=Verdict.TRUE)
    false = Q(claim__current_status__verdict=Verdict.FALSE)
    counts = latest.aggregate(
        supported_true=Count("pk", filter=supports & true),
        supported_false=Count("pk", filter=supports & false),
        supported_open=Count("pk", filter=supports & ~true & ~false),
        opposed_true=Count("pk", filter=opposes & true),
        opposed_false=Count("pk", filter=opposes & false),
    )
    return TrackRecord(**counts)


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


HISTORY_LIMIT = 30


def source_history(source: Source) -> list[Any]:
    return list(source.history.select_related("history_user").defer("body").order_by("-history_date")[:HISTORY_LIMIT])


def actor_history(actor: Actor) -> list[Any]:
    return list(actor.history.select_related("history_user", "parent").order_by("-history_date")[:HISTORY_LIMIT])


def entry_history(item: Attribution | StatusChange) -> list[Any]:
    """An entry's versions, newest first: each review round's decision and note stay here."""
    return list(item.history.select_related("history_user", "reviewed_by").order_by("-history_date")[:HISTORY_LIMIT])


# --- My work -------------------------------------------------------------------------------------------

MINE_PAGE_SIZE = 25


def my_counts(user: User) -> dict[str, int]:
    """How many of the user's entries are in review, rejected and withdrawn (two queries)."""
    counts = dict.fromkeys(["pending", "rejected", "withdrawn"], 0)
    for model, author in ((Attribution, "created_by"), (StatusChange, "recorded_by")):
        found = model.objects.filter(**{author: user}).aggregate(
            **{state: Count("pk", filter=Q(review_state=state)) for state in counts}
        )
        for state in counts:
            counts[state] += found[state] or 0
    return counts


def rejected_count(user: User) -> int:
    """For the header: the user's entries sent back to them, in one query."""
    return (
        Attribution.objects.filter(created_by=user, review_state=ReviewState.REJECTED)
        .order_by()
        .values("pk")
        .union(
            StatusChange.objects.filter(recorded_by=user, review_state=ReviewState.REJECTED).order_by().values("pk"),
            all=True,
        )
        .count()
    )


def my_entries(user: User, state: str, number: str | None) -> tuple[Page[Any], list[Event]]:
    """One page of the user's entries in ``state``, newest first, attributions and
    status changes together (keys paged in SQL, then the page's rows read)."""
    said = Attribution.objects.filter(created_by=user, review_state=state)
    assessed = StatusChange.objects.filter(recorded_by=user, review_state=state)
    keys = (
        said.annotate(at=F("created_at"), kind=Value(_ATTRIBUTION, IntegerField()))
        .order_by()
        .values_list("at", "kind", "pk")
        .union(
            assessed.annotate(at=F("recorded_at"), kind=Value(_CHANGE, IntegerField()))
            .order_by()
            .values_list("at", "kind", "pk"),
            all=True,
        )
        .order_by("-at", "-kind", "-pk")
    )
    page = Paginator(keys, MINE_PAGE_SIZE).get_page(number)
    wanted: dict[int, list[int]] = {_ATTRIBUTION: [], _CHANGE: []}
    for _, kind, pk in page.object_list:
        wanted[kind].append(pk)
    attributions = (
        Attribution.objects.select_related("claim", "actor", "via", "source", "reviewed_by")
        .defer("source__body", "claim__search_quotes", "claim__search_actors")
        .annotate(source_has_text=_has_text())
        .in_bulk(wanted[_ATTRIBUTION])
    )
    changes = (
        StatusChange.objects.select_related("claim", "status", "reviewed_by")
        .defer("claim__search_quotes", "claim__search_actors")
        .in_bulk(wanted[_CHANGE])
    )
    events = [
        Event(at.date(), "attribution", attributions[pk])
        if kind == _ATTRIBUTION
        else Event(at.date(), "status_change", changes[pk])
        for at, kind, pk in page.object_list
    ]
    return page, events


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
