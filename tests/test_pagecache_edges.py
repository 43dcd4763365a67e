"""Edges of the page cache's early answer (claims/pagecache.PageCacheMiddleware):
counts written into a page's body, replicas left set by an earlier request on
the thread, a secret key's rotation, another thread counting meanwhile."""

import contextlib
import re
import sqlite3
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from claimtracker.claims.models import Claim
from tests.conftest import client_for
from tests.test_pagecache import _pending_attribution, get, url_of

pytestmark = [
    pytest.mark.django_db,
    # The lagging replica below is a database alias added for its tests, as DATABASE_REPLICA_URLS adds one.
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning"),
]


def test_queue_lead_count_follows_work_sent_for_review_on_a_later_page(
    demo: None, editor: User, reviewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue page's lead says how many items wait in all: a page kept under
    the claims on it gets the count afresh on every serve, as the header's."""
    from claimtracker.claims.queries import review

    monkeypatch.setattr(review, "REVIEW_CLAIMS", 1)
    first, second, _third, fourth = Claim.objects.order_by("pk")[:4]
    for claim in (first, second):
        _pending_attribution(claim, by=editor, quote=f"Waiting on {claim.pk}")
    client = client_for(reviewer)
    page, _ = get(client, reverse("claims:review"))
    assert "2 items wait" in _shown(page)
    _pending_attribution(fourth, by=editor, quote="On a later page")
    page, _ = get(client, reverse("claims:review"))
    assert 'aria-label="3 pending"' in page  # the spliced header count is fresh
    assert "3 items wait" in _shown(page), "the lead still says: " + page[page.find('class="lead"') :][:220]


def _shown(page: str) -> str:
    """The page without its comments (the marks of what a stored page gets afresh)."""
    return re.sub(r"<!--.*?-->", "", page)


@pytest.fixture
def lagging_replica(settings: Any, tmp_path: Any) -> Any:
    """A read replica that has replayed the primary up to when ``snapshot()`` is
    called (a copy of the SQLite test database file), registered as DATABASE_REPLICA_URLS would."""
    from django.db import connections

    from claimtracker.lib import replicas

    if connection.vendor != "sqlite":
        pytest.skip("the lagging replica is a copy of the SQLite file")
    path = str(tmp_path / "replica.sqlite3")
    sqlite3.connect(path).close()
    replica = {**connections.settings["default"], "NAME": path, "TEST": {"NAME": path}}
    settings.DATABASES = {**settings.DATABASES, "replica1": replica}
    connections.settings["replica1"] = replica
    connections["replica1"].connect()

    def snapshot() -> None:
        connections["replica1"].close()
        with sqlite3.connect(connection.settings_dict["NAME"]) as source, sqlite3.connect(path) as target:
            source.backup(target)
        connections["replica1"].connect()  # (the test case allows no new connection to another alias)

    yield snapshot
    replicas._reading_from.set(None)
    connections["replica1"].close()
    del connections.settings["replica1"]
    with contextlib.suppress(AttributeError, KeyError):
        del connections["replica1"]


@pytest.mark.usefixtures("flushable_db")
@pytest.mark.parametrize("public_request_first", [False, True], ids=["control", "after-a-public-page"])
def test_a_desk_page_is_never_decided_on_a_replica_left_over_from_an_earlier_public_request(
    lagging_replica: Any, public_request_first: bool
) -> None:
    """The desk's pages read the primary: the middleware that answers a stored one
    runs before ReplicaMiddleware sets the request's replica afresh, and must not
    read the versions (and the role) where the thread's request before was sent."""
    from django.test import Client

    from tests import factories

    writer = factories.editor(username="wendy")
    reader = factories.viewer(username="rhea")
    claim = Claim.objects.create(text="Russia will pay the troops", created_by=writer)
    desk = client_for(reader)
    anonymous = Client()
    get(desk, url_of(claim))  # drawn and stored (no replica set yet: read from the primary)
    assert get(desk, url_of(claim))[1] <= 3  # served from the store
    lagging_replica()  # the replica has replayed up to here
    Claim.objects.filter(pk=claim.pk).update(text="Russia will pay the troops in roubles")  # on the primary
    if public_request_first:
        anonymous.get(reverse("public:claim", args=[claim.pk]))  # any public page, sitemap or export in this thread
    page, _ = get(desk, url_of(claim))
    assert "in roubles" in page, "the desk page from before the write was served"


@pytest.mark.usefixtures("flushable_db")
@pytest.mark.parametrize("public_request_first", [False, True], ids=["control", "after-the-sitemap"])
def test_a_role_taken_away_holds_at_once_even_after_a_public_request_in_the_same_thread(
    lagging_replica: Any, public_request_first: bool
) -> None:
    from django.test import Client

    from tests import factories

    writer = factories.editor(username="wendy")
    reader = factories.viewer(username="rhea")
    claim = Claim.objects.create(text="Russia will pay the troops", created_by=writer)
    desk = client_for(reader)
    get(desk, url_of(claim))
    lagging_replica()
    reader.groups.clear()  # on the primary: no role any more
    if public_request_first:
        Client().get("/sitemap.xml")
    response = desk.get(url_of(claim))
    assert response.status_code == 403, f"served {response.status_code} to a user without the role"


@pytest.mark.parametrize("page_cache", [False, True], ids=["control-page-cache-off", "page-cache-on"])
def test_a_session_signed_with_a_fallback_secret_key_survives_the_rotation(
    demo: None, editor: User, settings: Any, page_cache: bool
) -> None:
    """SECRET_KEY_FALLBACKS lets SECRET_KEY rotate without logging anyone out:
    Django's get_user() re-keys the session (cycle_key) and the session
    middleware saves it and sends the new cookie. The session the page cache
    opens to know who asks is the request's, so the new key is saved and sent,
    also when the page asked for was stored before the rotation."""
    from tests.test_claim_page import TROOPS

    claim = Claim.objects.get(text=TROOPS)
    settings.SECRET_KEY = "the-old-secret-key-" + "x" * 40
    client = client_for(editor)  # logged in under the old key
    assert client.get(url_of(claim)).status_code == 200  # kept, with the page cache on
    settings.SECRET_KEY = "the-new-secret-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = ["the-old-secret-key-" + "x" * 40]
    if not page_cache:
        settings.PAGE_CACHE_SECONDS = 0
    first = client.get(url_of(claim))
    second = client.get(url_of(claim))
    assert (first.status_code, second.status_code) == (200, 200), (
        f"logged out by the rotation: {first.status_code} then {second.status_code} {second.get('Location', '')}"
    )


def test_the_user_read_with_the_versions_is_the_requests_alone(demo: None, editor: User, viewer: User) -> None:
    """The session's user is read in the versions' statement and handed to Django's
    authentication for that request only: a user deleted since gets the login page,
    and the next request, another user's, is that user."""
    from claimtracker.accounts import backends

    claim = Claim.objects.order_by("pk").first()
    stays, leaves = client_for(viewer), client_for(editor)
    for client in (stays, leaves):
        get(client, url_of(claim))
        assert client.get(url_of(claim)).status_code == 200  # stored
    User.objects.filter(pk=editor.pk).delete()
    gone = leaves.get(url_of(claim))
    assert gone.status_code == 302 and gone["Location"].startswith(reverse("login"))
    response = stays.get(url_of(claim))
    assert response.status_code == 200 and response.wsgi_request.user.pk == viewer.pk
    assert backends._known.get() is None  # nothing is left for a later request


def test_csrf_secrets_kept_in_sessions_leave_pages_drawn_anew(demo: None, editor: User, settings: Any) -> None:
    """CSRF_USE_SESSIONS keeps the CSRF secret in the session, which the page cache
    reads after the secret: its pages are drawn by the whole stack, not a 500."""
    from tests.test_claim_page import TROOPS

    settings.CSRF_USE_SESSIONS = True
    client = client_for(editor)
    claim = Claim.objects.get(text=TROOPS)
    assert [client.get(url_of(claim)).status_code for _ in range(2)] == [200, 200]


@pytest.mark.parametrize("pk", [2**63, 10**30])
def test_an_id_no_row_can_have_is_not_found(demo: None, editor: User, pk: int) -> None:
    client = client_for(editor)
    assert client.get(f"/claims/{pk}/").status_code == 404
