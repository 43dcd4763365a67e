"""Reads of the actor pages: the list, an actor's stances and track record, its history."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber

from claimtracker.claims import lookups
from claimtracker.claims.models import (
    Actor,
    Attribution,
    Polarity,
    Verdict,
)
from claimtracker.claims.queries.common import HISTORY_LIMIT, _stances_of, standing_attributions, with_approved_counts


def actors_for_list(q: str = "") -> QuerySet[Actor]:
    """Actors with their number of approved stances; ``q`` matches names, short names and aliases."""
    actors = lookups.actors_matching(q) if q else Actor.objects.all()
    return actors.select_related("parent")


def with_stance_counts(actors: Sequence[Actor]) -> list[Actor]:
    """A page of actors, each with ``stance_count``: its approved stances."""
    return with_approved_counts(actors, "actor", "stance_count")


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


def actor_history(actor: Actor) -> list[Any]:
    return list(actor.history.select_related("history_user", "parent").order_by("-history_date")[:HISTORY_LIMIT])
