"""The read API (issue 14 part 4, DESIGN 8.4): /api/v1/ claims, actors and
sources, with the pages' roles; API keys made by `manage.py api_token`, stored
hashed, sent as Token or Bearer, revoked in the admin; anonymous callers read
published claims only; rate limits per key."""

import datetime
import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.api.models import ApiKey, digest
from claimtracker.api.renderers import SafeJSONRenderer, written
from claimtracker.claims import services
from claimtracker.claims.models import Actor, Claim, ReviewState, Source, Stance
from tests import factories
from tests.conftest import client_for
from tests.test_public import SENT, assessed

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


def key_for(user: User, name: str = "") -> str:
    return ApiKey.make(user, name)[1]


def get(path: str, key: str | None = None, scheme: str = "Bearer", client: Client | None = None) -> Any:
    headers = {"Authorization": f"{scheme} {key}"} if key else {}
    return (client or Client()).get(path, headers=headers)


@pytest.fixture
def sent(demo: None) -> Claim:
    return Claim.objects.get(text=SENT)


@pytest.fixture
def unpublished(demo: None, editor: User, reviewer: User) -> Claim:
    return assessed("North Korean troops are fighting in Kursk", editor, reviewer)


# --- Keys ------------------------------------------------------------------------------------------------


def test_api_token_prints_a_key_that_is_stored_only_as_its_digest(viewer: User) -> None:
    out, err = StringIO(), StringIO()
    call_command("api_token", "vera", "--name", "CMS sidebar", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("ct_") and len(key) > 40
    assert "shown only now" in err.getvalue()
    stored = ApiKey.objects.get()
    assert stored.user == viewer and stored.name == "CMS sidebar"
    assert stored.key_digest == digest(key) and key not in (stored.key_digest, stored.prefix)
    assert stored.prefix == key[:10]
    assert get(CLAIMS, key).status_code == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nobody"], "No user called 'nobody'."),
        (["vera", "--name", "x" * 101], "--name is too long"),
    ],
)
def test_api_token_refuses_what_it_cannot_do(viewer: User, arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("api_token", *arguments, stdout=StringIO())
    assert not ApiKey.objects.exists()


def test_api_token_refuses_a_deactivated_user(viewer: User) -> None:
    viewer.is_active = False
    viewer.save()
    with pytest.raises(CommandError, match="deactivated"):
        call_command("api_token", "vera", stdout=StringIO())


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "bearer"])
def test_a_key_reads_as_its_user_with_either_scheme(sent: Claim, unpublished: Claim, viewer: User, scheme: str) -> None:
    key = key_for(viewer)
    ids = [row["id"] for row in get(CLAIMS, key, scheme).json()["results"]]
    assert unpublished.pk in ids  # a viewer reads unpublished claims too
    assert get("/api/v1/actors/", key, scheme).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ct_not-a-key-of-ours",
        "Bearer",
        "Token two words",
        "Bearer " + "x" * 5000,
        "Bearer caf\xe9",
    ],
)
def test_a_bad_key_is_refused_with_401(demo: None, header: str) -> None:
    response = Client().get(CLAIMS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert set(response.json()) == {"detail"}


def test_a_revoked_key_or_a_deactivated_users_key_is_refused(demo: None, viewer: User) -> None:
    key = key_for(viewer)
    assert get("/api/v1/actors/", key).status_code == 200
    ApiKey.objects.get().revoke()
    assert get("/api/v1/actors/", key).status_code == 401
    other = key_for(viewer)
    viewer.is_active = False
    viewer.save()
    assert get("/api/v1/actors/", other).status_code == 401


def test_a_key_notes_its_last_use_without_writing_on_every_read(demo: None, viewer: User) -> None:
    key = key_for(viewer)
    get(CLAIMS, key)
    first = ApiKey.objects.get().last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as captured:
        get(CLAIMS, key)
    assert not any(q["sql"].startswith("UPDATE") for q in captured.captured_queries)
    assert ApiKey.objects.get().last_used_at == first


def test_the_admin_lists_keys_and_revokes_them_but_never_shows_or_makes_one(superuser: User, viewer: User) -> None:
    stored, key = ApiKey.make(viewer, "CMS sidebar")
    client = client_for(superuser)
    listing = client.get(reverse("admin:api_apikey_changelist")).content.decode()
    assert "CMS sidebar" in listing and stored.prefix in listing and "vera" in listing
    assert key not in listing and stored.key_digest not in listing
    assert client.get(reverse("admin:api_apikey_add")).status_code == 403
    response = client.post(
        reverse("admin:api_apikey_changelist"), {"action": "revoke", "_selected_action": [stored.pk]}, follow=True
    )
    assert "Revoked 1 API key." in response.content.decode()
    stored.refresh_from_db()
    assert stored.revoked
    assert get(CLAIMS, key).status_code == 401


def test_roles_do_not_reach_the_keys_in_the_admin(reviewer: User) -> None:
    ApiKey.make(reviewer)
    assert client_for(reviewer).get(reverse("admin:api_apikey_changelist")).status_code in (302, 403)


# --- Who reads what --------------------------------------------------------------------------------------


def test_an_anonymous_caller_reads_published_claims_only(sent: Claim, unpublished: Claim) -> None:
    listed = get(CLAIMS).json()["results"]
    ids = {row["id"] for row in listed}
    assert sent.pk in ids and unpublished.pk not in ids
    assert ids == set(Claim.objects.filter(published_at__isnull=False).values_list("pk", flat=True))
    assert all(row["page_url"] is None and row["public_url"] for row in listed)
    assert get(f"{CLAIMS}{unpublished.pk}/").status_code == 404
    assert get(f"{CLAIMS}{sent.pk}/").status_code == 200
    assert get(f"{CLAIMS}?q=Kursk").json()["results"] == []


def test_a_user_without_a_role_reads_as_a_reader(sent: Claim, unpublished: Claim, stranger: User) -> None:
    key = key_for(stranger)
    assert unpublished.pk not in {row["id"] for row in get(CLAIMS, key).json()["results"]}
    assert get(f"{CLAIMS}{unpublished.pk}/", key).status_code == 404
    response = get("/api/v1/actors/", key)
    assert response.status_code == 403
    assert "role" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/actors/", "/api/v1/actors/1/", "/api/v1/sources/", "/api/v1/sources/1/"])
def test_actors_and_sources_need_a_login(demo: None, path: str) -> None:
    response = get(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_a_reader_sees_no_user_names_and_no_links_to_unpublished_claims(
    sent: Claim, unpublished: Claim, editor: User, reviewer: User, viewer: User
) -> None:
    services.add_relation(sent, unpublished, kind="related", by=editor)
    public = get(f"{CLAIMS}{sent.pk}/").json()
    linked = {link["claim_id"] for link in public["relations"]}
    assert linked and unpublished.pk not in linked
    assert all(Claim.objects.get(pk=pk).published_at for pk in linked)
    assert public["timeline"] and all(
        event["recorded_by"] is None and event["reviewed_by"] is None for event in public["timeline"]
    )
    assert "editor" not in json.dumps(public) and "reviewer" not in json.dumps(public)
    desk = get(f"{CLAIMS}{sent.pk}/", key_for(viewer)).json()
    assert {link["claim_id"] for link in desk["relations"]} == linked | {unpublished.pk}
    assert all(event["recorded_by"] for event in desk["timeline"])


def test_pending_work_is_the_desks_alone(sent: Claim, editor: User, viewer: User) -> None:
    actor, source = Actor.objects.first(), Source.objects.first()
    assert actor is not None and source is not None
    pending = services.add_attribution(
        sent, actor=actor, source=source, stance=Stance.DENIES, stated_on=datetime.date(2024, 11, 2), by=editor
    )
    path = f"{CLAIMS}{sent.pk}/"
    desk = get(path + "?pending=1", key_for(editor)).json()
    assert f"a{pending.pk}" in [event["event_id"] for event in desk["timeline"]]
    assert [e["review_state"] for e in desk["timeline"] if e["event_id"] == f"a{pending.pk}"] == [ReviewState.PENDING]
    assert f"a{pending.pk}" not in [event["event_id"] for event in get(path, key_for(editor)).json()["timeline"]]
    refused = get(path + "?pending=1", key_for(viewer))
    assert refused.status_code == 403 and "desk" in refused.json()["detail"]
    assert get(path + "?pending=1").status_code == 403
    assert get(path + "?pending=maybe", key_for(editor)).status_code == 400
    assert get(path + "?pending=1&as_of=2024-10-30", key_for(editor)).status_code == 400
    # So is the list's "has pending review" filter.
    assert sent.pk in {row["id"] for row in get(f"{CLAIMS}?pending=true", key_for(editor)).json()["results"]}
    assert get(f"{CLAIMS}?pending=1", key_for(viewer)).status_code == 403
    assert get(f"{CLAIMS}?pending=1").status_code == 403
    assert get(f"{CLAIMS}?pending=0", key_for(viewer)).status_code == 200


def test_a_reader_names_only_actors_of_published_claims_and_gets_no_hints(
    sent: Claim, unpublished: Claim, editor: User, reviewer: User
) -> None:
    source = Source.objects.get()
    secret = Actor.objects.create(name="Zyxwv Secret Informant")
    said = services.add_attribution(
        unpublished, actor=secret, source=source, stance=Stance.ASSERTS, stated_on=datetime.date(2024, 11, 1), by=editor
    )
    services.approve(said, by=reviewer)
    seoul = Actor.objects.get(name="Government of South Korea")
    assert sent.pk in [row["id"] for row in get(f"{CLAIMS}?actor=Government of South Korea").json()["results"]]
    assert sent.pk in [row["id"] for row in get(f"{CLAIMS}?actor={seoul.pk}").json()["results"]]
    answers = [get(f"{CLAIMS}?actor={name}") for name in ("Zy", "Zyxwv Secret Informant", secret.pk, "Nobody", 999999)]
    assert {answer.status_code for answer in answers} == {400}
    details = {answer.json()["detail"].split("“")[0] for answer in answers}
    assert details == {"actor: No actor called "}
    assert not any("Zyxwv" in answer.json()["detail"].replace("Zyxwv Secret Informant”", "") for answer in answers)
    # A viewer may look anyone up, with the page's hints.
    hinted = get(f"{CLAIMS}?actor=Zy", key_for(reviewer)).json()["detail"]
    assert "Did you mean “Zyxwv Secret Informant”" in hinted


def test_a_browser_session_reads_the_api(sent: Claim, viewer: User, stranger: User) -> None:
    assert client_for(viewer).get("/api/v1/actors/").status_code == 200
    assert client_for(stranger).get("/api/v1/actors/").status_code == 403


# --- Claims --------------------------------------------------------------------------------------------


def test_the_claim_carries_its_status_forecast_sides_links_and_timeline(sent: Claim, viewer: User) -> None:
    data = get(f"{CLAIMS}{sent.pk}/", key_for(viewer)).json()
    timeline = Client().get(reverse("exports:timeline_json", args=[sent.pk]))
    assert timeline.status_code == 302  # the page export needs a login; compare with the viewer's
    page = client_for(viewer).get(reverse("exports:timeline_json", args=[sent.pk])).json()
    assert data["timeline"] == page["events"]
    assert data["status"] == {"slug": "corroborated", "label": "Corroborated", "verdict": "true", "rating": 4}
    assert data["status_since"] == page["claim"]["status_since"]
    assert data["relations"] == page["claim"]["relations"]
    assert data["side_counts"] == {"supports": len(data["sides"]["supports"]), "opposes": len(data["sides"]["opposes"])}
    supporters = {side["actor"] for side in data["sides"]["supports"]}
    assert "Government of South Korea" in supporters
    assert data["url"] == f"http://testserver{CLAIMS}{sent.pk}/"
    assert data["page_url"] == f"http://testserver/claims/{sent.pk}/"
    assert data["as_of"] is None and data["known"] is None


def test_a_claims_links_show_the_other_claims_status_then(sent: Claim, viewer: User) -> None:
    detail = Claim.objects.get(text__startswith="At least 3,000")
    then = get(f"{CLAIMS}{detail.pk}/?as_of=2024-10-24", key_for(viewer)).json()["relations"]
    assert [(link["claim_id"], link["status"]) for link in then] == [(sent.pk, "disputed")]
    today = get(f"{CLAIMS}{detail.pk}/", key_for(viewer)).json()["relations"]
    assert [(link["claim_id"], link["status"]) for link in today] == [(sent.pk, "corroborated")]


def test_the_list_reads_the_claim_lists_filters(sent: Claim, unpublished: Claim, viewer: User) -> None:
    key = key_for(viewer)

    def ids(query: str) -> list[int]:
        response = get(f"{CLAIMS}?{query}", key)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("status=reported") == list(
        Claim.objects.filter(current_status__slug="reported").order_by("-id").values_list("pk", flat=True)
    )
    assert ids("sort=oldest")[0] == Claim.objects.order_by("id").first().pk  # type: ignore[union-attr]
    seoul = Actor.objects.get(name="Government of South Korea")
    assert sent.pk in ids(f"actor={seoul.pk}") and unpublished.pk not in ids(f"actor={seoul.pk}")
    assert ids("q=Kursk") == [unpublished.pk]
    # As of a day before anything was said, nothing had been.
    assert ids("as_of=2024-01-01") == []
    as_of = get(f"{CLAIMS}?as_of=2024-10-24", key).json()["results"]
    assert all(row["status"] is None or row["status_since"] <= "2024-10-24" for row in as_of)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("status=nonsense", "status"),
        ("as_of=2024-13-01", "as_of"),
        ("as_of=2999-01-01", "after today"),
        ("date_from=2024-11-01&date_to=2024-10-01", "end date comes before"),
        ("after=garbage", "page link is broken"),
        ("page_size=0", "page_size"),
        ("page_size=ten", "page_size"),
        ("sort=sideways", "sort"),
        ("overdue=maybe", "overdue must be true or false"),
        ("actor=Kim%00Jong", "NUL character"),  # a reader's actor is looked up before the filters: a 500 on PostgreSQL
        ("q=%00", "NUL character"),
    ],
)
def test_an_unreadable_parameter_is_a_400_that_names_it(demo: None, query: str, said: str) -> None:
    response = get(f"{CLAIMS}?{query}")
    assert response.status_code == 400
    assert said in response.json()["detail"]


