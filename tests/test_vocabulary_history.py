"""The vocabulary (statuses and topics) and a claim's topic list keep a history
of edits, as the other records do (issue 12): each edit leaves a history row
naming who made it."""

import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Status, Topic
from tests.conftest import client_for
from tests.test_audit import last_user
from tests.test_claim_forms import claim_data

pytestmark = pytest.mark.django_db


def topic_names(record: object) -> set[str]:
    """The topic list as a claim's history record kept it."""
    return {row.topic.name for row in record.topics.all()}  # type: ignore[attr-defined]


def test_renaming_a_status_in_the_admin_leaves_a_history_row(demo: None, superuser: User) -> None:
    status = Status.objects.order_by("pk").first()
    assert status is not None
    old_label = status.label
    response = client_for(superuser).post(
        reverse("admin:claims_status_change", args=[status.pk]),
        {
            "label": "Renamed by the desk",
            "slug": status.slug,
            "description": status.description,
            "color": status.color,
            "order": status.order,
            "verdict": status.verdict,
        },
    )
    assert response.status_code == 302
    record = status.history.order_by("-history_date", "-history_id").first()
    assert record is not None
    assert (record.label, record.history_type, last_user(status.history)) == (
        "Renamed by the desk",
        "~",
        superuser.username,
    )
    assert record.prev_record is None or record.prev_record.label == old_label
    history_page = client_for(superuser).get(reverse("admin:claims_status_history", args=[status.pk]))
    assert history_page.status_code == 200 and superuser.username in history_page.content.decode()


def test_editing_a_topic_in_the_admin_leaves_a_history_row(demo: None, superuser: User) -> None:
    topic = Topic.objects.get(name="Russia")
    response = client_for(superuser).post(
        reverse("admin:claims_topic_change", args=[topic.pk]),
        {"name": "Russian Federation", "slug": topic.slug},
    )
    assert response.status_code == 302
    record = topic.history.order_by("-history_date", "-history_id").first()
    assert record is not None
    assert (record.name, record.history_type, last_user(topic.history)) == (
        "Russian Federation",
        "~",
        superuser.username,
    )
    history_page = client_for(superuser).get(reverse("admin:claims_topic_history", args=[topic.pk]))
    assert history_page.status_code == 200 and "Russian Federation" in history_page.content.decode()


def test_adding_a_topic_in_the_admin_leaves_a_creation_row(superuser: User) -> None:
    response = client_for(superuser).post(
        reverse("admin:claims_topic_add"),
        {"name": "Shipping", "slug": "shipping", "submission": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    topic = Topic.objects.get(name="Shipping")
    assert [(r.history_type, r.history_user) for r in topic.history.all()] == [("+", superuser)]


def test_changing_a_claims_topics_on_the_edit_page_records_the_list_and_the_editor(
    demo: None, editor: User, other_editor: User
) -> None:
    russia, other = Topic.objects.get(name="Russia"), Topic.objects.exclude(name="Russia").first()
    assert other is not None
    claim = services.create_claim(text="A claim whose topics change", by=other_editor, topics=[russia])
    # The new claim is one record, by its author, holding the topic list it was created with.
    created = claim.history.order_by("-history_date", "-history_id").first()
    assert created is not None and topic_names(created) == {"Russia"}
    assert [(r.history_type, r.history_user) for r in claim.history.all()] == [("+", other_editor)]

    response = client_for(editor).post(
        reverse("claims:edit", args=[claim.pk]),
        claim_data(text=claim.text, version=claim.version, topics=[other.pk]),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert list(claim.topics.all()) == [other]
    latest = claim.history.order_by("-history_date", "-history_id").first()
    assert latest is not None
    assert (topic_names(latest), latest.history_user) == ({other.name}, editor)
    # The edit's records all name the editor; the last holds the list as the edit left it.
    edit_records = claim.history.filter(history_date__gt=created.history_date)
    assert {(r.history_type, r.history_user) for r in edit_records} == {("~", editor)}
    # The earlier record still holds the list as it was.
    created.refresh_from_db()
    assert topic_names(created) == {"Russia"}
    # The diff the admin's history page shows names the topic change.
    delta = latest.diff_against(created)
    assert "topics" in delta.changed_fields


def test_the_claim_history_page_shows_the_topic_change(demo: None, editor: User, superuser: User) -> None:
    russia, other = Topic.objects.get(name="Russia"), Topic.objects.exclude(name="Russia").first()
    assert other is not None
    claim = services.create_claim(text="A claim whose topics change", by=editor, topics=[russia])
    services.update_claim(claim, by=editor, expected_version=claim.version, topics=[other])
    response = client_for(superuser).get(reverse("admin:claims_claim_history", args=[claim.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "topics" in html.lower() and other.name in html


def test_an_unchanged_topic_list_adds_no_record(demo: None, editor: User) -> None:
    russia = Topic.objects.get(name="Russia")
    claim = services.create_claim(text="A claim whose topics stay", by=editor, topics=[russia])
    before = claim.history.count()
    services.update_claim(claim, by=editor, expected_version=claim.version, topics=[russia], context="A note.")
    assert claim.history.count() == before + 1  # the save only; setting the same list changes nothing
