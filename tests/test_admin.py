"""Data entry in the Django admin: every model reachable, writes through the
services, review actions that respect the rules, and bad input refused next to
the field with nothing stored."""

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import (
    Actor,
    Attribution,
    Claim,
    ReviewState,
    Source,
    Status,
    StatusChange,
)
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

MODELS = ["actor", "actoralias", "source", "status", "topic", "claim", "attribution", "statuschange"]


@pytest.fixture
def admin_client_(superuser: User) -> Client:
    return client_for(superuser)


def field_errors(response: Any) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def claim_form(claim: Claim | None = None, **overrides: Any) -> dict[str, Any]:
    """The claim change form's fields as the admin (ada) gets them, with the
    inline formsets of the claim's entries, none of them hers: the change page
    lists them read-only (prefix "attributions"), her own ones in review
    ("attributions-2", none here) and the status changes. The add page has
    only her attributions ("attributions") and the status changes."""
    data: dict[str, Any] = {
        "text": claim.text if claim else "Russia has received North Korean artillery shells",
        "context": "",
        "quantity": "",
        "quantity_unit": "",
        "quantity_bound": "",
        "due_on": "",
        "expected_version": claim.version if claim else "",
    }
    formsets = (
        [
            ("attributions", claim.attributions.order_by("stated_on", "id")),
            ("attributions-2", Attribution.objects.none()),
        ]
        if claim
        else [("attributions", Attribution.objects.none())]
    )
    formsets.append(
        ("status_changes", claim.status_changes.order_by("effective_on", "recorded_at", "id") if claim else [])
    )
    for prefix, rows in formsets:
        rows = list(rows)
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for i, row in enumerate(rows):
            data |= {f"{prefix}-{i}-id": row.pk, f"{prefix}-{i}-claim": row.claim_id}
    return data | overrides


# --- Every model has a working admin ---------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_every_model_lists_searches_and_adds(admin_client_: Client, demo: None, model: str) -> None:
    changelist = reverse(f"admin:claims_{model}_changelist")
    assert admin_client_.get(changelist).status_code == 200
    assert admin_client_.get(changelist, {"q": "NIS"}).status_code == 200
    assert admin_client_.get(reverse(f"admin:claims_{model}_add")).status_code == 200


def test_evidence_is_listed_read_only(admin_client_: Client, demo: None) -> None:
    response = admin_client_.get(reverse("admin:claims_evidence_changelist"), {"q": "Kirby"})
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0
    assert admin_client_.get(reverse("admin:claims_evidence_add")).status_code == 403


def test_actor_search_finds_korean_alias(admin_client_: Client, demo: None) -> None:
    response = admin_client_.get(reverse("admin:claims_actor_changelist"), {"q": "국가정보원"})
    assert list(response.context["cl"].result_list) == [Actor.objects.get(short_name="NIS")]


def test_claim_change_page_shows_inlines_and_history(admin_client_: Client, demo: None) -> None:
    claim = Claim.objects.get(text="North Korea has sent troops to Russia")

    page = admin_client_.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    history = admin_client_.get(reverse("admin:claims_claim_history", args=[claim.pk]))

    assert page.status_code == 200
    assert "groundless rumor" in page.content.decode()
    assert history.status_code == 200
    assert "editor" in history.content.decode()