def test_too_many_parameters_are_a_400_in_json(demo: None) -> None:
    response = get(f"{CLAIMS}?" + "&".join(["status=reported"] * 1200))
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_the_api_only_reads(sent: Claim, viewer: User) -> None:
    session = client_for(viewer)
    key = key_for(viewer)
    for method in ("post", "put", "patch", "delete"):
        by_session = getattr(session, method)(f"{CLAIMS}{sent.pk}/", {"text": "changed"})
        by_key = getattr(Client(), method)(f"{CLAIMS}{sent.pk}/", headers={"Authorization": f"Bearer {key}"})
        assert by_session.status_code == by_key.status_code == 405, method
    sent.refresh_from_db()
    assert sent.text == SENT


def test_an_address_without_its_slash_is_sent_to_it_and_an_unknown_one_is_a_json_404(demo: None) -> None:
    moved = get("/api/v1/claims?q=troops")
    assert moved.status_code == 301 and moved["Location"] == "/api/v1/claims/?q=troops"
    missing = get("/api/v1/nothing/here")
    assert missing.status_code == 404 and "docs" in missing.json()["detail"]


def test_an_unacceptable_answer_with_a_bad_key_is_refused_not_a_server_error(demo: None) -> None:
    # Content negotiation fails before the key is read; the answer must not read it afterwards.
    response = Client().get("/api/v1/actors/", headers={"Authorization": "Bearer two words", "Accept": "text/csv"})
    assert response.status_code == 406
    assert "no-store" in response["Cache-Control"]


