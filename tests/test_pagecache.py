"""The page cache (claims/pagecache.py): stored per user and browser, dropped by
a write to what the page shows (claims/versions.py), whatever path it takes."""

import datetime
import re
import sqlite3
import subprocess
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claimtracker.accounts import roles
from claimtracker.claims import held, pagecache, queries, services, versions
from claimtracker.claims.models import (
    Actor,
    Attribution,
    Claim,
    DataVersion,
    Relation,
    Source,
    Status,
    StatusChange,
)
from tests.conftest import client_for
from tests.test_claim_page import TROOPS, attribution_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(demo: None) -> Claim:
    return Claim.objects.get(text=TROOPS)


# What a stored page costs the database: one statement, of the session, its user, the header's counts
# and the page's data versions (the user's roles kept under those, claims.held).
STORED = 1


def url_of(claim: Claim) -> str:
    return reverse("claims:detail", args=[claim.pk])


def get(client: Client, url: str, **headers: Any) -> tuple[str, int]:
    """The page and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def test_a_page_seen_again_costs_the_session_and_one_query(claim: Claim, editor: User, viewer: User) -> None:
    reader = client_for(viewer)
    assert get(reader, url_of(claim))[1] > 10
    assert get(reader, url_of(claim))[1] == STORED  # the session, the user, the versions and the role
    client = client_for(editor)
    first, rendering = get(client, url_of(claim))
    again, serving = get(client, url_of(claim))
    assert serving == STORED  # the header's counts, asked afresh, in the versions' query
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
    """A change of role alone changes no stored page: the role is asked before serving."""
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
    assert queries == STORED  # served from the cache: session, the user with versions, role and counts
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
    assert queries > 1  # drawn: a stored page is served on the one statement alone


def test_htmx_fragments_and_whole_pages_are_stored_apart(demo: None, viewer: User) -> None:
    client = client_for(viewer)
    fragment, _ = get(client, reverse("claims:list"), HX_Request="true")
    whole, _ = get(client, reverse("claims:list"))
    assert "<html" not in fragment
    assert "<html" in whole


def test_off_when_page_cache_seconds_is_zero(claim: Claim, editor: User, settings: Any) -> None:
    """No page is stored, and every view draws its page; the session, its user,
    their role and the header's counts are still read in one statement, as for a
    page the cache has not stored."""
    settings.PAGE_CACHE_SECONDS = 0
    client = client_for(editor)
    get(client, url_of(claim))
    with CaptureQueriesContext(connection) as read:
        page, queries = get(client, url_of(claim))
    assert queries > 3
    assert claim.text in page
    assert not any(":page:" in key or ":frame:" in key for key in _stored_keys())
    sessions = [query["sql"] for query in read if "accounts_session" in query["sql"]]
    assert len(sessions) == 1 and "asker" in sessions[0]
    assert not any(query["sql"].lstrip().startswith('SELECT "auth_user"') for query in read)


def test_errors_are_not_stored(viewer: User, demo: None) -> None:
    client = client_for(viewer)
    for _ in range(2):
        assert client.get(reverse("claims:review")).status_code == 403
        assert client.get(reverse("claims:detail", args=[999999])).status_code == 404
    assert not any(":page:" in key for key in _stored_keys())


def _stored_keys() -> list[str]:
    from django.core.cache import caches

    cache = caches[pagecache.CACHE_ALIAS]
    if isinstance(cache, LocMemCache):
        return list(cache._cache)
    return [key.decode() for key in cache._cache.get_client().keys("*")]  # type: ignore[attr-defined]


# --- Versions the database keeps: narrow, and blind to who wrote ---------------------------------------


def test_a_write_to_one_claim_leaves_the_other_claims_pages_stored(demo: None, editor: User, reviewer: User) -> None:
    troops, other = (
        Claim.objects.get(text=TROOPS),
        Claim.objects.exclude(text=TROOPS)
        .exclude(relations_in__isnull=False)
        .exclude(relations_out__isnull=False)
        .first(),
    )
    assert other is not None
    client = client_for(reviewer)
    lists = [reverse("claims:list"), reverse("claims:actor_list"), reverse("claims:source_list")]
    for page in [url_of(troops), url_of(other), *lists, reverse("claims:review")]:
        get(client, page)
    pending = _pending_attribution(troops, by=editor, quote="Only this claim changed")
    page, queries = get(client, url_of(other))
    assert queries == STORED  # still stored: session, the user with the versions, role and counts
    assert 'aria-label="1 pending"' in page  # the header's count as it is now
    assert get(client, url_of(troops))[1] > 3  # drawn again
    assert get(client, reverse("claims:review"))[1] > 3  # the queue shows work in review
    # No list shows work in review (but the desk's list filtered by it): they stay stored until it is approved.
    assert [get(client, page)[1] for page in lists] == [STORED] * 3
    assert get(client, reverse("claims:list") + "?pending=on")[1] > 4
    services.approve(pending, by=reviewer)
    assert all(get(client, page)[1] > 3 for page in lists)  # drawn again


def test_a_new_stance_drops_its_actors_page_and_no_other_once_approved(
    claim: Claim, editor: User, reviewer: User, viewer: User
) -> None:
    """An actor's page shows its approved stances alone: a stance in review, and
    edits to it, leave the page stored; its approval drops it."""
    sullivan = Actor.objects.get(name="Jake Sullivan")
    unrelated = Actor.objects.exclude(pk=sullivan.pk).exclude(attributions__claim=claim).first()
    assert unrelated is not None
    client = client_for(viewer)
    get(client, reverse("claims:actor_detail", args=[unrelated.pk]))
    stances = client.get(reverse("claims:actor_detail", args=[sullivan.pk])).context["page"].paginator.count
    pending = _pending_attribution(claim, by=editor)
    Attribution.objects.filter(pk=pending.pk).update(quote="Seen on the actor's page")
    assert get(client, reverse("claims:actor_detail", args=[sullivan.pk]))[1] == STORED
    Attribution.objects.filter(pk=pending.pk).update(
        review_state="approved", reviewed_by=reviewer, reviewed_at=timezone.now()
    )
    assert get(client, reverse("claims:actor_detail", args=[unrelated.pk]))[1] == STORED
    drawn = client.get(reverse("claims:actor_detail", args=[sullivan.pk]))
    assert drawn.context is not None and drawn.context["page"].paginator.count == stances + 1


def test_renaming_an_actor_drops_the_pages_of_the_claims_it_took_a_side_on(claim: Claim, viewer: User) -> None:
    actor = claim.attributions.select_related("actor").first().actor  # type: ignore[union-attr]
    client = client_for(viewer)
    get(client, url_of(claim))
    Actor.objects.filter(pk=actor.pk).update(name="A renamed agency")
    page, queries = get(client, url_of(claim))
    assert "A renamed agency" in page and queries > 3


def test_a_login_writes_no_data_version(demo: None, editor: User) -> None:
    before = list(DataVersion.objects.order_by("scope").values_list("scope", "value"))
    client = Client()
    client.post(reverse("login"), {"username": editor.get_username(), "password": "wrong"})
    editor.set_password("claimtracker")
    editor.save(update_fields=["password"])
    assert (
        client.post(reverse("login"), {"username": editor.get_username(), "password": "claimtracker"}).status_code
        == 302
    )
    assert list(DataVersion.objects.order_by("scope").values_list("scope", "value")) == before


def _other_process(sql: str) -> None:
    """Run ``sql`` as another program would: psql on PostgreSQL, Python's own sqlite3 on SQLite."""
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        server = f"{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        url = f"postgresql://{server}/{database['NAME']}"
        subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, capture_output=True)
    else:
        with sqlite3.connect(database["NAME"]) as other:
            other.execute(sql)
        other.close()


