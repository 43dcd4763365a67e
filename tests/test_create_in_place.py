"""Creating a missing actor or source from the form that needs it: without
JavaScript, a round trip through the new actor or source page that brings the
editor back to the form as it was, with the new record filled in; with htmx, a
small form in a dialog that fills the field once saved."""

import datetime
import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claimtracker.claims.models import Actor, ActorKind, Attribution, Claim, Source
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory
from tests.html_forms import form_on

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def claim(db: None) -> Claim:
    return ClaimFactory(text="North Korea has sent troops to Russia")


@pytest.fixture
def report(db: None) -> Source:
    return SourceFactory(
        title="N. Korean troops in Russia",
        body="KCNA called it a groundless rumor. Officials in Seoul disagreed.",
    )


def typed_attribution(report: Source | None, **overrides: object) -> dict[str, object]:
    """The claim page's attribution form as an editor has half filled it."""
    return {
        "submission": str(uuid.uuid4()),
        "actor": "Korean Central News Agency",
        "stance": "denies",
        "certainty": "definite",
        "source": f"{report.title} [#{report.pk}]" if report else "",
        "quote_kind": "paraphrase",
        "via": "",
        "stated_on": "2024-10-26",
        "stated_on_precision": "day",
        "quote": "groundless rumor",
    } | overrides


def section(html: str, element_id: str) -> bytes:
    """The markup from the element with this id on, for reading the form it holds."""
    start = html.index(f'id="{element_id}"')
    end = html.find("</form>", start)
    return html[start : end if end != -1 else None].encode()


def textarea(value: str) -> str:
    return value.removeprefix("\n")


def draft_key(location: str) -> str:
    return parse_qs(urlsplit(location).query)["draft"][0]


def save_form_at(client: Client, page_url: str, **changes: object) -> tuple[dict[str, Any], Any]:
    """Open the page, change what the editor would, and send the form as shown."""
    page = client.get(page_url)
    assert page.status_code == 200
    html = page.content.decode()
    form = form_on(html[html.index("<main") if "<main" in html else 0 :].encode())
    form.pop("q", None)  # a header search box, if any
    form.update(changes)
    return form, client.post(page_url, form)


# --- Without JavaScript: the round trip for an actor ------------------------------------------------------


def test_new_actor_round_trip_keeps_every_typed_field(editor: User, claim: Claim, report: Source) -> None:
    client = client_for(editor)

    to_new = client.post(reverse("claims:add_attribution", args=[claim.pk]), typed_attribution(report, create="actor"))

    assert to_new.status_code == 302
    assert to_new["Location"].startswith(reverse("claims:actor_create") + "?draft=")
    assert not Attribution.objects.exists()
    new_page = client.get(to_new["Location"]).content.decode()
    assert "When it is saved, you go back to your form with this actor filled in." in new_page
    assert form_on(section(new_page, "actor-form"))["name"] == "Korean Central News Agency"

    form, back = save_form_at(client, to_new["Location"], kind="media_outlet", short_name="KCNA")

    kcna = Actor.objects.get(name="Korean Central News Agency")
    key = draft_key(to_new["Location"])
    assert back.status_code == 302
    assert back["Location"] == f"{claim.get_absolute_url()}?filled={key}#attribution-form"
    page = client.get(back["Location"]).content.decode()
    assert "Actor recorded." in page
    shown = form_on(section(page, "attribution-form"))
    assert {name: shown[name] for name in ("actor", "stance", "certainty", "source", "quote_kind", "via")} == {
        "actor": "Korean Central News Agency",
        "stance": "denies",
        "certainty": "definite",
        "source": f"{report.title} [#{report.pk}]" if report else "",
        "quote_kind": "paraphrase",
        "via": "",
    }
    assert (shown["stated_on"], shown["stated_on_precision"], textarea(shown["quote"])) == (
        "2024-10-26",
        "day",
        "groundless rumor",
    )

    # The form as shown is ready to send.
    saved = client.post(reverse("claims:add_attribution", args=[claim.pk]), shown)
    assert saved.status_code == 302
    attribution = Attribution.objects.get()
    assert (attribution.actor, attribution.source, attribution.stance, attribution.quote) == (
        kcna,
        report,
        "denies",
        "groundless rumor",
    )
    assert attribution.stated_on == datetime.date(2024, 10, 26)