def test_made_up_keys_are_throttled_per_address(demo: None, viewer: User, settings: Any) -> None:
    settings.API_ANONYMOUS_RATE_LIMIT = "3/minute"
    answers = [get(CLAIMS, f"ct_guess{number}").status_code for number in range(5)]
    assert answers == [401, 401, 401, 429, 429]
    with CaptureQueriesContext(connection) as captured:
        assert get(CLAIMS, "ct_guess-again").status_code == 429
    assert not any("api_apikey" in query["sql"] for query in captured.captured_queries)


def test_a_bad_date_on_a_claim_is_a_400(sent: Claim) -> None:
    response = get(f"{CLAIMS}{sent.pk}/?known=yesterday")
    assert response.status_code == 400 and "known" in response.json()["detail"]


def test_pages_follow_next_and_previous_links_and_the_size_is_capped(demo: None, editor: User, viewer: User) -> None:
    for number in range(120):
        factories.ClaimFactory(text=f"Paged claim {number}", created_by=editor)
    key = key_for(viewer)
    assert len(get(f"{CLAIMS}?page_size=500", key).json()["results"]) == 100
    seen: list[int] = []
    url: str | None = f"{CLAIMS}?page_size=50&q=Paged"
    pages = []
    while url:
        page = get(url.removeprefix("http://testserver"), key).json()
        pages.append(page)
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 120
    assert seen == sorted(seen, reverse=True)
    assert pages[0]["previous"] is None and pages[-1]["next"] is None
    back = get(pages[-1]["previous"].removeprefix("http://testserver"), key).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in pages[-2]["results"]]
    assert "q=Paged" in pages[0]["next"] and "page_size=50" in pages[0]["next"]