@pytest.mark.usefixtures("flushable_db")
def test_a_write_made_outside_django_shows_on_the_next_view(editor: User, viewer: User) -> None:
    claim = Claim.objects.create(text="Russia will pay the troops", created_by=editor)
    other = Claim.objects.create(text="Russia will house the troops", created_by=editor)
    client = client_for(viewer)
    get(client, url_of(claim))
    get(client, url_of(other))
    _other_process(f"UPDATE claims_claim SET text = 'Russia will pay the troops in roubles' WHERE id = {claim.pk}")
    page, queries = get(client, url_of(claim))
    assert "in roubles" in page and queries > 3
    assert get(client, url_of(other))[1] == STORED


@pytest.mark.usefixtures("flushable_db")
def test_a_rolled_back_write_leaves_the_versions_as_they_were(editor: User) -> None:
    claim = Claim.objects.create(text="Russia will pay the troops", created_by=editor)
    before = versions.read([f"c:{claim.pk}"])[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(text="never committed")
        assert versions.read([f"c:{claim.pk}"])[0] != before  # the writer reads its own write
        raise RuntimeError
    assert versions.read([f"c:{claim.pk}"])[0] == before


def _kept_queue_length() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pending FROM claims_queuelength")
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _counted_queue_length() -> int:
    return (
        Attribution.objects.filter(review_state="pending").count()
        + StatusChange.objects.filter(review_state="pending").count()
    )


def test_the_queue_length_follows_every_kind_of_write(demo: None, editor: User, reviewer: User) -> None:
    """The review queue's length the triggers keep matches a count after writes
    through the services, QuerySet.update(), SQL, a delete, and after its row
    went missing (the next write counts afresh) or its triggers did (made again
    and counted by install)."""
    claim = Claim.objects.order_by("pk").first()
    assert _kept_queue_length() == _counted_queue_length()
    first = _pending_attribution(claim, by=editor, quote="one")
    second = _pending_attribution(claim, by=editor, quote="two")
    assert _kept_queue_length() == _counted_queue_length()
    services.approve(first, by=reviewer)
    Attribution.objects.filter(pk=second.pk).update(review_state="withdrawn")
    assert _kept_queue_length() == _counted_queue_length()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_attribution SET review_state = 'pending' WHERE id = %s", [second.pk])
        assert _kept_queue_length() == _counted_queue_length()
        cursor.execute("DELETE FROM claims_attribution WHERE id = %s", [second.pk])
        assert _kept_queue_length() == _counted_queue_length()
        cursor.execute("DELETE FROM claims_queuelength")
    assert _kept_queue_length() is None
    assert client_for(reviewer).get(reverse("claims:list")).status_code == 200  # read as 0, not an error
    _pending_attribution(claim, by=editor, quote="three")
    assert _kept_queue_length() == _counted_queue_length() > 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'ct\\_dv\\_%%\\_queue'")
            cursor.execute(f"DROP FUNCTION {cursor.fetchone()[0]}() CASCADE")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ct_dv_%queue%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER {name}")
    _pending_attribution(claim, by=editor, quote="four")  # not counted: no trigger
    assert _kept_queue_length() != _counted_queue_length()
    assert versions.install(connection.alias)
    assert _kept_queue_length() == _counted_queue_length()


def test_missing_triggers_are_made_again_after_migrate(demo: None) -> None:
    """SQLite drops a table's triggers when a migration rebuilds it; post_migrate mends them."""
    scopes = [versions.EVERYTHING]
    assert not versions.install(connection.alias)  # all there
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'ct\\_dv\\_%%claims\\_relation'")
            cursor.execute(f"DROP FUNCTION {cursor.fetchone()[0]}() CASCADE")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ct_dv_%claims_relation_i'"
            )
            cursor.execute(f"DROP TRIGGER {cursor.fetchone()[0]}")
    before = versions.read(scopes)[0]
    assert versions.install(connection.alias)
    assert versions.read(scopes)[0] != before  # what was written meanwhile is not trusted
    first, second = Claim.objects.all()[:2]
    before = versions.read([f"c:{second.pk}"])[0]
    Relation.objects.create(from_claim=first, to_claim=second, kind="refines", created_by=User.objects.first())
    assert versions.read([f"c:{second.pk}"])[0] != before


