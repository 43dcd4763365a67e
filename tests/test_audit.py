"""Every write path leaves a record naming who acted: a history row for
claims, attributions, actors and sources (django-simple-history), and the
author and reviewer on each status change, which is append-only."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from claimtracker.claims.models import Actor, Attribution, Claim, ReviewState, Source, Status, StatusChange, Topic
from tests.conftest import client_for
from tests.test_admin import claim_form
from tests.test_claim_forms import claim_data
from tests.test_claim_page import attribution_data, status_data
from tests.test_import import HEADER, row

pytestmark = pytest.mark.django_db


def last_user(history: object) -> str:
    entry = history.order_by("-history_date", "-history_id").first()  # type: ignore[attr-defined]
    return entry.history_user.username if entry and entry.history_user else "nobody"


def test_pages_record_the_acting_user(demo: None, editor: User, reviewer: User) -> None:
    pages_editor, pages_reviewer = client_for(editor), client_for(reviewer)

    pages_editor.post(reverse("claims:create"), claim_data(text="A claim made on the page"))
    claim = Claim.objects.get(text="A claim made on the page")
    assert last_user(claim.history) == editor.username

    pages_editor.post(
        reverse("claims:edit", args=[claim.pk]), claim_data(text="A claim edited on the page", version=claim.version)
    )
    assert last_user(claim.history) == editor.username and claim.history.count() == 2

    pages_editor.post(reverse("claims:add_attribution", args=[claim.pk]), attribution_data())
    attribution = Attribution.objects.get(claim=claim)
    assert last_user(attribution.history) == editor.username

    pages_reviewer.post(reverse("claims:review_item", args=["attribution", attribution.pk]), {"decision": "approve"})
    assert last_user(attribution.history) == reviewer.username

    pages_editor.post(reverse("claims:propose_status_change", args=[claim.pk]), status_data())
    change = StatusChange.objects.get(claim=claim)
    pages_reviewer.post(reverse("claims:review_item", args=["status-change", change.pk]), {"decision": "approve"})
    change.refresh_from_db()
    assert (change.recorded_by, change.reviewed_by, change.review_state) == (editor, reviewer, ReviewState.APPROVED)


def test_admin_edits_and_actions_record_the_acting_user(demo: None, editor: User, superuser: User) -> None:
    admin = client_for(superuser)
    actor = Actor.objects.get(name="John Kirby")
    admin.post(
        reverse("admin:claims_actor_change", args=[actor.pk]),
        {
            "name": "John F. Kirby",
            "short_name": "",
            "kind": actor.kind,
            "country": actor.country,
            "parent": actor.parent_id or "",
            "wikidata_id": actor.wikidata_id,
            "description": actor.description,
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
        },
    )
    actor.refresh_from_db()
    assert actor.name == "John F. Kirby"
    assert last_user(actor.history) == superuser.username

    pending = Attribution.objects.create(
        claim=Claim.objects.first(),
        actor=actor,
        source=Source.objects.get(),
        stance="asserts",
        stated_on=datetime.date(2024, 10, 30),
        created_by=editor,
    )
    admin.post(
        reverse("admin:claims_attribution_changelist"),
        {"action": "approve_selected", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.review_state == ReviewState.APPROVED
    assert last_user(pending.history) == superuser.username


def test_import_records_the_named_users(demo: None, editor: User, reviewer: User, tmp_path: Path) -> None:
    path = tmp_path / "timeline.csv"
    line = row(claim="A claim that arrived by import", quote="imported words", recorded_by=editor.username)
    path.write_text(HEADER + "\r\n" + line)
    call_command("import_csv", str(path), "--user", reviewer.username, stdout=StringIO())

    claim = Claim.objects.get(text="A claim that arrived by import")
    attribution = Attribution.objects.get(claim=claim)
    assert last_user(claim.history) == reviewer.username  # the importing user made the claim
    assert attribution.history.earliest("history_date").history_user == editor  # the row's recorded author
    assert last_user(attribution.history) == reviewer.username  # approved on import, in the importer's own name
    assert (attribution.created_by, attribution.reviewed_by) == (editor, reviewer)


def test_a_new_claim_with_topics_is_one_record_of_its_creation(demo: None, editor: User) -> None:
    """A new user's walk read "changed the claim" under "created the claim" for one save."""
    topics = list(Topic.objects.order_by("pk")[:2])
    client = client_for(editor)
    client.post(reverse("claims:create"), claim_data(text="A claim with two topics", topics=[t.pk for t in topics]))

    claim = Claim.objects.get(text="A claim with two topics")
    (created,) = claim.history.all()
    assert (created.history_type, created.history_user) == ("+", editor)
    assert {row.topic for row in created.topics.all()} == set(topics)  # its topics, as created
    history = client.get(claim.get_absolute_url()).content.decode()
    assert f"{editor.username} created the claim" in history and "changed the claim" not in history


def test_vocabulary_and_topic_list_edits_record_the_acting_user(demo: None, editor: User, superuser: User) -> None:
    """Statuses, topics and a claim's topic list keep a history too (issue 12): the
    admin's edits of each name the admin, the pages' edits of the list the editor."""
    admin = client_for(superuser)
    status = Status.objects.order_by("pk").first()
    assert status is not None
    admin.post(
        reverse("admin:claims_status_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": status.pk,
            "form-0-color": "#123456",
            "form-0-order": status.order,
            "_save": "Save",
        },
    )  # the list's own edit (list_editable colour and order)
    status.refresh_from_db()
    assert status.color == "#123456" and last_user(status.history) == superuser.username

    claim = Claim.objects.order_by("pk").first()
    assert claim is not None
    topic = Topic.objects.exclude(claims=claim).order_by("pk").first()
    assert topic is not None
    before = claim.history.count()
    admin.post(reverse("admin:claims_claim_change", args=[claim.pk]), claim_form(claim, topics=[topic.pk]))
    claim.refresh_from_db()
    assert list(claim.topics.all()) == [topic]
    latest = claim.history.order_by("-history_date", "-history_id").first()
    assert latest is not None and [row.topic for row in latest.topics.all()] == [topic]
    assert claim.history.count() > before + 1  # the save, then the list's change(s)
    assert last_user(claim.history) == superuser.username  # the admin's save_m2m: from the request (middleware)

    client_for(editor).post(reverse("claims:edit", args=[claim.pk]), claim_data(text=claim.text, version=claim.version))
    assert not claim.topics.exists()
    latest = claim.history.order_by("-history_date", "-history_id").first()
    assert latest is not None and latest.history_user == editor and not latest.topics.exists()
