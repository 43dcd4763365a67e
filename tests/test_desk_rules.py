"""Rules a new editor met in the first walk through the desk's pages: no claim
recorded twice word for word, no attribution recorded twice, no statement
dated after the source that reports it."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims.models import Actor, Attribution, Claim, Source
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory
from tests.test_workbench import BODY, passage, record_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def source() -> Source:
    """Published at 02:09 on 26 October in Seoul."""
    return SourceFactory(
        body=BODY,
        published_at=datetime.datetime(2024, 10, 25, 17, 9, tzinfo=datetime.UTC),
        published_tz="Asia/Seoul",
    )


@pytest.fixture
def nis() -> Actor:
    return ActorFactory(name="National Intelligence Service", short_name="NIS")


def test_a_new_claim_worded_like_one_recorded_is_refused_with_a_pointer_to_it(editor: User, source: Source) -> None:
    existing = ClaimFactory(text="The troops were moved by ship")
    client = client_for(editor)

    from_page = client.post(
        reverse("claims:create"),
        {"submission": "c0ffee00-0000-4000-8000-000000000001", "text": "the troops were  moved by ship"},
    )
    from_workbench = client.post(record_url(source), passage(new_claim="The troops were moved by ship"))

    for response in (from_page, from_workbench):
        assert response.status_code == 400
        assert (
            f"This claim is already recorded: “The troops were moved by ship” [#{existing.pk}]"
            in response.content.decode()
        )
    assert Claim.objects.count() == 1 and not Attribution.objects.exists()


def test_the_same_attribution_is_not_recorded_twice(editor: User, source: Source, nis: Actor) -> None:
    claim = ClaimFactory()
    client = client_for(editor)
    assert client.post(record_url(source), passage(claim=f"#{claim.pk}")).status_code == 302

    again = client.post(record_url(source), passage(claim=f"#{claim.pk}"))

    assert again.status_code == 400
    assert "This attribution is already recorded on this claim (waiting for review)" in again.content.decode()
    assert Attribution.objects.count() == 1
    # Another stance by the same actor from the same passage is a different attribution.
    assert client.post(record_url(source), passage(claim=f"#{claim.pk}", stance="qualifies")).status_code == 302


def test_a_statement_dated_after_its_source_was_published_is_refused(editor: User, source: Source, nis: Actor) -> None:
    claim = ClaimFactory()
    client = client_for(editor)
    late = client.post(record_url(source), passage(claim=f"#{claim.pk}", stated_on="2031-01-01"))
    assert late.status_code == 400
    assert "The source was published on 26 Oct 2024; a statement it reports cannot be later." in late.content.decode()
    # A day's difference is time zones: Washington's 25 October is Seoul's 26th.
    next_day = client.post(record_url(source), passage(claim=f"#{claim.pk}", stated_on="2024-10-27"))
    assert next_day.status_code == 302
    assert list(Attribution.objects.values_list("stated_on", flat=True)) == [datetime.date(2024, 10, 27)]