def test_new_intermediary_round_trip_fills_the_via_field(editor: User, claim: Claim, report: Source) -> None:
    ActorFactory(name="Korean Central News Agency")
    client = client_for(editor)

    to_new = client.post(
        reverse("claims:add_attribution", args=[claim.pk]),
        typed_attribution(report, via="Rodong Sinmun", create="via"),
    )
    assert form_on(section(client.get(to_new["Location"]).content.decode(), "actor-form"))["name"] == "Rodong Sinmun"
    _, back = save_form_at(client, to_new["Location"], kind="media_outlet")

    shown = form_on(section(client.get(back["Location"]).content.decode(), "attribution-form"))
    assert (shown["actor"], shown["via"]) == ("Korean Central News Agency", "Rodong Sinmun")


def test_refused_new_actor_keeps_the_way_back(editor: User, claim: Claim, report: Source) -> None:
    client = client_for(editor)
    to_new = client.post(reverse("claims:add_attribution", args=[claim.pk]), typed_attribution(report, create="actor"))

    _, refused = save_form_at(client, to_new["Location"], wikidata_id="not an id")
    assert refused.status_code == 400
    assert "Enter a Wikidata item id such as Q35525." in refused.content.decode()

    _, back = save_form_at(client, to_new["Location"], wikidata_id="Q1345234")
    assert back.status_code == 302
    assert back["Location"].startswith(f"{claim.get_absolute_url()}?filled=")


# --- Without JavaScript: the round trip for a source, and its publisher -----------------------------------


def test_new_source_round_trip_fills_the_source_label(editor: User, claim: Claim) -> None:
    ActorFactory(name="Korean Central News Agency")
    client = client_for(editor)
    typed = typed_attribution(None, source="Kirby briefing, 23 October", create="source")

    to_new = client.post(reverse("claims:add_attribution", args=[claim.pk]), typed)

    assert to_new["Location"].startswith(reverse("claims:source_create") + "?draft=")
    new_page = client.get(to_new["Location"]).content.decode()
    assert "When it is saved, you go back to your form with this source filled in." in new_page
    assert form_on(section(new_page, "source-form"))["title"] == "Kirby briefing, 23 October"

    _, back = save_form_at(client, to_new["Location"], url="https://www.whitehouse.gov/briefing/2024-10-23")

    source = Source.objects.get()
    assert back["Location"] == f"{claim.get_absolute_url()}?filled={draft_key(to_new['Location'])}#attribution-form"
    page = client.get(back["Location"]).content.decode()
    assert "Source recorded." in page
    shown = form_on(section(page, "attribution-form"))
    assert shown["source"] == f"Kirby briefing, 23 October [#{source.pk}]"
    assert (shown["actor"], shown["stance"], textarea(shown["quote"])) == (
        "Korean Central News Agency",
        "denies",
        "groundless rumor",
    )
    assert client.post(reverse("claims:add_attribution", args=[claim.pk]), shown).status_code == 302
    assert Attribution.objects.get().source == source


