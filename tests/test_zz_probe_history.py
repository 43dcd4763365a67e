import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Attribution, Claim
from tests.conftest import client_for
from tests.test_claim_page import TROOPS
from tests.test_pagecache import _pending_attribution, url_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0


def _history(client, claim) -> str:
    page = client.get(url_of(claim)).content.decode()
    return re.search(r'<section aria-labelledby="history-heading".*?</section>', page, re.S).group(0)


def test_viewer_history_after_renaming_actor_no_longer_on_claim(demo, editor, reviewer, viewer):
    claim = Claim.objects.get(text=TROOPS)
    lone = services.save_actor(Actor(name="Lone Probe Actor"), by=editor)
    sent = _pending_attribution(claim, by=editor, quote="probe")
    services.revise_attribution(sent, by=editor, actor=lone)
    sent = Attribution.objects.get(pk=sent.pk)
    other = Actor.objects.exclude(name__in=["Jake Sullivan", "Lone Probe Actor"]).first()
    services.revise_attribution(sent, by=editor, actor=other)
    services.approve(Attribution.objects.get(pk=sent.pk), by=reviewer)
    jake = Actor.objects.get(name="Lone Probe Actor")
    # is Jake still on the claim?
    print("jake on claim", Attribution.objects.filter(claim=claim, actor=jake).exists())
    for who in (viewer, reviewer):
        before = _history(client_for(who), claim)
        assert "Lone Probe Actor" in before, who
    from claimtracker.claims.models import DataVersion
    v0 = dict(DataVersion.objects.values_list("scope","value"))
    jake.name = "Jacob Renamed"
    services.save_actor(jake, by=editor)
    v1 = dict(DataVersion.objects.values_list("scope","value"))
    print({k:(v0.get(k),v1[k]) for k in v1 if v0.get(k)!=v1[k]})
    for who in (viewer, reviewer):
        cached = _history(client_for(who), claim)
        cache.clear()
        fresh = _history(client_for(who), claim)
        print(who, "cached has old:", "Lone Probe Actor" in cached, "fresh has new:", "Jacob Renamed" in fresh)
        assert cached == fresh, who
