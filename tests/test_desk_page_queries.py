"""The desk's new pages run the same number of queries however much data
stands behind them (STYLE: pin the query count of every page)."""

import datetime
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.claims import held, services
from claimtracker.claims.models import Actor, Attribution, Claim, Source, Status, StatusChange
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 10, 28)


def queries(user: User, url: str) -> int:
    caches["pages"].clear()
    held.forget()  # the reader's permissions read too, every time
    with CaptureQueriesContext(connection) as captured:
        response = client_for(user).get(url)
    assert response.status_code == 200, url
    return len(captured)


def grow(claim: Claim, source: Source, actor: Actor, by: User, reviewer: User, n: int) -> StatusChange:
    """n more attributions (half approved) and a pending status change citing them all."""
    added = []
    for _ in range(n):
        item = services.add_attribution(
            claim, actor=ActorFactory(parent=actor), source=source, stance="asserts", stated_on=DAY, quote="left", by=by
        )
        if len(added) % 2:
            services.approve(item, by=reviewer)
        added.append(item)
    services.save_actor(actor, by=by, aliases=[*actor.aliases.values_list("name", flat=True), f"alias {n}"])
    return services.propose_status_change(
        claim, status=Status.objects.get(slug="reported"), effective_on=DAY, rationale="Seen.", evidence=added, by=by
    )


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("editor", lambda c, s, a, change, own: reverse("claims:source_create")),
        ("editor", lambda c, s, a, change, own: reverse("claims:source_edit", args=[s.pk])),
        ("editor", lambda c, s, a, change, own: reverse("claims:actor_create")),
        ("editor", lambda c, s, a, change, own: reverse("claims:actor_edit", args=[a.pk])),
        ("editor", lambda c, s, a, change, own: reverse("claims:edit_entry", args=["status-change", change.pk])),
        ("editor", lambda c, s, a, change, own: reverse("claims:edit_entry", args=["attribution", own.pk])),
        ("reviewer", lambda c, s, a, change, own: reverse("claims:review")),
        ("viewer", lambda c, s, a, change, own: reverse("claims:source_detail", args=[s.pk])),
    ],
    ids=["new source", "edit source", "new actor", "edit actor", "edit change", "edit attribution", "review", "source"],
)
def test_desk_pages_run_constant_queries(
    who: str, page: Callable[..., str], editor: User, reviewer: User, viewer: User
) -> None:
    claim, source, actor = ClaimFactory(), SourceFactory(), ActorFactory(name="Pentagon")
    user = {"editor": editor, "reviewer": reviewer, "viewer": viewer}[who]
    change = grow(claim, source, actor, editor, reviewer, 2)
    own = Attribution.objects.filter(created_by=editor, review_state="pending").first()
    url = page(claim, source, actor, change, own)
    few = queries(user, url)
    grow(claim, source, actor, editor, reviewer, 12)
    assert queries(user, url) == few
