"""/actors/new/ and /actors/<id>/edit/: aliases in any script, a parent without
loops, Wikidata ids, similar actors while typing, the history of edits, the
role rules, and the actor page's query count."""

import datetime
import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Actor, ActorKind, Status
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory, StatusChangeFactory
from tests.html_forms import form_on

pytestmark = pytest.mark.django_db


def actor_data(**overrides: object) -> dict[str, object]:
    return {
        "submission": str(uuid.uuid4()),
        "name": "National Intelligence Service",
        "short_name": "NIS",
        "kind": "intelligence_agency",
        "country": "kr",
        "parent": "",
        "aliases": "국가정보원\nSeoul's top intelligence agency\n",
        "wikidata_id": "q475474",
        "description": "South Korea's intelligence agency.",
    } | overrides


def errors_of(html: str) -> str:
    return " ".join(re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', html, re.S))


def textarea(value: str) -> str:
    """A textarea's value as a browser reads it: the newline right after the tag is not part of it."""
    return value.removeprefix("\n")


# --- Creating and editing --------------------------------------------------------------------------


def test_editor_records_an_actor_with_aliases_in_any_script(editor: User) -> None:
    seoul = ActorFactory(name="Government of South Korea", kind=ActorKind.GOVERNMENT)

    response = client_for(editor).post(reverse("claims:actor_create"), actor_data(parent="Government of South Korea"))

    nis = Actor.objects.get(name="National Intelligence Service")
    assert response.status_code == 302 and response["Location"] == nis.get_absolute_url()
    assert (nis.short_name, nis.kind, nis.country, nis.parent, nis.wikidata_id, nis.description) == (
        "NIS",
        "intelligence_agency",
        "KR",
        seoul,
        "Q475474",
        "South Korea's intelligence agency.",
    )
    assert sorted(nis.aliases.values_list("name", flat=True)) == sorted(
        ["국가정보원", "Seoul's top intelligence agency"]
    )


def test_actor_page_shows_what_was_entered(editor: User, viewer: User) -> None:
    ActorFactory(name="Government of South Korea", kind=ActorKind.GOVERNMENT)
    client_for(editor).post(reverse("claims:actor_create"), actor_data(parent="Government of South Korea"))
    nis = Actor.objects.get(name="National Intelligence Service")

    html = client_for(viewer).get(nis.get_absolute_url()).content.decode()

    assert "국가정보원" in html
    assert "Seoul&#x27;s top intelligence agency" in html
    assert "Government of South Korea</a>" in html
    assert 'href="https://www.wikidata.org/wiki/Q475474"' in html


def test_korean_alias_finds_the_actor_in_lookups_and_forms(editor: User) -> None:
    client = client_for(editor)
    client.post(reverse("claims:actor_create"), actor_data())

    suggestions = client.get(reverse("claims:lookup", args=["actors"]), {"q": "국가정보"}).content.decode()
    assert '<option value="National Intelligence Service">' in suggestions

    # Typed in another actor's parent field, the alias names the actor.
    client.post(
        reverse("claims:actor_create"),
        actor_data(name="NIS director", short_name="", aliases="", wikidata_id="", parent="국가정보원"),
    )
    assert Actor.objects.get(name="NIS director").parent.name == "National Intelligence Service"


def test_aliases_are_one_a_line_without_blanks_or_repeats(editor: User) -> None:
    client_for(editor).post(
        reverse("claims:actor_create"), actor_data(aliases="  NIS  \n\n국가정보원\r\nNIS\n   \n국정원")
    )
    nis = Actor.objects.get()
    assert sorted(nis.aliases.values_list("name", flat=True)) == sorted(["NIS", "국가정보원", "국정원"])


def test_editing_replaces_the_aliases(editor: User) -> None:
    client = client_for(editor)
    client.post(reverse("claims:actor_create"), actor_data())
    nis = Actor.objects.get()
    url = reverse("claims:actor_edit", args=[nis.pk])

    form = form_on(client.get(url).content)
    assert textarea(form["aliases"]).splitlines() == sorted(["국가정보원", "Seoul's top intelligence agency"])
    form["aliases"] = "국가정보원\n국정원"
    response = client.post(url, form)

    assert response.status_code == 302
    assert sorted(nis.aliases.values_list("name", flat=True)) == sorted(["국가정보원", "국정원"])


def test_over_long_alias_is_refused(editor: User) -> None:
    response = client_for(editor).post(reverse("claims:actor_create"), actor_data(aliases="NIS\n" + "가" * 201))
    assert response.status_code == 400
    assert "An alias may have up to 200 characters" in errors_of(response.content.decode())
    assert not Actor.objects.exists()


def test_name_already_recorded_is_refused(editor: User) -> None:
    ActorFactory(name="National Intelligence Service")
    response = client_for(editor).post(reverse("claims:actor_create"), actor_data(wikidata_id=""))
    assert response.status_code == 400
    assert "An actor of this name is already recorded: use that one, or give a fuller name." in errors_of(
        response.content.decode()
    )
    assert Actor.objects.count() == 1


# --- The parent, without loops ------------------------------------------------------------------------


def test_parent_loop_is_refused_with_an_error_and_nothing_changes(editor: User) -> None:
    client = client_for(editor)
    white_house = ActorFactory(name="White House", kind=ActorKind.GOVERNMENT)
    kirby = ActorFactory(name="John Kirby", kind=ActorKind.PERSON, parent=white_house)
    history_before = white_house.history.count()

    response = client.post(
        reverse("claims:actor_edit", args=[white_house.pk]),
        actor_data(
            name="White House",
            short_name="",
            kind="government",
            country="US",
            aliases="",
            wikidata_id="",
            parent="John Kirby",
        ),
    )

    assert response.status_code == 400
    assert "This parent would make a loop of affiliations." in errors_of(response.content.decode())
    white_house.refresh_from_db()
    kirby.refresh_from_db()
    assert (white_house.parent, white_house.country, kirby.parent) == (None, "", white_house)
    assert white_house.history.count() == history_before


def test_longer_parent_loop_is_refused(editor: User) -> None:
    government = ActorFactory(name="Government of the United States")
    white_house = ActorFactory(name="White House", parent=government)
    ActorFactory(name="John Kirby", parent=white_house)

    response = client_for(editor).post(
        reverse("claims:actor_edit", args=[government.pk]),
        actor_data(name=government.name, short_name="", aliases="", wikidata_id="", parent="John Kirby"),
    )

    assert response.status_code == 400
    assert "This parent would make a loop of affiliations." in response.content.decode()
    government.refresh_from_db()
    assert government.parent is None


def test_actor_cannot_be_its_own_parent(editor: User) -> None:
    white_house = ActorFactory(name="White House")
    response = client_for(editor).post(
        reverse("claims:actor_edit", args=[white_house.pk]),
        actor_data(name="White House", short_name="", aliases="", wikidata_id="", parent="White House"),
    )
    assert response.status_code == 400
    assert "An actor cannot be its own parent." in response.content.decode()
    white_house.refresh_from_db()
    assert white_house.parent is None


def test_edit_page_shows_the_parent_by_name(editor: User) -> None:
    white_house = ActorFactory(name="White House")
    kirby = ActorFactory(name="John Kirby", parent=white_house)

    form = form_on(client_for(editor).get(reverse("claims:actor_edit", args=[kirby.pk])).content)

    assert form["parent"] == "White House"


@pytest.mark.parametrize("country", ["Korea", "KOR"])
def test_a_country_given_otherwise_than_by_its_code_asks_for_the_code(editor: User, country: str) -> None:
    response = client_for(editor).post(reverse("claims:actor_create"), actor_data(country=country))
    assert response.status_code == 400
    assert "Enter the 2-letter country code, such as KR for South Korea." in errors_of(response.content.decode())
    assert not Actor.objects.exists()


# --- Wikidata ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("wikidata_id", ["P31", "Q0", "Q12a", "475474", "Q-1", "Q 42"])
def test_bad_wikidata_id_is_refused(editor: User, wikidata_id: str) -> None:
    response = client_for(editor).post(reverse("claims:actor_create"), actor_data(wikidata_id=wikidata_id))
    assert response.status_code == 400
    assert "Enter a Wikidata item id such as Q35525." in errors_of(response.content.decode())
    assert not Actor.objects.exists()


def test_wikidata_id_of_another_actor_is_refused(editor: User) -> None:
    ActorFactory(name="NIS (old record)", wikidata_id="Q475474")
    response = client_for(editor).post(reverse("claims:actor_create"), actor_data(wikidata_id="Q475474"))
    assert response.status_code == 400
    assert "Another actor already has this Wikidata id." in errors_of(response.content.decode())
    assert Actor.objects.count() == 1


# --- Similar actors while typing -----------------------------------------------------------------------


def test_similar_actors_match_name_short_name_and_alias(editor: User) -> None:
    client = client_for(editor)
    client.post(reverse("claims:actor_create"), actor_data())
    ActorFactory(name="John Kirby")

    def similar(text: str) -> str:
        response = client.get(reverse("claims:similar_actors"), {"name": text}, headers={"HX-Request": "true"})
        return response.content.decode()

    for text in ("Intelligence Serv", "nis", "국가정보", "top intelligence"):
        html = similar(text)
        assert html.lstrip().startswith('<div id="similar-actors"'), text
        assert "National Intelligence Service" in html, text
        assert "John Kirby" not in html, text
    assert "National Intelligence Service" not in similar("x")


def test_similar_actors_leave_out_the_actor_being_edited(editor: User) -> None:
    nis = ActorFactory(name="National Intelligence Service")
    html = (
        client_for(editor)
        .get(reverse("claims:similar_actors"), {"name": "Intelligence", "exclude": nis.pk})
        .content.decode()
    )
    assert "National Intelligence Service" not in html


def test_new_actor_page_shows_similar_actors_after_a_refusal(editor: User) -> None:
    ActorFactory(name="National Intelligence Service")
    response = client_for(editor).post(reverse("claims:actor_create"), actor_data(wikidata_id="Q0"))
    html = response.content.decode()
    assert "Similar actors already recorded" in html


# --- No silent cuts, saving once, history, roles ---------------------------------------------------------


def test_actor_form_sets_no_maxlength_and_says_the_limit(editor: User) -> None:
    html = client_for(editor).get(reverse("claims:actor_create")).content.decode()
    assert "maxlength" not in html
    assert "Up to 5,000 characters." in html


def test_over_long_description_is_refused_keeping_what_was_typed(editor: User) -> None:
    response = client_for(editor).post(reverse("claims:actor_create"), actor_data(description="d" * 5001))
    assert response.status_code == 400
    assert "Ensure this value has at most 5000 characters (it has 5001)." in errors_of(response.content.decode())
    assert form_on(response.content)["short_name"] == "NIS"
    assert not Actor.objects.exists()


def test_double_submit_records_one_actor(editor: User) -> None:
    client = client_for(editor)
    data = actor_data()
    client.post(reverse("claims:actor_create"), data)
    client.post(reverse("claims:actor_create"), data)
    assert Actor.objects.count() == 1


def test_double_submit_lands_the_second_click_on_the_saved_actor(editor: User) -> None:
    client = client_for(editor)
    data = actor_data()
    first = client.post(reverse("claims:actor_create"), data)
    second = client.post(reverse("claims:actor_create"), data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"] == Actor.objects.get().get_absolute_url()


def test_actor_page_shows_the_history_of_edits(editor: User, other_editor: User, viewer: User) -> None:
    client_for(editor).post(reverse("claims:actor_create"), actor_data())
    nis = Actor.objects.get()
    client_for(other_editor).post(
        reverse("claims:actor_edit", args=[nis.pk]), actor_data(description="Seoul's spy agency.")
    )

    html = client_for(viewer).get(nis.get_absolute_url()).content.decode()

    body = html[html.index("<body") :]
    history = body[body.index("History of edits") :]
    assert "edith changed the actor" in history
    assert "ed created the actor" in history


def test_actor_page_title_is_the_actors_name(editor: User, viewer: User) -> None:
    client_for(editor).post(reverse("claims:actor_create"), actor_data())
    nis = Actor.objects.get()

    html = client_for(viewer).get(nis.get_absolute_url()).content.decode()

    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None
    assert title.group(1).strip() == "National Intelligence Service · Claim Tracker"
    assert html.count("History of edits") == 1


def test_edit_of_unknown_actor_is_404(editor: User) -> None:
    assert client_for(editor).get(reverse("claims:actor_edit", args=[424242])).status_code == 404


def test_viewer_cannot_open_or_post_actor_forms(viewer: User) -> None:
    nis = ActorFactory(name="National Intelligence Service", description="Kept as it was")
    client = client_for(viewer)
    new = reverse("claims:actor_create")
    edit = reverse("claims:actor_edit", args=[nis.pk])

    assert client.get(new).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.get(reverse("claims:similar_actors"), {"name": "Intel"}).status_code == 403
    assert client.post(new, actor_data(name="Viewer's actor")).status_code == 403
    assert client.post(edit, actor_data(description="Changed by a viewer")).status_code == 403
    assert client.post(new, actor_data(create="parent")).status_code == 403
    assert client.get(new, {"dialog": "id_actor", "actor": "X"}, headers={"HX-Request": "true"}).status_code == 403
    nis.refresh_from_db()
    assert (Actor.objects.count(), nis.description) == (1, "Kept as it was")


def test_editor_sees_edit_link_viewer_does_not(editor: User, viewer: User) -> None:
    nis = ActorFactory()
    edit = reverse("claims:actor_edit", args=[nis.pk])
    assert edit in client_for(editor).get(nis.get_absolute_url()).content.decode()
    assert edit not in client_for(viewer).get(nis.get_absolute_url()).content.decode()


# --- Query count ------------------------------------------------------------------------------------


def _stances(actor: Actor, n: int, *, editor: User, reviewer: User) -> None:
    """n approved stances of ``actor``, each on its own claim (with a status) from its own source, via another actor."""
    reported = Status.objects.get(slug="reported")
    for i in range(n):
        claim = ClaimFactory()
        change = StatusChangeFactory(claim=claim, status=reported, recorded_by=editor)
        services.approve(change, by=reviewer)
        attribution = services.add_attribution(
            claim,
            actor=actor,
            source=SourceFactory(),
            stance="asserts" if i % 2 else "denies",
            certainty="probable",
            stated_on=datetime.date(2024, 10, 1 + i),
            quote="the troops had left",
            via=ActorFactory(),
            by=editor,
        )
        services.approve(attribution, by=reviewer)
        ActorFactory(name=f"Member {actor.pk}-{i}", parent=actor)
        actor.aliases.create(name=f"Alias {i}")


def _queries_for_first_get(client: object, url: str) -> int:
    for cache in caches.all():
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["viewer", "editor"])
def test_actor_page_query_count_does_not_grow_with_its_stances(
    who: str, request: pytest.FixtureRequest, editor: User, reviewer: User
) -> None:
    reader = request.getfixturevalue(who)
    few, many = ActorFactory(name="Few stances"), ActorFactory(name="Many stances")
    _stances(few, 3, editor=editor, reviewer=reviewer)
    _stances(many, 9, editor=editor, reviewer=reviewer)
    client = client_for(reader)
    client.get(reverse("claims:actor_list"))  # session and login rows settled

    with_few = _queries_for_first_get(client, few.get_absolute_url())
    with_many = _queries_for_first_get(client, many.get_absolute_url())

    assert with_few == with_many
    html = client.get(many.get_absolute_url()).content.decode()
    assert html.count('<tr class="polarity-') == 9