def test_new_publisher_from_the_new_source_page_comes_back_twice(editor: User, claim: Claim) -> None:
    ActorFactory(name="Korean Central News Agency")
    client = client_for(editor)
    to_source = client.post(
        reverse("claims:add_attribution", args=[claim.pk]),
        typed_attribution(None, source="Troops sent, Seoul says", create="source"),
    )
    source_form = form_on(section(client.get(to_source["Location"]).content.decode(), "source-form"))
    source_form.update(
        url="https://en.yna.co.kr/view/AEN20241026000351315",
        byline="Kim Eun-jung",
        published_local="2024-10-26T02:09",
        published_tz="Asia/Seoul",
        body="Seoul's top intelligence agency has confirmed it.",
        publisher="Yonhap News Agency",
        create="publisher",
    )

    to_actor = client.post(to_source["Location"], source_form)

    assert to_actor["Location"].startswith(reverse("claims:actor_create") + "?draft=")
    actor_form = form_on(section(client.get(to_actor["Location"]).content.decode(), "actor-form"))
    assert (actor_form["name"], actor_form["kind"]) == ("Yonhap News Agency", "media_outlet")
    back_to_source = client.post(to_actor["Location"], actor_form)
    assert back_to_source["Location"].startswith(to_source["Location"] + "&filled=")
    assert back_to_source["Location"].endswith("#source-form")

    shown = form_on(section(client.get(back_to_source["Location"]).content.decode(), "source-form"))
    assert (shown["title"], shown["publisher"], shown["byline"], shown["published_local"], shown["published_tz"]) == (
        "Troops sent, Seoul says",
        "Yonhap News Agency",
        "Kim Eun-jung",
        "2024-10-26T02:09",
        "Asia/Seoul",
    )
    assert textarea(shown["body"]) == "Seoul's top intelligence agency has confirmed it."

    back_to_claim = client.post(back_to_source["Location"], shown)

    source = Source.objects.get()
    assert (source.publisher.name, source.published_tz) == ("Yonhap News Agency", "Asia/Seoul")
    assert back_to_claim["Location"] == (
        f"{claim.get_absolute_url()}?filled={draft_key(to_source['Location'])}#attribution-form"
    )
    attribution_form = form_on(section(client.get(back_to_claim["Location"]).content.decode(), "attribution-form"))
    assert attribution_form["source"] == f"Troops sent, Seoul says [#{source.pk}]"
    assert attribution_form["actor"] == "Korean Central News Agency"


def test_new_actor_from_the_workbench_comes_back_to_the_passage(editor: User) -> None:
    source = SourceFactory(body="KCNA called it a groundless rumor.", published_tz="Asia/Seoul")
    claim = ClaimFactory(text="North Korea has sent troops to Russia")
    client = client_for(editor)
    typed = {
        "submission": str(uuid.uuid4()),
        "quote": "a groundless rumor",
        "claim": f"{claim.text} [#{claim.pk}]",
        "new_claim": "",
        "actor": "Korean Central News Agency",
        "stance": "denies",
        "certainty": "definite",
        "quote_kind": "direct",
        "via": "",
        "stated_on": "2024-10-26",
        "stated_on_precision": "day",
        "create": "actor",
    }

    to_new = client.post(reverse("claims:record_from_source", args=[source.pk]), typed)
    _, back = save_form_at(client, to_new["Location"], kind="media_outlet")

    assert back["Location"] == f"{source.get_absolute_url()}?filled={draft_key(to_new['Location'])}#workbench"
    shown = form_on(section(client.get(back["Location"]).content.decode(), "record-form"))
    assert (textarea(shown["quote"]), shown["claim"], shown["actor"], shown["stance"], shown["stated_on"]) == (
        "a groundless rumor",
        f"{claim.text} [#{claim.pk}]",
        "Korean Central News Agency",
        "denies",
        "2024-10-26",
    )
    assert client.post(reverse("claims:record_from_source", args=[source.pk]), shown).status_code == 302
    assert Attribution.objects.get().actor.name == "Korean Central News Agency"


def test_buttons_create_in_place_without_browser_validation(editor: User, claim: Claim, report: Source) -> None:
    claim_page = client_for(editor).get(claim.get_absolute_url()).content.decode()
    workbench = client_for(editor).get(report.get_absolute_url()).content.decode()
    for value in ("actor", "via", "source"):
        assert f'name="create" value="{value}" formnovalidate' in claim_page
    for value in ("actor", "via"):
        assert f'name="create" value="{value}" formnovalidate' in workbench
    assert "/admin/" not in section(claim_page, "attribution-form").decode()


