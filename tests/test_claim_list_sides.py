"""/claims/: how many actors support and oppose each claim, counted as the claim
page counts its sides; the status filter as checkboxes; the date range as one group."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.claims import queries, services
from claimtracker.claims.models import Actor, Attribution, Claim, Stance
from claimtracker.claims.views.claims import PAGE_SIZE
from tests.conftest import client_for, forget_rendered
from tests.factories import ActorFactory, AttributionFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

TROOPS = "North Korea has sent troops to Russia"


def say(claim: Claim, actor: Actor, stance: str, day: int, reviewer: User, **extra: object) -> Attribution:
    """An approved attribution: ``actor`` takes ``stance`` on 2024-10-``day``."""
    item = AttributionFactory(claim=claim, actor=actor, stance=stance, stated_on=datetime.date(2024, 10, day), **extra)
    services.approve(item, by=reviewer)
    return item


def listed_sides(client: Client, **params: object) -> dict[str, tuple[int, int]]:
    """Each listed claim's text with (supporters, opponents), as the list's rows carry them."""
    response = client.get(reverse("claims:list"), params)
    assert response.status_code == 200
    return {claim.text: (sides.supports, sides.opposes) for claim, sides, _ in response.context["rows"]}


def words(html: str) -> str:
    """The page's text as it reads, without tags."""
    return re.sub(r"<[^>]+>", "", html)


def page_sides(client: Client, claim: Claim) -> tuple[int, int]:
    """What the claim page shows: the actors on each side, shown and "and N other actors"."""
    response = client.get(reverse("claims:detail", args=[claim.pk]))
    assert response.status_code == 200
    sides = response.context["sides"]
    return tuple(len(sides[p].shown) + sides[p].more for p in ("supports", "opposes"))  # type: ignore[return-value]


# --- The counts -------------------------------------------------------------------------------------


def test_an_actor_counts_once_by_its_latest_stance(viewer: User, reviewer: User) -> None:
    claim = ClaimFactory(text="The troops crossed the border")
    turned = ActorFactory(name="Turned against it")
    say(claim, turned, Stance.ASSERTS, 1, reviewer)
    say(claim, turned, Stance.DENIES, 5, reviewer)
    won_over = ActorFactory(name="Won over")
    say(claim, won_over, Stance.DISPUTES, 2, reviewer)
    say(claim, won_over, Stance.CONFIRMS, 3, reviewer)
    say(claim, won_over, Stance.ASSERTS, 4, reviewer)  # supporting twice is one supporter
    hedged = ActorFactory(name="Hedged")
    say(claim, hedged, Stance.ASSERTS, 1, reviewer)
    say(claim, hedged, Stance.QUALIFIES, 6, reviewer)  # neutral at last: on neither side
    retracted = ActorFactory(name="Retracted")
    say(claim, retracted, Stance.ASSERTS, 1, reviewer)
    say(claim, retracted, Stance.RETRACTS, 7, reviewer)  # a retraction counts against
    # Said on the same day: the later recorded one is the latest, as on the claim page.
    same_day = ActorFactory(name="Same day")
    say(claim, same_day, Stance.DENIES, 8, reviewer)
    say(claim, same_day, Stance.ACKNOWLEDGES, 8, reviewer)
    # An older date recorded later does not replace a newer one.
    late_news = ActorFactory(name="Late news")
    say(claim, late_news, Stance.CONFIRMS, 9, reviewer)
    say(claim, late_news, Stance.DENIES, 2, reviewer)

    client = client_for(viewer)
    assert listed_sides(client)[claim.text] == (3, 2) == page_sides(client, claim)
    assert "3 support · 2 oppose" in words(client.get(reverse("claims:list")).content.decode())