def test_autocomplete_answers_for_actors(admin_client_: Client, demo: None) -> None:
    response = admin_client_.get(
        "/admin/autocomplete/",
        {"term": "Kirby", "app_label": "claims", "model_name": "attribution", "field_name": "actor"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["John Kirby"]


# --- Writes go through the services ------------------------------------------------------------------


def test_admin_adds_a_claim_with_an_attribution_through_the_services(admin_client_: Client, superuser: User) -> None:
    actor = ActorFactory(name="Ministry of Defence")
    source = SourceFactory(body="The ministry said shells were shipped in August.")
    data = claim_form() | {
        "attributions-TOTAL_FORMS": 1,
        "attributions-0-actor": actor.pk,
        "attributions-0-stance": "asserts",
        "attributions-0-certainty": "definite",
        "attributions-0-source": source.pk,
        "attributions-0-quote_kind": "paraphrase",
        "attributions-0-via": "",
        "attributions-0-quote": "shells were shipped in August",
        "attributions-0-stated_on": "2024-08-01",
        "attributions-0-stated_on_precision": "month",
    }

    response = admin_client_.post(reverse("admin:claims_claim_add"), data)

    assert response.status_code == 302, field_errors(response)
    claim = Claim.objects.get()
    assert claim.created_by == superuser
    assert claim.history.get().history_user == superuser
    attribution = claim.attributions.get()
    assert attribution.review_state == ReviewState.PENDING
    assert attribution.created_by == superuser
    assert attribution.quote_found is True


def test_admin_status_change_and_approval_keep_current_status(
    admin_client_: Client, superuser: User, other_superuser: User
) -> None:
    claim = ClaimFactory()
    confirmed = Status.objects.get(slug="confirmed")

    response = admin_client_.post(
        reverse("admin:claims_statuschange_add"),
        {
            "claim": claim.pk,
            "status": confirmed.pk,
            "effective_on": "2024-10-25",
            "effective_on_precision": "day",
            "rationale": "Both governments confirm.",
            "corrects": "",
        },
    )
    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert (change.review_state, change.recorded_by) == (ReviewState.PENDING, superuser)

    # The author may not approve it...
    action = {"action": "approve_selected", "_selected_action": [change.pk]}
    response = admin_client_.post(reverse("admin:claims_statuschange_changelist"), action, follow=True)
    assert "You cannot review your own work" in response.content.decode()
    claim.refresh_from_db()
    assert claim.current_status is None

    # ...another admin may.
    client_for(other_superuser).post(reverse("admin:claims_statuschange_changelist"), action)
    claim.refresh_from_db()
    assert claim.current_status == confirmed
    assert claim.status_since == datetime.date(2024, 10, 25)


def test_status_change_add_page_takes_evidence_by_id_and_lists_no_attributions(
    admin_client_: Client, editor: User
) -> None:
    from tests.factories import AttributionFactory

    claim = ClaimFactory()
    add = reverse("admin:claims_statuschange_add")
    size = len(admin_client_.get(add).content)
    evidence = [AttributionFactory(claim=claim, created_by=editor) for _ in range(30)]
    assert len(admin_client_.get(add).content) == size  # no option per attribution

    response = admin_client_.post(
        add,
        {
            "claim": claim.pk,
            "status": Status.objects.get(slug="confirmed").pk,
            "effective_on": "2024-10-25",
            "effective_on_precision": "day",
            "rationale": "Both governments confirm.",
            "corrects": "",
            "evidence": f"{evidence[0].pk},{evidence[1].pk}",
        },
    )
    assert response.status_code == 302, field_errors(response)
    assert set(StatusChange.objects.get().evidence.all()) == {evidence[0], evidence[1]}


def test_admin_reject_action_asks_for_a_note(admin_client_: Client, editor: User) -> None:
    attribution = services.add_attribution(
        ClaimFactory(),
        actor=ActorFactory(),
        source=SourceFactory(),
        stance="denies",
        stated_on=datetime.date(2024, 10, 21),
        by=editor,
    )
    url = reverse("admin:claims_attribution_changelist")
    action = {"action": "reject_selected", "_selected_action": [attribution.pk]}

    form_page = admin_client_.post(url, action)
    assert form_page.status_code == 200
    assert "Why is it rejected?" in form_page.content.decode()
    attribution.refresh_from_db()
    assert attribution.review_state == ReviewState.PENDING

    admin_client_.post(url, action | {"note": "Wrong speaker."})
    attribution.refresh_from_db()
    assert (attribution.review_state, attribution.review_note) == (ReviewState.REJECTED, "Wrong speaker.")


def test_approved_status_change_cannot_be_edited_or_deleted_in_admin(admin_client_: Client, demo: None) -> None:
    change = StatusChange.objects.filter(review_state=ReviewState.APPROVED).first()
    assert change is not None

    page = admin_client_.get(reverse("admin:claims_statuschange_change", args=[change.pk]))
    delete = admin_client_.post(reverse("admin:claims_statuschange_delete", args=[change.pk]), {"post": "yes"})

    assert page.status_code == 200
    assert 'name="rationale"' not in page.content.decode()
    assert delete.status_code == 403
    assert StatusChange.objects.filter(pk=change.pk).exists()


def test_correction_through_admin_supersedes_the_entry(
    admin_client_: Client, other_superuser: User, demo: None
) -> None:
    claim = Claim.objects.get(text="The troops were moved by ship")
    original = claim.status_changes.get()
    reported = Status.objects.get(slug="reported")

    admin_client_.post(
        reverse("admin:claims_statuschange_add"),
        {
            "claim": claim.pk,
            "status": reported.pk,
            "effective_on": "2024-10-01",
            "effective_on_precision": "month",
            "rationale": "Only one side confirmed the ship.",
            "corrects": original.pk,
        },
    )
    correction = StatusChange.objects.get(corrects=original)
    client_for(other_superuser).post(
        reverse("admin:claims_statuschange_changelist"),
        {"action": "approve_selected", "_selected_action": [correction.pk]},
    )

    claim.refresh_from_db()
    assert claim.current_status == reported
    assert StatusChange.objects.filter(pk=original.pk, review_state=ReviewState.APPROVED).exists()


# --- Optimistic lock -----------------------------------------------------------------------------------


def test_stale_claim_edit_is_refused_and_shows_the_other_change(admin_client_: Client, other_editor: User) -> None:
    claim = ClaimFactory(text="Original wording")
    stale_form = claim_form(claim, text="My wording")
    services.update_claim(claim, by=other_editor, expected_version=1, text="Their wording")

    response = admin_client_.post(reverse("admin:claims_claim_change", args=[claim.pk]), stale_form)

    assert response.status_code == 200
    assert "Someone else changed this claim" in response.content.decode()
    assert "Their wording" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.text, claim.version) == ("Their wording", 2)


def test_fresh_claim_edit_saves_and_bumps_version(admin_client_: Client) -> None:
    claim = ClaimFactory(text="Original wording")

    response = admin_client_.post(
        reverse("admin:claims_claim_change", args=[claim.pk]), claim_form(claim, text="Better wording")
    )

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.text, claim.version) == ("Better wording", 2)


