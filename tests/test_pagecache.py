"""The page cache (claims/pagecache.py): stored per user and browser, dropped by
any write, whatever path it takes."""

import datetime
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.claims import pagecache, services
from claimtracker.claims.models import Actor, Attribution, Claim, Source, WriteGeneration
from tests.conftest import client_for
from tests.test_claim_page import TROOPS, attribution_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(demo: None) -> Claim:
    return Claim.objects.get(text=TROOPS)


def url_of(claim: Claim) -> str:
    return reverse("claims:detail", args=[claim.pk])


def get(client: Client, url: str, **headers: Any) -> tuple[str, int]:
    """The page and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def test_a_page_seen_again_costs_three_queries(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    first, rendering = get(client, url_of(claim))
    again, serving = get(client, url_of(claim))
    assert serving == 3  # the session, the user, and the write generation with the role in one query
    assert rendering > 10
    assert _without_tokens(again) == _without_tokens(first)


def _without_tokens(page: str) -> str:
    return re.sub(r'name="submission" value="[0-9a-f-]{36}"', "", page)


def _tokens(page: str) -> list[str]:
    return re.findall(r'name="submission" value="([0-9a-f-]{36})"', page)


def test_a_write_through_a_service_shows_on_the_next_view(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    get(client, url_of(claim))
    claim_text = "Pyongyang denies any troop movement"
    services.update_claim(claim, by=editor, text=claim_text, expected_version=claim.version)
    page, queries = get(client, url_of(claim))
    assert claim_text in page
    assert queries > 3


def test_a_write_through_queryset_update_shows_on_the_next_view(claim: Claim, viewer: User) -> None:
    client = client_for(viewer)
    actor = Actor.objects.get(name="Jake Sullivan")
    get(client, reverse("claims:actor_detail", args=[actor.pk]))
    Actor.objects.filter(pk=actor.pk).update(description="Former national security adviser")
    page, _ = get(client, reverse("claims:actor_detail", args=[actor.pk]))
    assert "Former national security adviser" in page


def _pending_attribution(claim: Claim, *, by: User, quote: str = "") -> Attribution:
    return services.add_attribution(
        claim,
        actor=Actor.objects.get(name="Jake Sullivan"),
        source=Source.objects.get(),
        stance="confirms",
        stated_on=datetime.date(2024, 10, 30),
        quote=quote,
        by=by,
    )


def test_a_write_through_an_admin_action_shows_on_the_next_view(
    claim: Claim, editor: User, superuser: User, viewer: User
) -> None:
    pending = _pending_attribution(claim, by=editor, quote="Approved in the admin")
    reader = client_for(viewer)
    assert "Approved in the admin" not in get(reader, url_of(claim))[0]
    client_for(superuser).post(
        reverse("admin:claims_attribution_changelist"),
        {"action": "approve_selected", "_selected_action": [pending.pk]},
    )
    assert "Approved in the admin" in get(reader, url_of(claim))[0]


def test_users_do_not_share_pages(claim: Claim, editor: User, viewer: User) -> None:
    editor_page, _ = get(client_for(editor), url_of(claim))
    viewer_page, queries = get(client_for(viewer), url_of(claim))
    assert "Add attribution" in editor_page
    assert "Add attribution" not in viewer_page
    assert queries > 3
    assert f'<span class="who">{viewer.get_username()}</span>' in viewer_page


def test_a_role_change_shows_on_the_next_view(claim: Claim, viewer: User) -> None:
    from django.contrib.auth.models import Group

    from claimtracker.accounts.roles import EDITOR

    client = client_for(viewer)
    assert "Add attribution" not in get(client, url_of(claim))[0]
    viewer.groups.add(Group.objects.get(name=EDITOR))
    assert "Add attribution" in get(client, url_of(claim))[0]


def test_a_role_taken_away_outside_django_takes_the_stored_page_away_at_once(reviewer: User) -> None:
    """No write through Django bumps the generation here: the role is asked before serving."""
    from django.db import connection

    client = client_for(reviewer)
    assert get(client, "/review/")[0]  # rendered and stored
    assert client.get("/review/").status_code == 200  # served from the page cache
    # The DB-API connection itself, under Django's SQL wrappers, as psql would be.
    raw = connection.connection.cursor()
    placeholder = "%s" if connection.vendor == "postgresql" else "?"
    raw.execute(f"DELETE FROM auth_user_groups WHERE user_id = {placeholder}", [reviewer.pk])
    raw.close()
    assert client.get("/review/").status_code == 403


def test_another_browser_of_the_same_user_gets_its_own_csrf_tokens(claim: Claim, editor: User) -> None:
    first = client_for(editor)
    get(first, url_of(claim))
    second = Client(enforce_csrf_checks=True)
    second.force_login(editor)
    second.get(url_of(claim))  # sets the CSRF cookie, as the login form would
    page, queries = get(second, url_of(claim))
    assert queries > 3  # not the first browser's page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    response = second.post(
        reverse("claims:add_attribution", args=[claim.pk]),
        attribution_data(csrfmiddlewaretoken=token.group(1), submission=_tokens(page)[0]),
    )
    assert response.status_code == 302


def test_a_stored_page_gets_fresh_one_time_tokens_on_every_serve(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    first, _ = get(client, url_of(claim))
    second, queries = get(client, url_of(claim))
    assert queries == 3  # served from the cache: session, user, write generation with the role
    assert len(_tokens(first)) == len(_tokens(second)) == 3  # attribution, status change and link forms
    assert not set(_tokens(first)) & set(_tokens(second))
    # Two tabs opened from the same stored page each save their attribution.
    before = Attribution.objects.count()
    for page, quote in ((first, "first tab"), (second, "second tab")):
        data = attribution_data(submission=_tokens(page)[0], quote=f"Seoul and Washington have confirmed ({quote})")
        assert client.post(reverse("claims:add_attribution", args=[claim.pk]), data).status_code == 302
    assert Attribution.objects.count() == before + 2


def test_waiting_messages_are_shown_not_a_stored_page(claim: Claim, reviewer: User) -> None:
    own = _pending_attribution(claim, by=reviewer)
    client = client_for(reviewer)
    get(client, reverse("claims:review"))
    # Refused (their own work): nothing is written, a message waits for the next page.
    response = client.post(reverse("claims:review_item", args=["attribution", own.pk]), {"decision": "approve"})
    page, queries = get(client, response["Location"])
    assert 'class="messages"' in page
    assert queries > 3


def test_htmx_fragments_and_whole_pages_are_stored_apart(demo: None, viewer: User) -> None:
    client = client_for(viewer)
    fragment, _ = get(client, reverse("claims:list"), HX_Request="true")
    whole, _ = get(client, reverse("claims:list"))
    assert "<html" not in fragment
    assert "<html" in whole


def test_off_when_page_cache_seconds_is_zero(claim: Claim, editor: User, settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    client = client_for(editor)
    get(client, url_of(claim))
    _, queries = get(client, url_of(claim))
    assert queries > 3


def test_errors_are_not_stored(viewer: User, demo: None) -> None:
    client = client_for(viewer)
    for _ in range(2):
        assert client.get(reverse("claims:review")).status_code == 403
        assert client.get(reverse("claims:detail", args=[999999])).status_code == 404
    assert not any(key.startswith(":1:page:") for key in _stored_keys())


def _stored_keys() -> list[str]:
    from django.core.cache import caches

    return list(caches[pagecache.CACHE_ALIAS]._cache)  # type: ignore[attr-defined]


# --- The database's generation: what other processes see ------------------------------------------------


def _db_generation() -> int:
    return WriteGeneration.objects.get(pk=WriteGeneration.ROW).value


@pytest.mark.usefixtures("flushable_db")
def test_a_committed_write_bumps_the_database_generation_once(editor: User, reviewer: User) -> None:
    claim = Claim.objects.create(text="Russia will pay the troops", created_by=editor)
    actor = Actor.objects.create(name="Kremlin")
    source = Source.objects.create(title="Interfax")
    before = _db_generation()
    services.approve(
        services.add_attribution(
            claim, actor=actor, source=source, stance="denies", stated_on=datetime.date(2024, 11, 1), by=editor
        ),
        by=reviewer,
    )  # two transactions, many statements each
    assert _db_generation() == before + 2


@pytest.mark.usefixtures("flushable_db")
def test_a_rolled_back_write_does_not_bump_the_database_generation(editor: User) -> None:
    before = _db_generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        Claim.objects.create(text="Never saved", created_by=editor)
        raise RuntimeError
    assert _db_generation() == before


@pytest.mark.usefixtures("flushable_db")
def test_another_process_sees_a_committed_write(editor: User, monkeypatch: pytest.MonkeyPatch) -> None:
    claim = Claim.objects.create(text="Russia will pay the troops", created_by=editor)
    client = client_for(editor)
    get(client, url_of(claim))
    # Another worker: its own count of local writes never moved.
    monkeypatch.setattr(pagecache, "_local_generation", -1)
    get(client, url_of(claim))
    with transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(text="Russia will pay the troops in roubles")
    monkeypatch.setattr(pagecache, "_local_generation", -1)
    page, queries = get(client, url_of(claim))
    assert "in roubles" in page
    assert queries > 3


def test_writes_to_sessions_and_login_throttling_are_not_data_writes(demo: None, editor: User) -> None:
    before = pagecache._local_generation
    client = Client()
    client.post(reverse("login"), {"username": editor.get_username(), "password": "wrong"})
    from django.contrib.sessions.backends.db import SessionStore

    SessionStore().create()
    assert pagecache._local_generation == before