def test_the_claim_list_runs_the_same_queries_for_any_page_size(demo: None, editor: User, viewer: User) -> None:
    key = key_for(viewer)
    get(CLAIMS, key)  # the key's first use writes its last_used_at

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(f"{CLAIMS}?page_size={size}", key).status_code == 200
        return len(captured)

    few = queries(2)
    for number in range(30):
        factories.ClaimFactory(text=f"More claim {number}", created_by=editor)
    assert queries(30) == few
    assert queries(30) <= 12


def test_a_long_timeline_comes_in_pages(sent: Claim, editor: User, reviewer: User, viewer: User) -> None:
    from claimtracker.api.views import EVENTS_PAGE_SIZE

    actor, source = Actor.objects.first(), Source.objects.first()
    assert actor is not None and source is not None
    for number in range(EVENTS_PAGE_SIZE + 5):
        said = services.add_attribution(
            sent,
            actor=actor,
            source=source,
            stance=Stance.CONFIRMS,
            quote=f"Statement {number}",
            stated_on=datetime.date(2024, 11, 1) + datetime.timedelta(days=number),
            by=editor,
        )
        services.approve(said, by=reviewer)
    key = key_for(viewer)
    first = get(f"{CLAIMS}{sent.pk}/", key).json()
    whole = client_for(viewer).get(reverse("exports:timeline_json", args=[sent.pk])).json()["events"]
    assert first["timeline_count"] == len(whole) > EVENTS_PAGE_SIZE
    assert first["timeline"] == whole[:EVENTS_PAGE_SIZE] and first["timeline_previous"] is None
    second = get(first["timeline_next"].removeprefix("http://testserver"), key).json()
    assert second["timeline"] == whole[EVENTS_PAGE_SIZE:] and second["timeline_next"] is None
    assert second["timeline_previous"].endswith("events=1")
    assert get(f"{CLAIMS}{sent.pk}/?events=9", key).status_code == 400
    assert get(f"{CLAIMS}{sent.pk}/?events=0", key).status_code == 400