# --- ETag and 304 --------------------------------------------------------------------------------------


def test_an_unchanged_fragment_is_answered_304_and_a_changed_one_in_full(
    claim: Claim, editor: User, viewer: User
) -> None:
    client = client_for(viewer)
    first = client.get(reverse("claims:list"), headers={"HX-Request": "true"})
    etag = first["ETag"]
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    again = client.get(reverse("claims:list"), headers={"HX-Request": "true", "If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    _pending_attribution(claim, by=editor)  # work in review: drawn again, and found the same for a viewer
    assert client.get(reverse("claims:list"), headers={"HX-Request": "true", "If-None-Match": etag}).status_code == 304
    Claim.objects.filter(pk=claim.pk).update(text="North Korea has sent 12,000 troops to Russia")
    changed = client.get(reverse("claims:list"), headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag and b"12,000 troops" in changed.content


def test_whole_pages_stay_unkept_and_pages_with_one_time_tokens_carry_no_etag(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    whole = client.get(reverse("claims:list"))
    assert "no-store" in whole["Cache-Control"]  # Back asks again (accounts.middleware)
    with_forms = client.get(url_of(claim))
    assert _tokens(with_forms.content.decode()) and not with_forms.has_header("ETag")
    assert "<!--nav:mine-->" in whole.content.decode() and not whole.has_header("ETag")  # its counts are served fresh


# --- The timeline, a fragment kept under the claim's versions -------------------------------------------


def _timeline_of(page: str) -> str:
    found = re.search(r'<section aria-labelledby="timeline-heading".*?</section>', page, re.S)
    assert found
    return found.group(0)


def test_the_timeline_is_drawn_once_for_every_viewer_and_apart_for_each_editor(
    claim: Claim, editor: User, other_editor: User, viewer: User
) -> None:
    from tests import factories

    first, drawing = get(client_for(viewer), url_of(claim))
    second, reusing = get(client_for(factories.viewer(username="vic")), url_of(claim))
    assert _timeline_of(second) == _timeline_of(first)
    assert reusing < drawing  # the second viewer's page did not read the timeline again
    own = _pending_attribution(claim, by=editor, quote="Waiting for review")
    mine, _ = get(client_for(editor), url_of(claim))
    theirs, _ = get(client_for(other_editor), url_of(claim))
    edit = f'href="{reverse("claims:edit_entry", args=["attribution", own.pk])}"'
    assert "Waiting for review" in _timeline_of(mine) and edit in _timeline_of(mine)
    assert "Waiting for review" in _timeline_of(theirs) and edit not in _timeline_of(theirs)
    assert "Waiting for review" not in _timeline_of(get(client_for(viewer), url_of(claim))[0])


# --- Names shown on other records' pages ----------------------------------------------------------------


def test_renames_show_on_every_page_that_names_them(claim: Claim, viewer: User) -> None:
    """A source's title on the pages of the actors it quotes; an actor's name on the
    pages of the sources quoting it; a publisher's name on the claims citing its
    sources; a status's label in a claim's timeline."""
    said = claim.attributions.select_related("actor", "source").first()
    assert said is not None
    publisher = Actor.objects.create(name="Yonhap News Agency (test)")
    Source.objects.filter(pk=said.source_id).update(publisher=publisher)
    client = client_for(viewer)
    actor_page, source_page = (
        reverse("claims:actor_detail", args=[said.actor_id]),
        reverse("claims:source_detail", args=[said.source_id]),
    )
    for page in (actor_page, source_page, url_of(claim)):
        get(client, page)
    Source.objects.filter(pk=said.source_id).update(title="A retitled report")
    assert "A retitled report" in get(client, actor_page)[0]
    Actor.objects.filter(pk=said.actor_id).update(name="A renamed speaker")
    assert "A renamed speaker" in get(client, source_page)[0]
    get(client, url_of(claim))
    Actor.objects.filter(pk=publisher.pk).update(name="A renamed publisher")
    assert "A renamed publisher" in _timeline_of(get(client, url_of(claim))[0])
    status = claim.status_changes.filter(review_state="approved").first().status  # type: ignore[union-attr]
    Status.objects.filter(pk=status.pk).update(label="A relabelled status")
    assert "A relabelled status" in _timeline_of(get(client, url_of(claim))[0])


# --- The desk forms' fields ------------------------------------------------------------------------------


def test_the_desk_forms_fields_are_drawn_once_and_follow_the_claims_data(
    claim: Claim, editor: User, settings: Any
) -> None:
    from django.core.cache import cache
    from django.core.cache.utils import make_template_fragment_key

    from claimtracker.claims.forms import AttributionForm
    from claimtracker.claims.views.claims import _blank_form_key

    settings.PAGE_CACHE_SECONDS = 0  # every view renders; the fields come from the fragments
    client = client_for(editor)
    get(client, url_of(claim))
    attribution_fields = make_template_fragment_key("attribution-fields", [_blank_form_key(AttributionForm())])
    assert cache.get(attribution_fields) is not None
    cache.set(attribution_fields, "<p>drawn once</p>")
    other = Claim.objects.exclude(pk=claim.pk).first()
    assert other is not None
    assert "<p>drawn once</p>" in get(client, url_of(other))[0]  # another claim's page reuses them
    cache.delete(attribution_fields)

    # The status form offers the claim's latest attributions as evidence: a new one shows at once.
    def status_form() -> str:
        return get(client, url_of(claim))[0].split('id="status-form"')[1]

    assert 'name="evidence"' in status_form()
    added = _pending_attribution(claim, by=editor, quote="A new statement")
    assert f'name="evidence" value="{added.pk}"' in status_form()


def test_a_form_sent_back_with_errors_shows_what_was_typed_not_the_stored_blank(claim: Claim, editor: User) -> None:
    client = client_for(editor)
    get(client, url_of(claim))  # the blank fields stored
    response = client.post(
        reverse("claims:add_attribution", args=[claim.pk]),
        attribution_data(quote="Typed before the mistake", stated_on="not a date"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Typed before the mistake" in page
    assert 'class="field has-error"' in page


def test_the_header_counts_are_read_with_the_versions_for_the_roles_held_now(
    claim: Claim, editor: User, reviewer: User
) -> None:
    """The queue's length for a reviewer and one's entries sent back for an editor,
    asked in the versions' query and shown by the role held when it runs (-1: not shown)."""
    from django.contrib.auth.models import Group

    from claimtracker.accounts.roles import REVIEWER

    client = client_for(editor)
    _pending_attribution(claim, by=editor, quote="Waiting")
    page, _ = get(client, reverse("claims:list"))
    assert "<!--nav:mine-->" in page and "<!--nav:review-->" not in page
    rows, session = pagecache.queries.nav_count_rows(), client.session.session_key

    def shown() -> dict[str, int]:
        current, counts, row = versions.read([versions.PEOPLE], also=rows, asker=session)
        assert row is not None and row[0] == editor.pk  # the session's user's row, read with them
        granted = held.permissions(connection.alias, editor.pk, dict(current)[versions.PEOPLE])
        return pagecache.queries.nav_counts_read(counts, lambda perm: roles.holds(editor, perm, granted))

    assert shown() == {"review": -1, "mine": 0}
    editor.groups.add(Group.objects.get(name=REVIEWER))
    assert shown() == {"review": 1, "mine": 0}
    page, _ = get(client, reverse("claims:list"))  # drawn again: a role changed
    assert 'aria-label="1 pending"' in page
    Attribution.objects.filter(claim=claim, quote="Waiting").update(
        review_state="rejected", reviewed_by=reviewer, reviewed_at=timezone.now()
    )
    page, queries = get(client, reverse("claims:list"))
    assert queries == STORED  # stored (no list shows work in review), with the counts of now
    assert 'aria-label="1 rejected"' in page and 'aria-label="1 pending"' not in page


def test_the_lists_filters_are_drawn_once_for_their_query_and_follow_the_vocabulary(
    demo: None, viewer: User, editor: User, settings: Any
) -> None:
    settings.PAGE_CACHE_SECONDS = 0  # every view renders; the filters come from the fragment
    reader = client_for(viewer)
    drawing = get(reader, reverse("claims:list") + "?q=troops")[1]
    page, reusing = get(reader, reverse("claims:list") + "?q=troops")
    assert reusing < drawing  # the status and topic choices were not read again
    assert 'value="troops"' in page
    assert 'value="missiles"' in get(reader, reverse("claims:list") + "?q=missiles")[0]
    assert 'name="pending"' not in page and 'name="pending"' in get(client_for(editor), reverse("claims:list"))[0]
    Status.objects.filter(slug="disputed").update(label="Contested")
    assert "Contested" in get(reader, reverse("claims:list") + "?q=troops")[0]


def test_a_filter_in_error_is_drawn_with_its_error_each_time(demo: None, viewer: User) -> None:
    reader = client_for(viewer)
    response = reader.get(reverse("claims:list"), {"actor": "Nobody by that name"})
    assert "Nobody by that name" in response.content.decode()
    assert "filter_form_key" not in response.context


def test_the_versions_statement_is_prepared_on_postgresql(editor: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    client = client_for(editor)
    for _ in range(7):
        get(client, reverse("claims:list"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    # One statement of the session, its user and the versions.
    assert any(
        all(table in statement for table in (versions.TABLE, "accounts_session", "auth_user"))
        for statement in statements
    )


def test_the_orms_queries_bind_on_the_server_and_are_prepared_on_postgresql(demo: None) -> None:
    """PostgreSQL parses and plans a query the ORM runs again and again once per connection (settings.py)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    assert connection.features.uses_server_side_binding
    for pk in range(6):
        list(Claim.objects.filter(pk__gt=pk).values_list("text", flat=True)[:1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('FROM "claims_claim" WHERE "claims_claim"."id" > $1' in statement for statement in statements)


def test_one_plan_of_the_header_counts_serves_every_user_from_the_partial_indexes(demo: None, reviewer: User) -> None:
    """The codes compared with are written into the versions' statement, so the plan
    PostgreSQL keeps for it (a generic plan, made once for any parameters) reads
    the entries sent back from the partial indexes; with the codes as parameters it
    could not, and PostgreSQL planned every run anew (docs/performance.md). The
    queue's length is read from the row the triggers keep, not counted."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(8):
        get(client_for(reviewer), reverse("claims:list"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%#review%"])
        statements = [row[0] for row in cursor.fetchall()]
        assert statements
        for statement in statements:
            assert "review_state = 'rejected'" in statement
            assert "claims_queuelength" in statement and "review_state = 'pending'" not in statement
        pending = queries.review._pending_sql()
        rejected, _ = queries.review._rejected_sql("%s", [reviewer.pk])
        rejected = rejected.replace("%s", "$1", 1).replace("%s", "$2")
        cursor.execute(f"PREPARE header_counts(int, int) AS SELECT {pending}, {rejected}")
        cursor.execute("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN EXECUTE header_counts(1, 1)")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET plan_cache_mode; RESET enable_seqscan; DEALLOCATE header_counts")
    for index in ("claims_queuelength_pkey", "attribution_rejected_idx", "statuschange_rejected_idx"):
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan


def test_a_desk_page_drawn_anew_counts_the_header_once(demo: None, reviewer: User) -> None:
    client = client_for(reviewer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("claims:list"))
    assert response.status_code == 200
    counting = [q["sql"] for q in queries.captured_queries if "count(*)" in q["sql"] and "review_state" in q["sql"]]
    assert len(counting) == 1 and versions.TABLE in counting[0]  # in the versions' statement, not again
    assert "<!--nav:review-->" in response.content.decode()


def test_the_lists_count_is_kept_until_what_lists_show_changes(demo: None, editor: User, settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0  # every view renders; the count comes from the default cache
    client = client_for(editor)

    def count(query: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("claims:list") + query)
        assert response.status_code == 200
        # Django logs no text for a prepared statement's first run on PostgreSQL (lib/prepared): None.
        sql = [q["sql"] or "" for q in queries.captured_queries]
        counting = sum("COUNT(*)" in statement.upper() and "claims_claim" in statement for statement in sql)
        return response.context["count"], counting

    troops, counted = count("?q=troops")
    assert counted == 1
    assert count("?q=troops") == (troops, 0)  # kept
    services.create_claim(text="More troops crossed the border", by=editor)
    assert count("?q=troops") == (troops + 1, 1)  # a new claim is what lists show
    pending, _ = count("?pending=on")
    quiet = Claim.objects.exclude(attributions__review_state="pending").exclude(status_changes__review_state="pending")
    _pending_attribution(quiet.first(), by=editor, quote="Now waiting")  # type: ignore[arg-type]
    assert count("?pending=on")[0] == pending + 1  # work in review: the pending filter counts anew


def test_an_actors_count_and_track_record_are_kept_until_its_data_or_the_verdicts_change(
    claim: Claim, editor: User, reviewer: User, settings: Any
) -> None:
    settings.PAGE_CACHE_SECONDS = 0  # every view renders; the count and the record come from the default cache
    actor = Actor.objects.get(name="Jake Sullivan")
    client = client_for(editor)
    url = reverse("claims:actor_detail", args=[actor.pk])

    def shown() -> tuple[int, Any]:
        response = client.get(url)
        return response.context["page"].paginator.count, response.context["record"]

    stances, record = shown()
    assert shown() == (stances, record)
    services.approve(_pending_attribution(claim, by=editor, quote="Approved now"), by=reviewer)
    stances_now, record = shown()
    assert stances_now == stances + 1
    claim.refresh_from_db()
    status = claim.current_status
    assert status is not None
    flipped = "false" if status.verdict == "true" else "true"
    Status.objects.filter(pk=status.pk).update(verdict=flipped)
    assert shown()[1] != record  # the verdicts are the vocabulary's


def test_an_actors_page_of_stances_and_history_are_drawn_once_for_what_they_show(
    claim: Claim, editor: User, reviewer: User, settings: Any
) -> None:
    """Kept under the actor's data and the vocabulary (the history under people's
    names too), read only where drawn: a view of an unchanged actor reads neither."""
    settings.PAGE_CACHE_SECONDS = 0
    actor = Actor.objects.get(name="Jake Sullivan")
    services.save_actor(actor, by=editor)
    client = client_for(reviewer)
    url = reverse("claims:actor_detail", args=[actor.pk])

    def seen() -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        return html[html.index('<section aria-labelledby="stances-heading">') :], [
            q["sql"] for q in queries.captured_queries
        ]

    def reads(sqls: list[str]) -> tuple[bool, bool]:
        """Whether the stances and the history were read."""
        return any("claims_attribution" in sql and "LIMIT" in sql for sql in sqls), any(
            "claims_historicalactor" in sql for sql in sqls
        )

    shown, sqls = seen()
    assert reads(sqls) == (True, True) and f"{editor.username} changed the actor" in shown
    again, sqls = seen()
    assert again == shown and reads(sqls) == (False, False)
    services.approve(_pending_attribution(claim, by=editor, quote="Approved now"), by=reviewer)
    now, sqls = seen()
    assert reads(sqls) == (True, True) and now.count('<tr class="polarity-') == shown.count('<tr class="polarity-') + 1
    Claim.objects.filter(pk=claim.pk).update(text="A claim renamed with SQL")  # the stances name the claim
    assert "A claim renamed with SQL" in seen()[0]
    User.objects.filter(pk=editor.pk).update(username="renamed-editor")  # the history names people
    renamed, sqls = seen()
    assert reads(sqls) == (False, True) and "renamed-editor changed the actor" in renamed


def test_approving_a_correction_in_any_way_drops_the_corrected_entrys_actor_and_source_pages(
    editor: User, reviewer: User
) -> None:
    """The corrected entry leaves what its actor and source stand by, whoever approves
    the correction: here an UPDATE that no service sees."""
    from tests.factories import ActorFactory, AttributionFactory

    approved = {"review_state": "approved", "reviewed_by": reviewer, "reviewed_at": timezone.now()}
    first = AttributionFactory(created_by=editor, **approved)
    correction = AttributionFactory(
        claim=first.claim, actor=ActorFactory(), corrects=first, created_by=editor, review_state="pending"
    )
    scopes = [f"a:{first.actor_id}", f"s:{first.source_id}"]
    before = versions.read(scopes)[0]
    Attribution.objects.filter(pk=correction.pk).update(**approved)
    after = dict(versions.read(scopes)[0])
    assert all(after[scope] != value for scope, value in before)


@pytest.mark.usefixtures("flushable_db")
def test_the_versions_and_the_users_statements_connect_again_after_the_database_dropped_the_connection() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a server's restart: SQLite has none, and Django never finds its connection unusable")
    from claimtracker.accounts.backends import ModelBackend
    from tests.factories import UserFactory

    user = UserFactory()  # the database is emptied after the test (flushable_db)
    for checked in (False, True):  # a request's first statement, or one after Django's check
        connection.ensure_connection()
        connection.connection.close()  # as a database restart leaves a worker's connection
        connection.health_check_done = checked
        assert versions.EVERYTHING in dict(versions.read([versions.EVERYTHING])[0])
        connection.connection.close()
        assert ModelBackend().get_user(user.pk) == user


@pytest.mark.usefixtures("flushable_db")
def test_the_versions_statement_connects_again_after_the_server_ended_the_connection_with_queries_logged() -> None:
    """A connection the server ended (a restart, pg_terminate_backend) fails its next
    statement with the server's message. With DEBUG, Django logs the failed
    statement's text on a cursor of its own, and its check of the connection
    first makes a new one: the retry must not take that for the dropped one."""
    if connection.vendor != "postgresql":
        pytest.skip("a server that ends a connection: SQLite has none")
    connection.ensure_connection()
    ended = connection.connection.info.backend_pid
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
            for _ in range(100):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [ended])
                if not cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
    finally:
        other.close()
    connection.health_check_done = False  # as at the start of a request
    connection.force_debug_cursor = True  # as with DEBUG
    try:
        assert versions.EVERYTHING in dict(versions.read([versions.EVERYTHING])[0])
    finally:
        connection.force_debug_cursor = False
    assert connection.connection.info.backend_pid != ended


def test_the_versions_and_the_users_statements_are_the_requests_check_of_the_connection(
    viewer: User, monkeypatch: Any
) -> None:
    """Run first in a request (the session's user, a stored page's versions), they
    need no SELECT 1 before them (lib/prepared.rows): one round trip fewer."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's check asks nothing of a server")
    from claimtracker.accounts.backends import ModelBackend

    checks: list[bool] = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(True) or usable())
    for first in (lambda: ModelBackend().get_user(viewer.pk), lambda: versions.read([versions.EVERYTHING])):
        connection.health_check_done = False  # as at the start of every request outside tests
        first()
        assert checks == [] and connection.health_check_done
    connection.health_check_done = False
    User.objects.get(pk=viewer.pk)  # the ORM's statements, as Django runs them
    assert checks == [True]


def test_a_stored_page_is_answered_before_the_views_middleware_with_the_headers_it_was_drawn_with(
    claim: Claim, reviewer: User
) -> None:
    """PageCacheMiddleware answers once it knows the session, the CSRF secret and the
    user: no URL is dispatched to a view, and the answer carries the headers the
    whole stack gave the drawn page, with its own length."""
    client = client_for(reviewer)
    drawn = client.get(url_of(claim))
    served = client.get(url_of(claim))
    assert drawn.wsgi_request.resolver_match is not None
    assert served.wsgi_request.resolver_match is None  # answered before the handler resolved a view
    assert not hasattr(served.wsgi_request, "_messages")  # nor did the message middleware run
    for header in ("Content-Security-Policy", "X-Frame-Options", "Cache-Control", "Vary", "Content-Type"):
        assert served[header] == drawn[header], header
    assert "no-store" in served["Cache-Control"] and "Cookie" in served["Vary"]
    assert int(served["Content-Length"]) == len(served.content)
    assert not served.cookies  # the CSRF cookie Django renews with a drawn form is not kept


def test_a_session_ended_elsewhere_gets_no_stored_page(claim: Claim, editor: User, viewer: User) -> None:
    """Django's own checks of the session run before a stored page: a password or
    an account changed outside Django ends the session at once."""
    from django.contrib.auth.hashers import make_password

    for user, change in ((editor, {"password": make_password("a new one")}), (viewer, {"is_active": False})):
        client = client_for(user)
        get(client, url_of(claim))
        assert client.get(url_of(claim)).status_code == 200
        User.objects.filter(pk=user.pk).update(**change)
        response = client.get(url_of(claim))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "page",
    ["claims:list", "claims:source_create"],
    ids=["read in the page cache's statement", "a page not kept: read on its own"],
)
def test_the_header_shows_the_queue_length_the_database_keeps(
    page: str, claim: Claim, editor: User, reviewer: User
) -> None:
    """The header's count of work in review is the length the database's triggers
    keep, read, not counted: set by hand here, a page shows it, and writes move it
    from there, whatever made them."""
    client = client_for(reviewer)
    html, _ = get(client, reverse(page))
    assert ' pending"' not in html  # none waits
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_queuelength SET pending = 41")
    html, _ = get(client, reverse(page))
    assert 'aria-label="41 pending"' in html  # as kept: not counted
    attribution = _pending_attribution(claim, by=editor)
    html, _ = get(client, reverse(page))
    assert 'aria-label="42 pending"' in html  # moved by the write
    Attribution.objects.filter(pk=attribution.pk).update(review_state="withdrawn")
    html, _ = get(client, reverse(page))
    assert 'aria-label="41 pending"' in html


def test_the_review_queue_is_kept_until_a_claim_on_its_page_changes(
    demo: None, editor: User, reviewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of the queue is drawn from the claims on it (and the one after, which
    says there is a next page): work sent for review on a later claim leaves it
    stored; work on a claim it shows, or a claim that comes before them, draws it
    anew."""
    from claimtracker.claims.queries import review

    monkeypatch.setattr(review, "REVIEW_CLAIMS", 1)
    first, second, third, fourth = Claim.objects.order_by("pk")[:4]
    for claim in (second, third, fourth):
        _pending_attribution(claim, by=editor, quote=f"Waiting on {claim.pk}")
    client = client_for(reviewer)
    page, _ = get(client, reverse("claims:review"))
    assert f"Waiting on {second.pk}" in page and f"Waiting on {third.pk}" not in page
    _pending_attribution(fourth, by=editor, quote="Later")
    page, queries = get(client, reverse("claims:review"))
    assert queries == STORED  # stored: the claims on the page are as they were
    _pending_attribution(third, by=editor, quote="On the next page's first claim")
    assert get(client, reverse("claims:review"))[1] > 3  # it says whether there is a next page
    assert get(client, reverse("claims:review"))[1] == STORED
    _pending_attribution(first, by=editor, quote="Now first")
    page, queries = get(client, reverse("claims:review"))
    assert queries > 3 and "Now first" in page and f"Waiting on {second.pk}" not in page


def test_work_in_review_leaves_the_claims_summary_drawn_until_approved(
    claim: Claim, editor: User, reviewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary (sides, chart, ClaimReview) is drawn from approved entries and
    kept under what readers see of the claim (``ca:``): an entry sent for review
    draws the desk's page anew but not the summary; its approval does."""
    from claimtracker.claims import summary

    drawn = []
    approved_stances = summary.queries.approved_stances
    monkeypatch.setattr(summary.queries, "approved_stances", lambda *a: drawn.append(1) or approved_stances(*a))
    client = client_for(editor)
    get(client, url_of(claim))
    assert len(drawn) == 1
    pending = _pending_attribution(claim, by=editor, quote="In review")
    page, queries_made = get(client, url_of(claim))
    assert "In review" in page and queries_made > 3 and len(drawn) == 1
    services.approve(pending, by=reviewer)
    get(client, url_of(claim))
    assert len(drawn) == 2


def test_desk_pages_answer_with_no_counter_yet(claim: Claim, reviewer: User) -> None:
    """Counters are made by the first write that bumps them: with none at all (a
    database restored without them), pages are drawn and kept as ever."""
    DataVersion.objects.all().delete()
    client = client_for(reviewer)
    for _ in range(2):
        assert client.get(reverse("claims:list")).status_code == 200
        assert client.get(url_of(claim)).status_code == 200


def test_moving_an_actor_under_another_drops_the_pages_of_claims_quoting_those_below_it(
    reviewer: User, editor: User
) -> None:
    """The suggested status counts sides by the top of each actor's affiliations:
    a ministry put under an agency puts an official of one of its departments on
    the agency's side, so two
    stances that were independent become one side, on the page of every claim
    quoting the official, though neither the official nor the claim was written."""
    from tests.factories import ActorFactory, AttributionFactory

    claim = Claim.objects.create(text="The troops crossed by rail", created_by=reviewer)
    ministry = ActorFactory(name="A ministry")
    official = ActorFactory(name="An official", parent=ActorFactory(name="A department", parent=ministry))
    agency = ActorFactory(name="An agency")
    approved = {"review_state": "approved", "reviewed_by": reviewer, "reviewed_at": timezone.now()}
    for actor in (official, agency):
        AttributionFactory(claim=claim, actor=actor, stance="confirms", **approved)
    client = client_for(editor)  # the suggestion is shown beside the form proposing a status
    two_sides, one_side = "2 independent actors state it definitely", "not yet by two independent actors"
    assert two_sides in get(client, url_of(claim))[0]
    assert two_sides in get(client, url_of(claim))[0]  # the stored page
    ministry.parent = agency
    ministry.save()
    page = get(client, url_of(claim))[0]
    assert one_side in page and two_sides not in page


@pytest.mark.usefixtures("flushable_db")
def test_a_statement_that_fails_on_a_connection_made_for_it_is_not_run_again() -> None:
    """A timeout is the statement's own failure: prepared.rows runs it once more
    only where the connection it used before was dropped."""
    if connection.vendor != "postgresql":
        pytest.skip("a statement timeout is PostgreSQL's")
    from django.db import OperationalError
    from django.db.backends.signals import connection_created

    from claimtracker.lib import prepared

    ran: list[str] = []

    def with_a_timeout(sender: Any, connection: Any, **kwargs: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '200ms'")

    def counted(execute: Any, sql: str, *args: Any) -> Any:
        ran.append(sql)
        return execute(sql, *args)

    connection_created.connect(with_a_timeout)
    try:
        connection.close()  # as on a worker's first request, or after CONN_MAX_AGE
        with connection.execute_wrapper(counted), pytest.raises(OperationalError):
            prepared.rows(connection, "SELECT pg_sleep(2)", [])
    finally:
        connection_created.disconnect(with_a_timeout)
        connection.close()
    assert ran.count("SELECT pg_sleep(2)") == 1
