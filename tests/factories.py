"""factory_boy factories. Rows that services would write (pending review) are
made through the models directly here only where a test sets the stage."""

import datetime

import factory
from django.contrib.auth.models import Group, User

from claimtracker.accounts.roles import EDITOR, REVIEWER, VIEWER
from claimtracker.claims.models import (
    Actor,
    ActorKind,
    Attribution,
    Certainty,
    Claim,
    QuoteKind,
    Source,
    Stance,
    Status,
    StatusChange,
)
from claimtracker.lib.dates import Precision


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def viewer(**kwargs: object) -> User:
    return UserFactory(role=VIEWER, **kwargs)


def editor(**kwargs: object) -> User:
    return UserFactory(role=EDITOR, **kwargs)


def reviewer(**kwargs: object) -> User:
    return UserFactory(role=REVIEWER, **kwargs)


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = ActorKind.GOVERNMENT


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report {n}")
    url = factory.Sequence(lambda n: f"https://news.example.org/report-{n}")
    published_at = datetime.datetime(2024, 10, 25, 17, 9, tzinfo=datetime.UTC)
    body = "The ministry said the troops had left. Officials denied it."


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    text = factory.Sequence(lambda n: f"Claim number {n} is true")
    created_by = factory.SubFactory(UserFactory)


class AttributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attribution

    claim = factory.SubFactory(ClaimFactory)
    actor = factory.SubFactory(ActorFactory)
    source = factory.SubFactory(SourceFactory)
    stance = Stance.ASSERTS
    certainty = Certainty.DEFINITE
    quote = "the troops had left"
    quote_kind = QuoteKind.DIRECT
    stated_on = datetime.date(2024, 10, 21)
    stated_on_precision = Precision.DAY
    created_by = factory.SubFactory(UserFactory)


class StatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusChange

    claim = factory.SubFactory(ClaimFactory)
    status = factory.LazyFunction(lambda: Status.objects.get(slug="reported"))
    effective_on = datetime.date(2024, 10, 21)
    rationale = "Reported by a credible outlet."
    recorded_by = factory.SubFactory(UserFactory)
