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