def _default_button(form_markup: str) -> str:
    """The button a browser presses when Enter is hit in a text field: the form's first submit button."""
    for button in re.findall(r"<button\b[^>]*>", form_markup):
        if 'type="button"' not in button and 'type="reset"' not in button:
            return button
    return ""


def test_enter_in_a_field_saves_rather_than_creating_an_actor(editor: User, claim: Claim, report: Source) -> None:
    client = client_for(editor)
    pages = {
        "attribution-form": client.get(claim.get_absolute_url()).content.decode(),
        "record-form": client.get(report.get_absolute_url()).content.decode(),
        "source-form": client.get(reverse("claims:source_create")).content.decode(),
        "actor-form": client.get(reverse("claims:actor_create")).content.decode(),
    }
    defaults = {form_id: _default_button(section(html, form_id).decode()) for form_id, html in pages.items()}
    assert [form_id for form_id, button in defaults.items() if 'name="create"' in button] == []


def test_unknown_draft_key_opens_an_empty_form(editor: User) -> None:
    response = client_for(editor).get(reverse("claims:actor_create"), {"draft": "no-such-key"})
    assert response.status_code == 200
    assert "When it is saved, you go back" not in response.content.decode()


def test_drafts_belong_to_the_session_that_made_them(
    editor: User, other_editor: User, claim: Claim, report: Source
) -> None:
    to_new = client_for(editor).post(
        reverse("claims:add_attribution", args=[claim.pk]), typed_attribution(report, create="actor")
    )
    html = client_for(other_editor).get(to_new["Location"]).content.decode()
    assert "Korean Central News Agency" not in html


def test_viewer_cannot_create_in_place(viewer: User, claim: Claim, report: Source) -> None:
    client = client_for(viewer)
    for create in ("actor", "via", "source"):
        response = client.post(
            reverse("claims:add_attribution", args=[claim.pk]), typed_attribution(report, create=create)
        )
        assert response.status_code == 403
    assert client.get(reverse("claims:source_create"), {"dialog": "id_source"}, headers=HTMX).status_code == 403
    assert (
        client.post(reverse("claims:actor_create"), {"name": "X", "dialog": "id_actor"}, headers=HTMX).status_code
        == 403
    )
    assert not Actor.objects.exists()


# --- With htmx: the dialog ---------------------------------------------------------------------------


def test_dialog_opens_with_what_was_typed(editor: User) -> None:
    response = client_for(editor).get(
        reverse("claims:actor_create"), {"dialog": "id_actor", "actor": "Korean Central News Agency"}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<dialog") and "data-modal" in html and html.rstrip().endswith("</dialog>")
    assert "<html" not in html
    form = form_on(response.content)
    assert (form["name"], form["dialog"]) == ("Korean Central News Agency", "id_actor")
    assert f'hx-post="{reverse("claims:actor_create")}"' in html


def test_dialog_saves_and_names_the_field_to_fill(editor: User) -> None:
    client = client_for(editor)
    form = form_on(
        client.get(reverse("claims:actor_create"), {"dialog": "id_via", "via": "Rodong Sinmun"}, headers=HTMX).content
    )
    form["kind"] = "media_outlet"

    response = client.post(reverse("claims:actor_create"), form, headers=HTMX)

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"ct:created": {"input": "id_via", "value": "Rodong Sinmun"}}
    assert Actor.objects.get().kind == "media_outlet"


