"""Reads that pages share, with their joins and prefetches set so that no page
runs a query per row."""

import datetime
from dataclasses import dataclass
from itertools import groupby
from typing import TypeVar

from django.db.models import Count, Prefetch, Q, QuerySet

from claimtracker.claims import lookups
from claimtracker.claims.models import (
    Actor,
    Attribution,
    Claim,
    Polarity,
    ReviewState,
    Source,
    StatusChange,
    Verdict,
)

M = TypeVar("M", Attribution, StatusChange)


def claims_for_list() -> QuerySet[Claim]:
    return Claim.objects.select_related("current_status").prefetch_related("topics")


def _visible(queryset: QuerySet[M], include_pending: bool) -> QuerySet[M]:
    """Approved entries only, unless pending and rejected ones are asked for too."""
    return queryset if include_pending else queryset.filter(review_state=ReviewState.APPROVED)


def claim_with_timeline(pk: int, *, include_pending: bool = False) -> Claim:
    """A claim with its attributions and status changes in date order, ready to show;
    with ``include_pending``, the entries still in review (or rejected) as well.
    Raises Claim.DoesNotExist."""
    attributions = _visible(
        Attribution.objects.select_related(
            "actor__parent__parent", "via", "source__publisher", "created_by", "reviewed_by"
        ),
        include_pending,
    ).order_by("stated_on", "id")
    changes = _visible(
        StatusChange.objects.select_related("status", "recorded_by", "reviewed_by"),
        include_pending,
    ).order_by("effective_on", "recorded_at", "id")
    return (
        Claim.objects.select_related("current_status", "created_by")
        .prefetch_related(
            "topics",
            Prefetch("attributions", queryset=attributions, to_attr="timeline_attributions"),
            Prefetch("status_changes", queryset=changes, to_attr="timeline_changes"),
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


def _corrected_ids(changes: list[StatusChange]) -> set[int | None]:
    """The entries that an approved correction replaces."""
    return {c.corrects_id for c in changes if c.corrects_id and c.review_state == ReviewState.APPROVED}


def timeline(claim: Claim) -> list[Event]:
    """Attributions and status changes of a claim loaded by claim_with_timeline, in
    date order; a status change that an approved correction replaces is marked."""
    changes: list[StatusChange] = claim.timeline_changes  # type: ignore[attr-defined]
    attributions: list[Attribution] = claim.timeline_attributions  # type: ignore[attr-defined]
    corrected = _corrected_ids(changes)
    events = [Event(a.stated_on, "attribution", a) for a in attributions] + [
        Event(c.effective_on, "status_change", c, corrected=c.pk in corrected) for c in changes
    ]
    # On the same date, what was said comes before the desk's assessment of it.
    return sorted(events, key=lambda e: (e.date, e.kind != "attribution", e.item.pk))


def effective_changes(claim: Claim) -> list[StatusChange]:
    """The approved, uncorrected changes among those loaded by claim_with_timeline."""
    changes: list[StatusChange] = claim.timeline_changes  # type: ignore[attr-defined]
    corrected = _corrected_ids(changes)
    return [c for c in changes if c.review_state == ReviewState.APPROVED and c.pk not in corrected]


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


def review_queue(limit: int = 200) -> list[ReviewGroup]:
    """Pending attributions and status changes, grouped by claim, oldest claim first."""
    pending = ReviewState.PENDING
    attributions = list(
        Attribution.objects.filter(review_state=pending)
        .select_related("claim__current_status", "actor", "via", "source", "created_by")
        .order_by("claim_id", "created_at", "id")[:limit]
    )
    changes = list(
        StatusChange.objects.filter(review_state=pending)
        .select_related("claim__current_status", "status", "recorded_by", "corrects__status")
        .prefetch_related("evidence__actor")
        .order_by("claim_id", "recorded_at", "id")[:limit]
    )
    groups: dict[int, ReviewGroup] = {}
    for claim_id, claim_attributions in groupby(attributions, key=lambda a: a.claim_id):
        batch = list(claim_attributions)
        groups[claim_id] = ReviewGroup(batch[0].claim, batch, [])
    for claim_id, claim_changes in groupby(changes, key=lambda c: c.claim_id):
        change_batch = list(claim_changes)
        if claim_id in groups:
            groups[claim_id].changes.extend(change_batch)
        else:
            groups[claim_id] = ReviewGroup(change_batch[0].claim, [], change_batch)
    return [groups[claim_id] for claim_id in sorted(groups)]


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


def actor_stances(actor: Actor) -> list[Attribution]:
    return list(
        actor.attributions.filter(review_state=ReviewState.APPROVED)
        .select_related("claim__current_status", "source__publisher", "via")
        .order_by("-stated_on", "-id")
    )


def track_record(stances: list[Attribution]) -> TrackRecord:
    """How the claims an actor took a side on stand now (each claim counted once,
    by the actor's latest stance on it)."""
    latest: dict[int, Attribution] = {}
    for stance in sorted(stances, key=lambda a: (a.stated_on, a.pk)):
        latest[stance.claim_id] = stance
    counts = {"supports": {"true": 0, "false": 0, "open": 0}, "opposes": {"true": 0, "false": 0, "open": 0}}
    for stance in latest.values():
        if stance.polarity == Polarity.NEUTRAL:
            continue
        status = stance.claim.current_status
        verdict = status.verdict if status else Verdict.OPEN
        bucket = {"true": "true", "false": "false"}.get(verdict, "open")
        counts[stance.polarity][bucket] += 1
    return TrackRecord(
        counts["supports"]["true"],
        counts["supports"]["false"],
        counts["supports"]["open"],
        counts["opposes"]["true"],
        counts["opposes"]["false"],
    )


def sources_for_list() -> QuerySet[Source]:
    return Source.objects.select_related("publisher").annotate(
        attribution_count=Count("attributions", filter=Q(attributions__review_state=ReviewState.APPROVED))
    )


@dataclass(frozen=True)
class Segment:
    text: str
    quote: bool


def highlighted_body(body: str, attributions: list[Attribution]) -> list[Segment]:
    """The source body cut into plain and quoted segments; overlapping quotes merge."""
    spans = sorted(
        (a.quote_start, a.quote_end)
        for a in attributions
        if a.quote_start is not None and a.quote_end is not None and a.quote_end <= len(body)
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    segments, position = [], 0
    for start, end in merged:
        if start > position:
            segments.append(Segment(body[position:start], False))
        segments.append(Segment(body[start:end], True))
        position = end
    if position < len(body):
        segments.append(Segment(body[position:], False))
    return segments
