import datetime
import difflib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Attribution, Claim, Source, Status, StatusChange, Topic
from tests.conftest import client_for
from tests.test_claim_page import TROOPS
from tests.test_pagecache import _pending_attribution, url_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0


NOISE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), "CSRF"),
    (re.compile(r'name="submission" value="[^"]*"'), "SUB"),
    (re.compile(r'nonce="[^"]*"'), "NONCE"),
    (re.compile(r'"csrfToken"[^,}]*'), "CSRFJ"),
    (re.compile(r"X-CSRFToken[^}]*"), "CSRFH"),
]


def clean(text: str) -> str:
    for rx, rep in NOISE:
        text = rx.sub(rep, text)
    return text


def urls(claim):
    today = timezone.localdate().isoformat()
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    return [
        ("/claims/", {}),
        ("/claims/", {"HX-Request": "true"}),
        ("/claims/?pending=on", {}),
        ("/claims/?pending=on", {"HX-Request": "true"}),
        (f"/claims/?known={today}", {}),
        (f"/claims/?as_of={today}", {}),
        ("/claims/?q=troops", {}),
        ("/claims/?sort=status", {}),
        (url_of(claim), {}),
        (f"/api/v1/claims/{claim.pk}/", {}),
        (f"/api/v1/claims/{claim.pk}/?pending=true", {}),
    ]


def snap(users, claim):
    out = {}
    for user in users:
        c = client_for(user)
        for url, headers in urls(claim):
            r = c.get(url, headers=headers)
            out[(user.username, url, tuple(headers))] = (r.status_code, clean(r.content.decode()))
    return out


def check(users, claim, action):
    snap(users, claim)  # warm
    snap(users, claim)
    action()
    cached = snap(users, claim)
    cache.clear()
    fresh = snap(users, claim)
    bad = []
    for k in fresh:
        if cached[k] != fresh[k]:
            diff = "\n".join(list(difflib.unified_diff(cached[k][1].splitlines(), fresh[k][1].splitlines(), lineterm="", n=0))[:12])
            bad.append(f"{k} status {cached[k][0]}/{fresh[k][0]}\n{diff}")
        if fresh[k][0] >= 500:
            bad.append(f"500 {k}")
    assert not bad, "\n\n".join(bad)


@pytest.fixture
def claim(demo):
    return Claim.objects.get(text=TROOPS)


@pytest.fixture
def users(viewer, editor, reviewer):
    return [viewer, editor, reviewer]


def test_approve(claim, users, editor, reviewer):
    a = _pending_attribution(claim, by=editor, quote="q1")
    check(users, claim, lambda: services.approve(a, by=reviewer))


def test_reject(claim, users, editor, reviewer):
    a = _pending_attribution(claim, by=editor, quote="q1")
    check(users, claim, lambda: services.reject(a, by=reviewer, note="no"))


def test_withdraw(claim, users, editor, reviewer):
    a = _pending_attribution(claim, by=editor, quote="q1")
    check(users, claim, lambda: services.withdraw(a, by=editor))


def test_pending_added(claim, users, editor, reviewer):
    check(users, claim, lambda: _pending_attribution(claim, by=editor, quote="q1"))


def test_correction(claim, users, editor, reviewer):
    orig = Attribution.objects.filter(claim=claim, review_state="approved").first()
    def act():
        c = services.correct_attribution(orig, by=editor, actor=orig.actor, source=orig.source, stance="denies",
                                         stated_on=orig.stated_on, quote="corrected")
        services.approve(c, by=reviewer)
    check(users, claim, act)


def test_status_change(claim, users, editor, reviewer):
    def act():
        sc = services.propose_status_change(claim, status=Status.objects.last(), effective_on=datetime.date(2024, 11, 5),
                                            rationale="r", by=editor)
        services.approve(sc, by=reviewer)
    check(users, claim, act)


def test_status_rename(claim, users):
    check(users, claim, lambda: Status.objects.filter(pk=claim.current_status_id).update(label="Renamed status"))


def test_topic_rename(claim, users):
    check(users, claim, lambda: [Topic.objects.filter(pk=t.pk).update(name=f"TopicRenamed{t.pk}") for t in Topic.objects.all()])


def test_topic_added_raw(claim, users):
    t = Topic.objects.exclude(claims=claim).first() if hasattr(Topic, "claims") else Topic.objects.first()
    def act():
        with connection.cursor() as cur:
            cur.execute("INSERT INTO claims_claim_topics (claim_id, topic_id) VALUES (%s, %s)", [claim.pk, Topic.objects.create(name="NewT", slug="newt").pk])
    check(users, claim, act)


def test_user_rename(claim, users, editor, reviewer):
    _pending_attribution(claim, by=editor, quote="q1")
    check(users, claim, lambda: User.objects.filter(pk=editor.pk).update(username="renamed"))


def test_actor_rename_raw(claim, users):
    def act():
        with connection.cursor() as cur:
            cur.execute("UPDATE claims_actor SET name = name || ' X'")
    check(users, claim, act)


def test_source_rename(claim, users):
    check(users, claim, lambda: Source.objects.update(title="Src renamed"))


def test_claim_text_update(claim, users):
    check(users, claim, lambda: Claim.objects.filter(pk=claim.pk).update(text="Changed text"))


def test_raw_approve(claim, users, editor, reviewer):
    a = _pending_attribution(claim, by=editor, quote="q1")
    def act():
        with connection.cursor() as cur:
            cur.execute("UPDATE claims_attribution SET review_state='approved', reviewed_by_id=%s, reviewed_at=CURRENT_TIMESTAMP WHERE id=%s", [reviewer.pk, a.pk])
    check(users, claim, act)


def test_delete_pending(claim, users, editor, reviewer):
    a = _pending_attribution(claim, by=editor, quote="q1")
    check(users, claim, lambda: Attribution.objects.filter(pk=a.pk).delete())


def test_delete_topic(claim, users):
    check(users, claim, lambda: Topic.objects.all().delete())


def test_actor_parent(claim, users):
    actors = list(Actor.objects.all()[:2])
    check(users, claim, lambda: Actor.objects.filter(pk=actors[0].pk).update(parent=actors[1]))