def test_dialog_with_errors_comes_back_with_them(editor: User) -> None:
    ActorFactory(name="Korean Central News Agency")
    client = client_for(editor)
    form = form_on(
        client.get(
            reverse("claims:actor_create"), {"dialog": "id_actor", "actor": "Korean Central News Agency"}, headers=HTMX
        ).content
    )

    response = client.post(reverse("claims:actor_create"), form, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert html.lstrip().startswith("<dialog") and "data-modal" in html
    assert "An actor of this name is already recorded: use that one, or give a fuller name." in html
    assert 'name="dialog" value="id_actor"' in html
    assert Actor.objects.count() == 1


def test_source_dialog_fills_the_field_with_the_source_label(editor: User) -> None:
    client = client_for(editor)
    opened = client.get(
        reverse("claims:source_create"), {"dialog": "id_source", "source": "Kirby briefing"}, headers=HTMX
    )
    assert opened.content.decode().lstrip().startswith("<dialog")
    form = form_on(opened.content)
    assert form["title"] == "Kirby briefing"
    form["url"] = "https://www.whitehouse.gov/briefing/2024-10-23"

    response = client.post(reverse("claims:source_create"), form, headers=HTMX)

    source = Source.objects.get()
    assert json.loads(response["HX-Trigger"]) == {
        "ct:created": {"input": "id_source", "value": f"Kirby briefing [#{source.pk}]"}
    }


def test_source_dialog_with_errors_comes_back_with_them(editor: User) -> None:
    SourceFactory(url="https://www.whitehouse.gov/briefing/2024-10-23")
    client = client_for(editor)
    form = form_on(client.get(reverse("claims:source_create"), {"dialog": "id_source"}, headers=HTMX).content)
    form.update(title="Kirby briefing", url="https://www.whitehouse.gov/briefing/2024-10-23")

    response = client.post(reverse("claims:source_create"), form, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<dialog")
    assert "This URL is already recorded" in html
    assert Source.objects.count() == 1


def test_dialog_double_submit_saves_once(editor: User) -> None:
    client = client_for(editor)
    form = form_on(
        client.get(reverse("claims:actor_create"), {"dialog": "id_actor", "actor": "KCNA"}, headers=HTMX).content
    )
    client.post(reverse("claims:actor_create"), form, headers=HTMX)
    client.post(reverse("claims:actor_create"), form, headers=HTMX)
    assert Actor.objects.count() == 1


def test_dialog_shows_actors_already_recorded_under_a_like_name(editor: User) -> None:
    ActorFactory(name="John Kirby")
    html = (
        client_for(editor)
        .get(reverse("claims:actor_create"), {"dialog": "id_actor", "actor": "Kirby"}, headers=HTMX)
        .content.decode()
    )
    assert "Similar actors already recorded" in html and "John Kirby" in html


def test_source_dialog_offers_the_same_title_box_its_error_asks_for(editor: User) -> None:
    SourceFactory(title="Press briefing by John Kirby")
    client = client_for(editor)
    form = form_on(client.get(reverse("claims:source_create"), {"dialog": "id_source"}, headers=HTMX).content)
    form["title"] = "Press briefing by John Kirby"

    refused = client.post(reverse("claims:source_create"), form, headers=HTMX)

    html = refused.content.decode()
    assert "tick “This is a different source with the same title”" in html
    assert 'name="different_source"' in html


def test_double_click_in_the_dialog_still_fills_the_field(editor: User) -> None:
    client = client_for(editor)
    form = form_on(
        client.get(reverse("claims:actor_create"), {"dialog": "id_actor", "actor": "KCNA"}, headers=HTMX).content
    )
    first = client.post(reverse("claims:actor_create"), form, headers=HTMX)
    second = client.post(reverse("claims:actor_create"), form, headers=HTMX)
    assert first["HX-Trigger"] == second.get("HX-Trigger")


def test_publisher_dialog_defaults_to_a_media_outlet(editor: User) -> None:
    response = client_for(editor).get(
        reverse("claims:actor_create"), {"dialog": "id_publisher", "publisher": "Yonhap News Agency"}, headers=HTMX
    )
    assert form_on(response.content)["kind"] == ActorKind.MEDIA_OUTLET