def test_the_claim_runs_the_same_queries_however_long_its_story(sent: Claim, editor: User, reviewer: User) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(f"{CLAIMS}{sent.pk}/").status_code == 200
        return len(captured)

    before = queries()
    actor, source = Actor.objects.first(), Source.objects.first()
    assert actor is not None and source is not None
    for day in range(1, 11):
        said = services.add_attribution(
            sent, actor=actor, source=source, stance=Stance.CONFIRMS, stated_on=datetime.date(2024, 11, day), by=editor
        )
        services.approve(said, by=reviewer)
    assert queries() == before


def test_the_claim_reads_its_page_of_events_without_a_server_side_cursor(sent: Claim) -> None:
    """A page of the timeline is read at once: a server-side cursor (DECLARE ...
    WITH HOLD, FETCH, CLOSE) is for the whole timeline's export alone."""
    if connection.vendor != "postgresql":
        pytest.skip("server-side cursors are PostgreSQL's")
    with CaptureQueriesContext(connection) as captured:
        assert get(f"{CLAIMS}{sent.pk}/").status_code == 200
    assert not [query["sql"] for query in captured if "DECLARE" in str(query["sql"])]


def test_the_claims_sides_and_page_of_events_are_kept_until_what_they_show_changes(
    sent: Claim, editor: User, reviewer: User, viewer: User
) -> None:
    """Kept written, for each version of the claim's data (and of people's names):
    a write by any means shows on the next read."""
    key = key_for(viewer)
    with CaptureQueriesContext(connection) as drawn:
        first = get(f"{CLAIMS}{sent.pk}/", key).json()
    with CaptureQueriesContext(connection) as kept:
        again = get(f"{CLAIMS}{sent.pk}/", key)
    assert again.json() == first
    read_again = " ".join(str(query["sql"]) for query in kept)
    assert "claims_evidence" not in read_again and len(kept) < len(drawn)  # neither the events nor the sides read

    seoul = Actor.objects.get(name="Government of South Korea")
    with connection.cursor() as cursor:  # as psql would: no Django signal, no service
        cursor.execute("UPDATE claims_actor SET name = %s WHERE id = %s", ["Seoul, renamed", seoul.pk])
    renamed = get(f"{CLAIMS}{sent.pk}/", key).json()
    assert "Seoul, renamed" in {side["actor"] for side in renamed["sides"]["supports"]}
    assert "Seoul, renamed" in {event["actor"] for event in renamed["timeline"]}

    actor, source = Actor.objects.get(name="Jake Sullivan"), Source.objects.first()
    assert source is not None
    said = services.add_attribution(
        sent, actor=actor, source=source, stance=Stance.DENIES, stated_on=datetime.date(2024, 11, 1), by=editor
    )
    services.approve(said, by=reviewer)
    later = get(f"{CLAIMS}{sent.pk}/", key).json()
    assert later["timeline_count"] == renamed["timeline_count"] + 1
    assert f"a{said.pk}" in {event["event_id"] for event in later["timeline"]}
    assert "Jake Sullivan" in {side["actor"] for side in later["sides"]["opposes"]}
    assert later["side_counts"]["opposes"] == len(later["sides"]["opposes"])