def test_pending_rejected_withdrawn_and_corrected_stances_do_not_count(
    viewer: User, editor: User, reviewer: User
) -> None:
    claim = ClaimFactory(text="The troops were moved by rail")
    source = SourceFactory()
    AttributionFactory(claim=claim, stance=Stance.ASSERTS)  # pending
    rejected = AttributionFactory(claim=claim, stance=Stance.ASSERTS)
    services.reject(rejected, by=reviewer, note="Not in the source.")
    withdrawn = services.add_attribution(
        claim, actor=ActorFactory(), source=source, stance=Stance.DENIES, stated_on=datetime.date(2024, 10, 2),
        quote="denied", by=editor,
    )  # fmt: skip
    services.withdraw(withdrawn, by=editor)
    # An actor whose pending later stance would change sides: still counted by the approved one.
    steady = ActorFactory(name="Steady")
    say(claim, steady, Stance.CONFIRMS, 1, reviewer)
    AttributionFactory(claim=claim, actor=steady, stance=Stance.DENIES, stated_on=datetime.date(2024, 10, 9))
    # A stance and its date read wrongly and corrected: once the correction is approved, it
    # counts instead, although the original, which stays on record, has the later date.
    misread = say(claim, ActorFactory(name="Misread"), Stance.ASSERTS, 3, reviewer)
    correction = services.correct_attribution(
        misread, by=editor, actor=misread.actor, source=misread.source, stance=Stance.DENIES,
        stated_on=datetime.date(2024, 10, 2), quote="the troops had left",
    )  # fmt: skip
    client = client_for(viewer)
    assert listed_sides(client)[claim.text] == (2, 0)  # the correction waits for review
    services.approve(correction, by=reviewer)
    assert listed_sides(client)[claim.text] == (1, 1) == page_sides(client, claim)


def test_affiliated_actors_and_intermediaries_count_as_the_claim_page_lists_them(viewer: User, reviewer: User) -> None:
    claim = ClaimFactory(text="The troops are in Kursk")
    government = ActorFactory(name="Government")
    office = ActorFactory(name="Office", parent=government)
    spokesman = ActorFactory(name="Spokesman", parent=office)
    spokesman.aliases.create(name="The spokesman")
    agency = ActorFactory(name="State news agency")
    say(claim, spokesman, Stance.ASSERTS, 1, reviewer)
    say(claim, office, Stance.CONFIRMS, 2, reviewer)  # the body it speaks for: listed, so counted, apart
    say(claim, ActorFactory(name="Rival", parent=government), Stance.DENIES, 3, reviewer, via=agency)
    # The intermediary of reported speech ("via") takes no stance of its own: not counted.
    client = client_for(viewer)
    assert listed_sides(client)[claim.text] == (2, 1) == page_sides(client, claim)
    # The suggestion merges actors under one root into one side (here the latest, the denial): the list does not.
    voices = queries.voices(queries.approved_stances(claim))
    assert (voices.supporters, voices.opponents) == (0, 1)


def test_a_claim_no_one_took_a_stance_on_reads_zero_on_both_sides(viewer: User) -> None:
    claim = ClaimFactory(text="No one has said so yet")
    AttributionFactory(claim=claim)  # pending
    client = client_for(viewer)
    assert listed_sides(client)[claim.text] == (0, 0)
    assert "0 support · 0 oppose" in words(client.get(reverse("claims:list")).content.decode())


def test_the_list_agrees_with_the_claim_page_for_the_demo(demo: None, viewer: User) -> None:
    client = client_for(viewer)
    listed = listed_sides(client)
    assert len(listed) == Claim.objects.count() == 6
    for claim in Claim.objects.all():
        assert listed[claim.text] == page_sides(client, claim), claim.text
    # The troops claim: asserted and denied; the seed's denials stand against it.
    supporters, opponents = listed[TROOPS]
    assert supporters >= 2 and opponents >= 1
    assert f"{supporters} support · {opponents} oppose" in words(client.get(reverse("claims:list")).content.decode())