# --- Bad input: a clear error next to the field, nothing stored -------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "Kim\x00Jong-gyu"}, "name", "Null characters are not allowed."),
        ({"name": "K" * 201}, "name", "at most 200 characters"),
        ({"wikidata_id": "P31"}, "wikidata_id", "Wikidata item id"),
        ({"country": "kr"}, "country", "ISO 3166-1 alpha-2"),
        ({"country": "KOR"}, "country", "at most 2 characters"),
        ({"kind": "wizard"}, "kind", "Select a valid choice"),
    ],
)
def test_bad_actor_input_is_refused_next_to_the_field(
    admin_client_: Client, data: dict[str, str], field: str, message: str
) -> None:
    form = {"name": "Kim Jong-gyu", "kind": "person", "aliases-TOTAL_FORMS": 0, "aliases-INITIAL_FORMS": 0}
    response = admin_client_.post(reverse("admin:claims_actor_add"), form | data)

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response)[field])
    assert not Actor.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "not a url"}, "url", "Enter a valid URL."),
        ({"url": "javascript:alert(1)"}, "url", "Enter a valid URL."),
        ({"language": "english!"}, "language", "BCP 47"),
        ({"published_at_0": "2024-02-30"}, "published_at", "Enter a valid date"),
        ({"title": "\x00"}, "title", "Null characters are not allowed."),
    ],
)
def test_bad_source_input_is_refused_next_to_the_field(
    admin_client_: Client, data: dict[str, str], field: str, message: str
) -> None:
    form = {
        "title": "Report",
        "url": "https://news.example.org/a",
        "language": "en",
        "kind": "news_report",
        "published_at_0": "2024-10-26",
        "published_at_1": "02:09:34",
        "body": "",
    }
    response = admin_client_.post(reverse("admin:claims_source_add"), form | data)

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response)[field]), field_errors(response)
    assert not Source.objects.exists()


def test_duplicate_source_url_is_refused_next_to_the_field(admin_client_: Client) -> None:
    existing = SourceFactory()
    form = {
        "title": "Copy",
        "url": existing.url,
        "language": "en",
        "kind": "news_report",
        "published_at_0": "",
        "published_at_1": "",
        "body": "",
    }

    response = admin_client_.post(reverse("admin:claims_source_add"), form)

    assert response.status_code == 200
    assert field_errors(response) == {"url": ["A source with this URL already exists."]}
    assert Source.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"stated_on": "2024-02-30"}, "stated_on", "Enter a valid date."),
        ({"stated_on": "2024-10-21", "stated_on_precision": "month"}, "stated_on", "month precision"),
        ({"stated_on": "2024-10-01", "stated_on_precision": "year"}, "stated_on", "year precision"),
        ({"stance": "sort of"}, "stance", "Select a valid choice"),
        ({"actor": "999999"}, "actor", "Select a valid choice"),
        ({"quote": "x" * 10_001}, "quote", "at most 10000 characters"),
        ({"quote": "said \x00 this"}, "quote", "Null characters are not allowed."),
    ],
)
def test_bad_attribution_input_is_refused_next_to_the_field(
    admin_client_: Client, data: dict[str, str], field: str, message: str
) -> None:
    form = {
        "claim": ClaimFactory().pk,
        "actor": ActorFactory().pk,
        "stance": "asserts",
        "certainty": "definite",
        "source": SourceFactory().pk,
        "quote_kind": "direct",
        "via": "",
        "quote": "the troops had left",
        "stated_on": "2024-10-21",
        "stated_on_precision": "day",
    }
    response = admin_client_.post(reverse("admin:claims_attribution_add"), form | data)

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response)[field]), field_errors(response)
    assert not Attribution.objects.exists()


