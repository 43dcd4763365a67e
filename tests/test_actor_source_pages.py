"""Actor pages with their track record, source pages with highlighted quotes."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Source
from tests.conftest import client_for
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_actor_list_finds_by_alias(demo: None, viewer: User) -> None:
    html = client_for(viewer).get(reverse("claims:actor_list"), {"q": "국가정보원"}).content.decode()
    assert "National Intelligence Service" in html
    assert "John Kirby" not in html


def test_actor_page_lists_stances_and_track_record(demo: None, viewer: User) -> None:
    nis = Actor.objects.get(short_name="NIS")
    html = client_for(viewer).get(reverse("claims:actor_detail", args=[nis.pk])).content.decode()
    assert "North Korea will have sent about 10,000 troops" in html
    assert "At least 3,000 North Korean troops" in html
    # One supported claim now corroborated (true), one only reported (open).
    assert (
        "Of the claims National Intelligence Service supported, 1 now stand as true, 0 as false and 1 are open." in html
    )
    assert "Seoul&#x27;s top intelligence agency" in html  # an alias, escaped


def test_actor_page_track_record_counts_opposed_claims(demo: None, viewer: User) -> None:
    envoy = Actor.objects.get(name="DPRK representative at the UN")
    html = client_for(viewer).get(reverse("claims:actor_detail", args=[envoy.pk])).content.decode()
    assert "Of those it opposed, 1 now stand as true and 0 as false." in html


def test_source_page_highlights_quotes_and_flags_missing_ones(
    demo: None, viewer: User, editor: User, reviewer: User
) -> None:
    source = Source.objects.get()
    missing = services.add_attribution(
        ClaimFactory(),
        actor=Actor.objects.get(name="John Kirby"),
        source=source,
        stance="asserts",
        stated_on=datetime.date(2024, 10, 25),
        quote="a sentence the report never printed",
        by=editor,
    )
    services.approve(missing, by=reviewer)

    html = client_for(viewer).get(reverse("claims:source_detail", args=[source.pk])).content.decode()

    assert "<mark>groundless rumor</mark>" in html
    assert "<mark>if true, the North&#x27;s troop deployment would be in line with international law</mark>" in html
    flagged = html[html.index("were not found in the text below") :][:500]
    assert "a sentence the report never printed" in flagged


def test_source_list_shows_counts(demo: None, viewer: User) -> None:
    response = client_for(viewer).get(reverse("claims:source_list"))
    assert response.status_code == 200
    assert response.context["page"].object_list[0].attribution_count == 13


def test_actor_search_with_control_characters_is_answered(demo: None, viewer: User) -> None:
    response = client_for(viewer).get(reverse("claims:actor_list"), {"q": "Kir\x00by\x07"})
    assert response.status_code == 200
    assert "John Kirby" in response.content.decode()