def test_a_written_part_of_an_answer_goes_in_as_written_and_escaped() -> None:
    marks = "written:" + "0" * 32  # stored text shaped like the renderer's mark is left as it is
    data = {"sides": written({"supports": [{"actor": "<b>A & B</b>"}]}), "text": marks, "n": 1}
    body = SafeJSONRenderer().render(data)
    assert b"<" not in body and b">" not in body and b"&" not in body
    assert json.loads(body) == {"sides": {"supports": [{"actor": "<b>A & B</b>"}]}, "text": marks, "n": 1}


def test_stored_text_is_escaped_in_the_json(demo: None, editor: User, reviewer: User) -> None:
    claim = assessed("</script><script>alert(1)</script> & more", editor, reviewer)
    services.publish(claim, by=reviewer)
    body = get(f"{CLAIMS}{claim.pk}/").content
    assert b"<" not in body and b">" not in body and b"&" not in body.replace(b"&more", b"")
    assert get(f"{CLAIMS}{claim.pk}/").json()["text"] == "</script><script>alert(1)</script> & more"


# --- Actors and sources ------------------------------------------------------------------------------------


def test_an_actor_carries_its_track_record_and_a_link_to_its_claims(sent: Claim, viewer: User) -> None:
    key = key_for(viewer)
    seoul = Actor.objects.get(name="Government of South Korea")
    data = get(f"/api/v1/actors/{seoul.pk}/", key).json()
    assert data["name"] == "Government of South Korea"
    assert data["track_record"]["supported_true"] >= 1
    claims = get(data["claims_url"].removeprefix("http://testserver"), key).json()["results"]
    assert sent.pk in {row["id"] for row in claims}
    names = [row["name"] for row in get("/api/v1/actors/?page_size=100", key).json()["results"]]
    assert names == sorted(names)
    assert get("/api/v1/actors/?q=Yonhap", key).json()["results"][0]["name"] == "Yonhap News Agency"
    assert get("/api/v1/actors/999999/", key).status_code == 404