def test_bad_claim_inline_row_stores_nothing_at_all(admin_client_: Client) -> None:
    data = claim_form() | {
        "attributions-TOTAL_FORMS": 1,
        "attributions-0-actor": ActorFactory().pk,
        "attributions-0-stance": "asserts",
        "attributions-0-certainty": "definite",
        "attributions-0-source": SourceFactory().pk,
        "attributions-0-quote_kind": "direct",
        "attributions-0-via": "",
        "attributions-0-quote": "q",
        "attributions-0-stated_on": "2024-13-01",
        "attributions-0-stated_on_precision": "day",
    }

    response = admin_client_.post(reverse("admin:claims_claim_add"), data)

    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert not Claim.objects.exists() and not Attribution.objects.exists()


def test_quantity_without_bound_is_refused(admin_client_: Client) -> None:
    response = admin_client_.post(reverse("admin:claims_claim_add"), claim_form(quantity="10000"))

    assert response.status_code == 200
    assert field_errors(response)["quantity_bound"]
    assert not Claim.objects.exists()


def test_status_change_without_rationale_or_with_foreign_evidence_is_refused(admin_client_: Client) -> None:
    claim, other = ClaimFactory(), ClaimFactory()
    foreign = services.add_attribution(
        other,
        actor=ActorFactory(),
        source=SourceFactory(),
        stance="asserts",
        stated_on=datetime.date(2024, 10, 21),
        by=other.created_by,
    )
    form = {
        "claim": claim.pk,
        "status": Status.objects.get(slug="false").pk,
        "effective_on": "2024-10-25",
        "effective_on_precision": "day",
        "rationale": "   ",
        "corrects": "",
        "evidence": [foreign.pk],
    }

    response = admin_client_.post(reverse("admin:claims_statuschange_add"), form)

    errors = field_errors(response)
    assert "This field is required." in errors["rationale"]
    assert "Choose attributions of this claim only." in errors["evidence"]
    assert not StatusChange.objects.exists()


def test_long_claim_links_to_its_entries_instead_of_inline_forms(
    admin_client_: Client, editor: User, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: Any
) -> None:
    from claimtracker.claims import admin as claims_admin
    from tests.factories import AttributionFactory

    monkeypatch.setattr(claims_admin, "INLINE_LIMIT", 3)
    long, short = ClaimFactory(), ClaimFactory()
    for _ in range(4):
        AttributionFactory(claim=long, created_by=editor)
    AttributionFactory(claim=short, created_by=editor, quote="the only one")

    with django_assert_max_num_queries(30):
        html = admin_client_.get(reverse("admin:claims_claim_change", args=[long.pk])).content.decode()
    assert "4 attributions and 0 status changes, too many to edit on this page" in html
    assert "attributions-TOTAL_FORMS" not in html
    listed = admin_client_.get(reverse("admin:claims_attribution_changelist"), {"claim": long.pk})
    assert listed.status_code == 200 and listed.context["cl"].result_count == 4

    html = admin_client_.get(reverse("admin:claims_claim_change", args=[short.pk])).content.decode()
    assert "attributions-TOTAL_FORMS" in html and "the only one" in html


def test_claim_list_counts_attributions_per_row(admin_client_: Client, demo: None) -> None:
    response = admin_client_.get(reverse("admin:claims_claim_changelist"))
    counts = {c.text: c.attribution_count for c in response.context["cl"].result_list}
    assert (
        counts["North Korea has sent troops to Russia"]
        == Claim.objects.get(text="North Korea has sent troops to Russia").attributions.count()
    )
