"""Parts of the claim page drawn once for each set of the data versions they show
(views/claims._claim_page_context): the history of edits, and the status form's
fields, apart, so that work sent for review re-renders only what it changes. The
page cache off, so that each request is rendered."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claimtracker.claims.models import Attribution, Claim
from tests.conftest import client_for
from tests.test_claim_page import TROOPS
from tests.test_pagecache import _pending_attribution, url_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0


def drawn(client: Client, claim: Claim) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url_of(claim))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def _history(page: str) -> str:
    found = re.search(r'<section aria-labelledby="history-heading".*?</section>', page, re.S)
    assert found
    return found.group(0)


def _reads_history(sqls: list[str]) -> bool:
    return any("historical" in sql for sql in sqls)


def test_the_history_of_edits_is_read_once_for_each_version_of_the_claim(
    demo: None, editor: User, reviewer: User
) -> None:
    claim = Claim.objects.get(text=TROOPS)
    client = client_for(reviewer)
    first, reading = drawn(client, claim)
    again, kept = drawn(client, claim)
    assert _reads_history(reading) and not _reads_history(kept)
    assert _history(again) == _history(first)
    _pending_attribution(claim, by=editor)
    after, reading = drawn(client, claim)
    assert _reads_history(reading)
    assert _history(after).count("<li>") == _history(first).count("<li>") + 1


def test_a_viewer_is_never_given_the_desks_history(demo: None, editor: User, reviewer: User, viewer: User) -> None:
    claim = Claim.objects.get(text=TROOPS)
    _pending_attribution(claim, by=editor)
    desk, _ = drawn(client_for(reviewer), claim)
    shown, _ = drawn(client_for(viewer), claim)
    assert _history(shown).count("<li>") == _history(desk).count("<li>") - 1


def test_the_status_form_offers_each_entry_sent_for_review_as_evidence(demo: None, editor: User) -> None:
    claim = Claim.objects.get(text=TROOPS)
    client = client_for(editor)
    before, _ = drawn(client, claim)
    sent = _pending_attribution(claim, by=editor, quote="Sent for review")
    after, _ = drawn(client, claim)
    offered = re.findall(r'name="evidence" value="(\d+)"', after)
    assert str(sent.pk) in offered and str(sent.pk) not in re.findall(r'name="evidence" value="(\d+)"', before)
    corrects = re.compile(r'<select name="corrects".*?</select>', re.S)
    assert corrects.search(after).group(0) == corrects.search(before).group(0)  # type: ignore[union-attr]
    assert Attribution.objects.filter(pk=sent.pk, review_state="pending").exists()