def test_an_actors_track_record_follows_a_verdict_changed_by_any_means(sent: Claim, viewer: User) -> None:
    """Kept as the actor's page keeps it, under the actor's data and the
    vocabulary: a claim it supports judged false shows on the next read."""
    key = key_for(viewer)
    seoul = Actor.objects.get(name="Government of South Korea")
    before = get(f"/api/v1/actors/{seoul.pk}/", key).json()["track_record"]
    assert get(f"/api/v1/actors/{seoul.pk}/", key).json()["track_record"] == before
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_claim SET current_status_id = (SELECT id FROM claims_status WHERE slug = 'false')"
            " WHERE id = %s",
            [sent.pk],
        )
    after = get(f"/api/v1/actors/{seoul.pk}/", key).json()["track_record"]
    assert after["supported_false"] == before["supported_false"] + 1
    assert after["supported_true"] == before["supported_true"] - 1


def test_a_source_carries_its_text_and_attributions(sent: Claim, editor: User, viewer: User) -> None:
    source = Source.objects.get()
    data = get(f"/api/v1/sources/{source.pk}/", key_for(viewer)).json()
    assert data["body"] == source.body and data["title"] == source.title
    assert data["attribution_count"] == len(data["attributions"]) > 0
    assert all(row["review_state"] == ReviewState.APPROVED for row in data["attributions"])
    listed = get("/api/v1/sources/", key_for(viewer)).json()["results"]
    assert [row["id"] for row in listed] == [source.pk] and "body" not in listed[0]
    assert get("/api/v1/sources/999999/", key_for(viewer)).status_code == 404


# --- Answers ------------------------------------------------------------------------------------------------


def test_answers_vary_by_caller_and_a_callers_are_not_kept(sent: Claim, viewer: User) -> None:
    anonymous = get(CLAIMS)
    assert {"Authorization", "Cookie"} <= {v.strip() for v in anonymous["Vary"].split(",")}
    keyed = get(CLAIMS, key_for(viewer))
    assert "private" in keyed["Cache-Control"] and "no-store" in keyed["Cache-Control"]
    assert "Set-Cookie" not in keyed


def test_the_rate_limit_is_per_key(demo: None, viewer: User, settings: Any) -> None:
    settings.API_RATE_LIMIT = "3/minute"
    settings.API_ANONYMOUS_RATE_LIMIT = "2/minute"
    first, second = key_for(viewer), key_for(viewer)
    assert [get(CLAIMS, first).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = get(CLAIMS, first)
    assert int(refused["Retry-After"]) > 0 and "throttled" in refused.json()["detail"]
    assert get(CLAIMS, second).status_code == 200  # another key has its own count
    assert [get(CLAIMS).status_code for _ in range(3)] == [200, 200, 429]


def test_the_schema_and_the_docs_are_served_by_the_app(demo: None) -> None:
    schema = Client().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/claims/",
        "/api/v1/claims/{id}/",
        "/api/v1/actors/",
        "/api/v1/actors/{id}/",
        "/api/v1/sources/",
        "/api/v1/sources/{id}/",
    }
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    docs = Client().get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    assert "<style" not in docs and "<script>" not in docs  # the page's CSP allows neither inline
    assert "https://" not in docs and "http://" not in docs
    refused = Client().post("/api/v1/schema/")
    assert refused.status_code == 405 and refused.json()["detail"]
    script = Client().get("/api/v1/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
