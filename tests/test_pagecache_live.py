"""A stored claim page's frame (claims/pagecache.py, ``Live``): work sent for
review changes a claim's timeline, its history of edits and the evidence its
status form offers, and nothing else of the page; the next view draws those
parts alone into the page kept without them."""

import datetime
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.test import Client

from claimtracker.claims import pagecache, queries, services
from claimtracker.claims.models import Actor, Attribution, Claim, Source
from tests.conftest import client_for
from tests.test_claim_page_kept import kept_part_calls
from tests.test_pagecache import STORED, _other_process, _pending_attribution, _stored_keys, claim, get, url_of

pytestmark = pytest.mark.django_db

__all__ = ["claim"]  # the fixture, shared with test_pagecache


def _same_tokens(page: str) -> str:
    """The page with its one-time and CSRF tokens blanked: a page drawn anew masks the CSRF secret anew."""
    page = re.sub(r'name="submission" value="[0-9a-f-]{36}"', "", page)
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)  # htmx's header, on <body>


def _drawn_whole(client: Client, url: str) -> str:
    """The page drawn whole now, with nothing kept: no stored page or frame, no kept part."""
    caches[pagecache.CACHE_ALIAS].clear()
    cache.clear()
    return get(client, url)[0]


@pytest.fixture
def whole_draws(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The claims a page is drawn whole for (claim_for_page: the frame's parts read the claim's versions alone)."""
    drawn: list[int] = []
    claim_for_page = queries.claim_for_page
    monkeypatch.setattr(queries, "claim_for_page", lambda pk: drawn.append(pk) or claim_for_page(pk))
    return drawn


@pytest.mark.parametrize("who", ["editor", "reviewer"])
def test_work_sent_for_review_is_drawn_into_the_desks_stored_frame(
    claim: Claim, editor: User, reviewer: User, whole_draws: list[int], who: str
) -> None:
    client = client_for({"editor": editor, "reviewer": reviewer}[who])
    get(client, url_of(claim))
    assert whole_draws == [claim.pk]
    sent = _pending_attribution(claim, by=editor, quote="Seoul expects more troops by winter")
    page, _ = get(client, url_of(claim))
    assert whole_draws == [claim.pk]  # the frame's: only the live parts were drawn
    assert page.count("Seoul expects more troops by winter") == 1  # in the timeline
    assert f'value="{sent.pk}"' in page  # offered as evidence by the status form
    assert f"{editor.username} created the attribution of Jake Sullivan" in page  # in the history of edits
    # Byte for byte the page drawn whole, but for the tokens every draw makes anew.
    assert _same_tokens(page) == _same_tokens(_drawn_whole(client, url_of(claim)))


def test_the_live_parts_kept_parts_are_asked_of_the_cache_at_once(
    claim: Claim, editor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawn into the frame after work sent for review, the history of edits and
    the evidence offered are read from the cache in one round trip and stored in
    one, as the whole page's kept parts are."""
    client = client_for(editor)
    get(client, url_of(claim))
    _pending_attribution(claim, by=editor, quote="Pending")
    calls = kept_part_calls(monkeypatch)
    page, _ = get(client, url_of(claim))
    assert "Pending" in page
    parts = [(name, keys) for name, keys in calls if keys]
    assert [name for name, _ in parts] == ["get_many", "set_many"]
    assert len(parts[0][1]) == 2 and sorted(parts[1][1]) == sorted(parts[0][1])


def test_the_page_filled_from_its_frame_is_stored_in_turn(claim: Claim, editor: User, whole_draws: list[int]) -> None:
    client = client_for(editor)
    get(client, url_of(claim))
    _pending_attribution(claim, by=editor, quote="Pending")
    filled, _ = get(client, url_of(claim))
    again, queries_made = get(client, url_of(claim))
    assert queries_made == STORED
    assert _same_tokens(again) == _same_tokens(filled)
    assert whole_draws == [claim.pk]


def test_a_readers_page_is_unchanged_by_work_in_review_and_keeps_its_etag(
    claim: Claim, editor: User, viewer: User, whole_draws: list[int]
) -> None:
    client = client_for(viewer)
    before = client.get(url_of(claim))
    _pending_attribution(claim, by=editor, quote="Not for readers yet")
    after = client.get(url_of(claim))
    assert after.content == before.content  # the live parts drawn again show readers the same
    assert after.get("ETag") == before.get("ETag")
    assert whole_draws == [claim.pk]


def test_approved_work_draws_the_page_whole(claim: Claim, editor: User, reviewer: User, whole_draws: list[int]) -> None:
    """What readers see of the claim (the summary, the sides) is the frame's: an
    approval changes it, and the page is drawn whole."""
    client = client_for(reviewer)
    get(client, url_of(claim))
    sent = _pending_attribution(claim, by=editor, quote="Approved soon")
    get(client, url_of(claim))
    services.approve(sent, by=reviewer)
    page, _ = get(client, url_of(claim))
    assert whole_draws == [claim.pk, claim.pk]
    assert _same_tokens(page) == _same_tokens(_drawn_whole(client, url_of(claim)))


def test_views_of_the_past_keep_no_frame(claim: Claim, reviewer: User) -> None:
    client = client_for(reviewer)
    get(client, url_of(claim) + "?as_of=2024-10-30")
    assert not [key for key in _stored_keys() if "frame:" in key]
    get(client, url_of(claim))
    assert len([key for key in _stored_keys() if "frame:" in key]) == 1


@pytest.mark.usefixtures("flushable_db")
def test_an_entry_in_review_changed_outside_django_shows_through_the_frame(
    editor: User, reviewer: User, whole_draws: list[int]
) -> None:
    claim = Claim.objects.create(text="Russia will pay the troops", created_by=editor)
    sent = services.add_attribution(
        claim,
        actor=Actor.objects.create(name="Jake Sullivan"),
        source=Source.objects.create(title="Troops in Russia", published_at=datetime.datetime.now(datetime.UTC)),
        stance="confirms",
        stated_on=datetime.date(2024, 10, 30),
        quote="Paid in dollars",
        by=editor,
    )
    client = client_for(reviewer)
    assert "Paid in dollars" in get(client, url_of(claim))[0]
    _other_process(f"UPDATE claims_attribution SET quote = 'Paid in roubles' WHERE id = {sent.pk}")
    page, _ = get(client, url_of(claim))
    assert "Paid in roubles" in page and "Paid in dollars" not in page
    assert whole_draws == [claim.pk]
    assert Attribution.objects.get(pk=sent.pk).review_state == "pending"


def test_a_frame_is_filled_only_with_the_parts_it_names() -> None:
    frame: list[Any] = [b"<main>", "live:timeline", b"<p>", "submission", b"</p>", "live:history", b"</main>"]
    drawn = {"timeline": "<ol>1</ol>", "history": '<p name="submission" value="%s"></p>' % ("0" * 36)}
    assert pagecache._filled(frame, drawn) == [
        b"<main><ol>1</ol><p>",
        "submission",
        b"</p><p ",
        "submission",
        b"></p></main>",
    ]
    assert pagecache._filled(frame, {"timeline": "<ol></ol>"}) is None
    assert pagecache._filled(frame, drawn | {"evidence": ""}) is None