def test_counts_are_plain_words_in_the_htmx_partial_too(demo: None, viewer: User) -> None:
    html = client_for(viewer).get(reverse("claims:list"), headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert '<th scope="col">Actors</th>' in html
    assert re.search(r'<span class="count-supports">\d+ support</span> · <span class="count-opposes', html)


# --- Queries ----------------------------------------------------------------------------------------


def list_queries(user: User, **params: str) -> list[str]:
    forget_rendered()
    with CaptureQueriesContext(connection) as captured:
        response = client_for(user).get(reverse("claims:list"), params)
    assert response.status_code == 200
    return [query["sql"] for query in captured]


def test_the_counts_cost_one_query_whatever_the_page(viewer: User, reviewer: User) -> None:
    lone = ClaimFactory(text="A lone claim")
    say(lone, ActorFactory(), Stance.ASSERTS, 1, reviewer)
    one = list_queries(viewer)
    assert sum("ROW_NUMBER" in sql.upper() for sql in one) == 1

    # A full page and more; one claim with many actors, several stances each.
    crowded = ClaimFactory(text="A crowded claim")
    for n in range(30):
        actor = ActorFactory()
        say(crowded, actor, Stance.ASSERTS, 1, reviewer)
        say(crowded, actor, Stance.DENIES if n % 3 else Stance.QUALIFIES, 2, reviewer)
    for n in range(PAGE_SIZE + 5):
        claim = ClaimFactory(text=f"Claim {n} of many")
        for day in range(1, 4):
            say(claim, ActorFactory(), Stance.CONFIRMS if day % 2 else Stance.DISPUTES, day, reviewer)
    full = list_queries(viewer)
    assert len(full) == len(one)
    client = client_for(viewer)
    assert listed_sides(client, q="crowded") == {"A crowded claim": (0, 20)}
    # The second page too.
    html = client.get(reverse("claims:list")).content.decode()
    link = re.search(r'after=([^"&]+)" hx-target="#results" hx-swap="outerHTML" hx-push-url="true" rel="next"', html)
    assert link, "no link to the next page"
    older = link.group(1)
    assert len(list_queries(viewer, after=older)) == len(one)


def test_an_empty_page_asks_for_no_counts(viewer: User) -> None:
    sqls = list_queries(viewer, q="nothing like this")
    assert not any("ROW_NUMBER" in sql.upper() for sql in sqls)


# --- The filters ------------------------------------------------------------------------------------


def test_status_filter_is_a_group_of_checkboxes_that_keeps_the_query_string(demo: None, viewer: User) -> None:
    client = client_for(viewer)
    response = client.get("/claims/?status=corroborated&status=reported")
    html = response.content.decode()
    listed = {claim.text for claim, _, _ in response.context["rows"]}
    assert listed == set(Claim.objects.filter(current_status__slug__in=["corroborated", "reported"]).values_list(
        "text", flat=True
    ))  # fmt: skip
    assert '<select name="status"' not in html
    group = re.search(r'<fieldset class="group statuses">\s*<legend>Status</legend>(.*?)</fieldset>', html, re.S)
    assert group, "no fieldset with a legend around the statuses"
    boxes = re.findall(r'<input type="checkbox" name="status" value="([\w-]+)"([^>]*)>', group.group(1))
    assert len(boxes) == 8
    assert {value for value, attrs in boxes if "checked" in attrs} == {"corroborated", "reported"}
    for value, attrs in boxes:  # each box has its own label
        box_id = re.search(r'id="([\w-]+)"', attrs)
        assert box_id and f'<label for="{box_id.group(1)}">' in group.group(1), value
    # Links keep the repeated parameter: the CSV export and the next page read it as before.
    assert 'href="/claims/export.csv?status=corroborated&amp;status=reported"' in html
    one = client.get("/claims/?status=corroborated").context["rows"]
    assert {claim.text for claim, _, _ in one} < listed


def test_the_two_dates_are_one_group(demo: None, viewer: User) -> None:
    html = client_for(viewer).get("/claims/", {"date_from": "2024-10-21", "date_to": "2024-10-25"}).content.decode()
    group = re.search(r'<fieldset class="group dates">\s*<legend>Said or changed</legend>(.*?)</fieldset>', html, re.S)
    assert group
    assert '<label for="id_date_from">From</label>' in group.group(1)
    assert '<label for="id_date_to">To</label>' in group.group(1)
    assert 'name="date_from" value="2024-10-21"' in group.group(1)
    assert 'name="date_to" value="2024-10-25"' in group.group(1)


def test_filters_still_refresh_the_results_on_change(demo: None, viewer: User) -> None:
    html = client_for(viewer).get("/claims/").content.decode()
    form = re.search(r'<form method="get" action="/claims/" class="filters".*?</form>', html, re.S)
    assert form
    assert 'hx-trigger="input changed delay:300ms from:#id_q, change, submit"' in form.group(0)
    assert 'name="status"' in form.group(0) and 'name="date_to"' in form.group(0)
    assert "<script" not in form.group(0)
