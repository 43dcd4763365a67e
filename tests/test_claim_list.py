"""/claims/: search in any language, filters, sorting, pagination, htmx partials."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client

from claimtracker.claims import services
from claimtracker.claims.models import Claim, Status
from tests.conftest import client_for
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

TROOPS = "North Korea has sent troops to Russia"
FORECAST = "North Korea will have sent about 10,000 troops to Russia by the end of 2024"
AT_LEAST = "At least 3,000 North Korean troops were moved to eastern Russia in October 2024"
UKRAINE = "The troops may be used against Ukraine"
SHIP = "The troops were moved by ship"
UNSC = "DPRK-Russia arms and missile transfers violate UN Security Council resolutions"


@pytest.fixture
def client(demo: None, viewer: User) -> Client:
    return client_for(viewer)


def listed(client: Client, **params: str) -> list[str]:
    response = client.get("/claims/", params)
    assert response.status_code == 200
    return [claim.text for claim in response.context["page"].object_list]


def test_search_matches_claim_text_quotes_actor_names_and_korean_aliases(client: Client) -> None:
    assert set(listed(client, q="ship")) == {SHIP, TROOPS}  # claim text, and a quote of the troops claim
    assert listed(client, q="groundless rumor") == [TROOPS]  # a quote
    assert set(listed(client, q="Kirby")) == {UKRAINE, UNSC}  # an actor, directly and as intermediary
    assert set(listed(client, q="국가정보원")) == {FORECAST, AT_LEAST}  # NIS by its Korean alias
    assert listed(client, q="nothing-like-this") == []


def test_search_ranks_claim_text_above_quotes(client: Client, settings: object) -> None:
    from django.db import connection

    results = listed(client, q="ship")
    if connection.vendor == "postgresql":
        assert results[0] == SHIP  # weight A (claim text) beats weight B (quote)
    assert set(results) == {SHIP, TROOPS}


def test_search_ignores_operators_and_markup(client: Client) -> None:
    assert set(listed(client, q="ship & | ! :* ( )")) == set(listed(client, q="ship")) == {SHIP, TROOPS}
    assert listed(client, q="'; DROP TABLE claims_claim; --") == []
    assert Claim.objects.count() == 6
    response = client.get("/claims/", {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_filters_by_status_actor_stance_topic(client: Client) -> None:
    from claimtracker.claims.models import Actor, Topic

    assert set(listed(client, status="corroborated")) == {TROOPS, AT_LEAST, SHIP}
    assert set(listed(client, status=["corroborated", "reported"])) == set(Claim.objects.values_list("text", flat=True))
    nis = Actor.objects.get(short_name="NIS")
    assert set(listed(client, actor=str(nis.pk))) == {FORECAST, AT_LEAST}
    assert listed(client, stance="denies") == [TROOPS]
    assert listed(client, topic=Topic.objects.get(name="Sanctions").slug) == [UNSC]


def test_filters_by_date_range_of_statements_and_changes(client: Client) -> None:
    assert listed(client, date_from="2024-10-21", date_to="2024-10-21") == [TROOPS]
    assert set(listed(client, date_from="2024-10-25")) == {TROOPS, AT_LEAST, UKRAINE, UNSC}


def test_pending_and_overdue_filters(client: Client, editor: User) -> None:
    claim = Claim.objects.get(text=SHIP)
    services.propose_status_change(
        claim,
        status=Status.objects.get(slug="confirmed"),
        effective_on=datetime.date(2024, 11, 1),
        rationale="More sources.",
        by=editor,
    )
    assert listed(client_for(editor), pending="on") == [SHIP]  # the desk's filter
    assert len(listed(client, pending="on")) == 6  # a viewer's is ignored: it would tell of work in review
    # The forecast was due 2024-12-31 and is still only "reported" (open).
    assert listed(client, overdue="on") == [FORECAST]


def test_sorting(client: Client) -> None:
    assert listed(client, sort="oldest")[0] == TROOPS
    assert listed(client, sort="newest")[0] == UNSC
    assert listed(client, sort="due")[0] == FORECAST


def test_bad_filter_values_are_reported_not_crashed(client: Client) -> None:
    response = client.get(
        "/claims/", {"status": "no-such-status", "actor": "abc", "date_from": "2024-02-30", "sort": "sideways"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters could not be read" in html
    assert "Select a valid choice" in html and "Enter a valid date" in html
    assert "No actor is called “abc”" in html


def test_reversed_date_range_is_refused(client: Client) -> None:
    response = client.get("/claims/", {"date_from": "2024-10-25", "date_to": "2024-10-01"})
    assert "The end date comes before the start date." in response.content.decode()


def test_pages_follow_links_and_keep_filters(viewer: User, editor: User) -> None:
    for i in range(30):
        ClaimFactory(text=f"Shipment number {i} arrived", created_by=editor)
    client = client_for(viewer)

    first = client.get("/claims/", {"q": "shipment"})
    older = re.search(r'href="\?q=shipment&amp;after=([\w-]+)"', first.content.decode())
    assert older, "no link to the next page carrying the search"
    second = client.get("/claims/", {"q": "shipment", "after": older.group(1)})
    newer = re.search(r'href="\?q=shipment&amp;before=([\w-]+)"', second.content.decode())
    assert newer
    back = client.get("/claims/", {"q": "shipment", "before": newer.group(1)})

    names = [c.text for c in first.context["page"].object_list]
    rest = [c.text for c in second.context["page"].object_list]
    assert len(names) == 25 and len(rest) == 5 and not set(names) & set(rest)
    assert [c.text for c in back.context["page"].object_list] == names
    assert "30 claims" in first.content.decode()
    assert second.context["page"].older is None  # the last page


def test_broken_page_link_shows_the_first_page_with_a_message(client: Client) -> None:
    for cursor in ["not-a-cursor", "W10", "eyJ4IjoxfQ", "WyJhIiwxXQ", "WzEsMiwzXQ", "W3sidCI6IjIwMjQifSxudWxsXQ"]:
        response = client.get("/claims/", {"after": cursor})
        assert response.status_code == 200
        assert "That page link is broken" in response.content.decode()
        assert len(response.context["page"].object_list) == 6


def test_count_stops_at_the_cap(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimtracker.claims.views import claims as views

    monkeypatch.setattr(views, "COUNT_CAP", 4)
    html = client.get("/claims/").content.decode()
    assert "More than 4 claims" in html


def test_htmx_request_gets_only_the_results_partial(client: Client) -> None:
    response = client.get("/claims/", {"q": "ship"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and "<form" not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client: Client) -> None:
    response = client.get(
        "/claims/", {"q": "ship"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_list_is_usable_without_javascript(client: Client) -> None:
    html = client.get("/claims/").content.decode()
    assert '<form method="get" action="/claims/"' in html
    assert '<label for="id_q">' in html
    assert '<button type="submit">Apply filters</button>' in html


def test_postgresql_search_is_served_by_the_gin_index(client: Client) -> None:
    from django.db import connection

    from claimtracker.claims.search import search

    if connection.vendor != "postgresql":
        pytest.skip("the GIN index exists on PostgreSQL only; SQLite searches without it")
    with connection.cursor() as cursor:
        # The demo tables are tiny: leave the planner no other way to find matches than an index.
        for method in ("seqscan", "nestloop", "indexscan"):
            cursor.execute(f"SET enable_{method} = off")
    # Ordered by rank, as the list orders a search.
    plan = search(Claim.objects.all(), "troops").order_by(F("rank").desc()).explain()
    assert "claim_search_gin_document" in plan


def test_search_follows_edits_and_new_claims(client: Client, editor: User) -> None:
    claim = Claim.objects.get(text=SHIP)
    services.update_claim(claim, by=editor, expected_version=claim.version, text="The troops were moved by aircraft")
    made = services.create_claim(text="Submarine sighting near Vladivostok", by=editor)

    assert SHIP not in listed(client, q="ship")
    assert listed(client, q="aircraft") == ["The troops were moved by aircraft"]
    assert listed(client, q="vladivostok") == [made.text]
