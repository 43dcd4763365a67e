"""The suggested status, from the independent sides counted in SQL (queries.voices)."""

import datetime

import pytest
from django.contrib.auth.models import User

from claimtracker.claims import assessment, queries, services
from claimtracker.claims.models import Actor, Certainty, Claim, Stance
from tests.factories import ActorFactory, AttributionFactory, ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim() -> Claim:
    return ClaimFactory()


def say(claim: Claim, actor: Actor, stance: str, day: int, reviewer: User, **extra: object) -> None:
    item = AttributionFactory(claim=claim, actor=actor, stance=stance, stated_on=datetime.date(2024, 10, day), **extra)
    services.approve(item, by=reviewer)


def suggested(claim: Claim) -> str:
    return assessment.suggest(queries.voices(queries.approved_stances(claim))).slug


def test_no_stance_is_unverified(claim: Claim) -> None:
    AttributionFactory(claim=claim)  # pending: not counted
    assert queries.voices(queries.approved_stances(claim)) == assessment.Voices(0, 0, 0, 0)
    assert suggested(claim) == "unverified"


def test_actors_under_one_root_are_one_side(claim: Claim, reviewer: User) -> None:
    government = ActorFactory(name="Government")
    office = ActorFactory(name="Office", parent=government)
    spokesman = ActorFactory(name="Spokesman", parent=office)
    say(claim, spokesman, Stance.ASSERTS, 1, reviewer)
    say(claim, office, Stance.CONFIRMS, 2, reviewer)
    assert queries.voices(queries.approved_stances(claim)) == assessment.Voices(1, 0, 0, 1)
    assert suggested(claim) == "reported"

    say(claim, ActorFactory(name="Another country"), Stance.CONFIRMS, 3, reviewer)
    assert suggested(claim) == "corroborated"


def test_a_sides_later_stance_replaces_its_earlier_one(claim: Claim, reviewer: User) -> None:
    government = ActorFactory(name="Government")
    envoy = ActorFactory(name="Envoy", parent=government)
    minister = ActorFactory(name="Minister", parent=government)
    say(claim, envoy, Stance.DENIES, 1, reviewer)
    say(claim, ActorFactory(name="Agency"), Stance.ASSERTS, 2, reviewer)
    assert suggested(claim) == "disputed"

    say(claim, minister, Stance.ACKNOWLEDGES, 3, reviewer)
    assert queries.voices(queries.approved_stances(claim)) == assessment.Voices(
        2, 0, 0, 1
    )  # acknowledging is not stating definitely
    assert suggested(claim) == "reported"


def test_retractions_and_uncertain_supporters(claim: Claim, reviewer: User) -> None:
    maker = ActorFactory(name="Maker")
    say(claim, maker, Stance.ASSERTS, 1, reviewer)
    say(claim, maker, Stance.RETRACTS, 2, reviewer)
    assert suggested(claim) == "retracted"

    other = ClaimFactory()
    say(other, ActorFactory(name="A"), Stance.ASSERTS, 1, reviewer, certainty=Certainty.POSSIBLE)
    say(other, ActorFactory(name="B"), Stance.ASSERTS, 1, reviewer)
    assert queries.voices(queries.approved_stances(other)) == assessment.Voices(2, 0, 0, 1)
    assert suggested(other) == "reported"


def test_sides_are_the_tops_of_affiliations_walked_at_most_the_depth_limit_up(claim: Claim, reviewer: User) -> None:
    """Two actors are one side when walking MAX_AFFILIATION_DEPTH steps up from
    each reaches the same actor: a chain one step longer is two sides. A cycle of
    parents (possible with psql) stops at the limit too."""
    top = ActorFactory(name="Top")
    chain = [top]
    for depth in range(1, assessment.MAX_AFFILIATION_DEPTH + 2):
        chain.append(ActorFactory(name=f"Level {depth}", parent=chain[-1]))
    say(claim, top, Stance.CONFIRMS, 1, reviewer)
    say(claim, chain[assessment.MAX_AFFILIATION_DEPTH], Stance.CONFIRMS, 2, reviewer)
    roots = {said.actor_id: said.root_id for said in queries.approved_stances(claim)}
    assert roots[chain[assessment.MAX_AFFILIATION_DEPTH].pk] == top.pk
    assert suggested(claim) == "reported"  # one side

    beyond = ClaimFactory()
    say(beyond, top, Stance.CONFIRMS, 1, reviewer)
    say(beyond, chain[assessment.MAX_AFFILIATION_DEPTH + 1], Stance.CONFIRMS, 2, reviewer)
    assert {said.root_id for said in queries.approved_stances(beyond)} == {top.pk, chain[1].pk}
    assert suggested(beyond) == "corroborated"  # the walk stops one level short of the top

    Actor.objects.filter(pk=top.pk).update(parent=chain[2])  # a cycle: Top -> Level 2 -> Level 1 -> Top
    looped = {said.actor_id: said.root_id for said in queries.approved_stances(claim)}
    assert looped[top.pk] == chain[1].pk  # five steps round the cycle of three
