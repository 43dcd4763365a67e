"""The claim list's results, drawn once for each set of data versions and shared
by every reader who asks alike (views/claims.claim_list): the page cache off,
so that each request is rendered and only the results are kept."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Claim
from tests.conftest import client_for
from tests.test_pagecache import _pending_attribution

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0


def listed(client: Client, **query: str) -> tuple[list[str], list[str]]:
    """The claims the list shows, and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("claims:list"), query)
    assert response.status_code == 200
    html = response.content.decode()
    results = html[html.index('<section id="results"') :]
    return re.findall(r'<td><a href="/claims/\d+/">([^<]+)</a>', results), [q["sql"] for q in queries.captured_queries]


def _counted_sides(sqls: list[str]) -> bool:
    """Whether the rows' sides were counted (queries.side_counts, the list's costliest query)."""
    return any("ROW_NUMBER" in sql.upper() for sql in sqls)


def test_a_list_drawn_again_reads_neither_its_page_nor_its_counts(demo: None, viewer: User) -> None:
    client = client_for(viewer)
    first, drawing = listed(client, q="troops")
    again, kept = listed(client, q="troops")
    assert again == first and first
    assert _counted_sides(drawing) and not _counted_sides(kept)
    assert len(kept) < len(drawing) - 1  # neither the page of claims nor their counts


def test_readers_of_the_same_role_share_the_results(demo: None, viewer: User) -> None:
    other = User.objects.create_user("another-viewer", password="x" * 12)
    other.groups.set(viewer.groups.all())
    first, drawing = listed(client_for(viewer))
    theirs, kept = listed(client_for(other))
    assert theirs == first and _counted_sides(drawing) and not _counted_sides(kept)


def test_a_new_claim_is_listed_at_once(demo: None, viewer: User, editor: User) -> None:
    client = client_for(viewer)
    before, _ = listed(client)
    services.create_claim(text="Russia will train the troops first", by=editor)
    after, _ = listed(client)
    assert "Russia will train the troops first" in after and "Russia will train the troops first" not in before


def test_the_desks_list_of_work_in_review_follows_each_entry_sent(demo: None, editor: User, reviewer: User) -> None:
    """Work in review leaves what lists show, but not the list filtered by it."""
    client = client_for(reviewer)
    before, _ = listed(client, pending="on")
    claim = Claim.objects.exclude(text__in=before).order_by("pk").first()
    assert claim is not None
    _pending_attribution(claim, by=editor)
    after, _ = listed(client, pending="on")
    assert claim.text in after


def test_a_viewer_is_never_given_the_desks_results(demo: None, viewer: User, editor: User, reviewer: User) -> None:
    claim = Claim.objects.order_by("pk").first()
    _pending_attribution(claim, by=editor)
    desk, _ = listed(client_for(reviewer), pending="on")
    assert desk == [claim.text]
    shown, _ = listed(client_for(viewer), pending="on")  # the filter is the desk's: ignored for a viewer
    assert shown == listed(client_for(viewer))[0] and len(shown) > 1
