"""The read-only claim pages: login, roles, what a viewer sees, and query counts."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claimtracker.claims import held, services
from claimtracker.claims.models import Claim, Status
from tests.conftest import client_for, forget_rendered
from tests.factories import AttributionFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

TROOPS = "North Korea has sent troops to Russia"


def troops_claim() -> Claim:
    return Claim.objects.get(text=TROOPS)


@pytest.mark.parametrize("path", ["/", "/claims/", "/claims/1/", "/admin/"])
def test_anonymous_user_is_sent_to_login(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_healthz_answers_anonymously_after_a_database_round_trip(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"


def test_user_without_a_role_is_refused(stranger: User) -> None:
    response = client_for(stranger).get("/claims/")

    assert response.status_code == 403


def test_root_redirects_to_the_claim_list(viewer: User) -> None:
    response = client_for(viewer).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/claims/"


def test_login_page_logs_in_and_lands_on_claims(client: Client, viewer: User) -> None:
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'<label for="id_username">' in page.content

    response = client.post("/accounts/login/", {"username": "vera", "password": "correct horse battery staple"})

    assert response.status_code == 302
    assert response["Location"] == "/claims/"


def test_viewer_sees_the_six_seed_claims_linked(demo: None, viewer: User) -> None:
    response = client_for(viewer).get("/claims/")

    assert response.status_code == 200
    html = response.content.decode()
    for claim in Claim.objects.all():
        assert f'<a href="/claims/{claim.pk}/">{claim.text}</a>' in html
    assert Claim.objects.count() == 6
    assert "Corroborated" in html


def test_claim_page_shows_attributions_and_status_history_in_date_order(demo: None, viewer: User) -> None:
    response = client_for(viewer).get(reverse("claims:detail", args=[troops_claim().pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>North Korea has sent troops to Russia</h1>" in html
    assert "groundless rumor" in html
    assert "DPRK representative at the UN</strong></a> denies" in html
    assert re.search(r'via <a href="/actors/\d+/">Korean Central News Agency</a>', html)
    assert "quote found in source" in html
    history = html[html.index('id="timeline-heading"') : html.index('id="history-heading"')]
    positions = [history.index(label) for label in ("Reported", "Disputed", "Corroborated")]
    assert positions == sorted(positions)
    assert "21 Oct 2024" in history and "25 Oct 2024" in history and "Oct 2024" in history


def test_unknown_claim_is_404(viewer: User) -> None:
    assert client_for(viewer).get("/claims/999999/").status_code == 404


def test_pending_entries_are_hidden_from_viewers_and_marked_for_the_desk(
    demo: None, viewer: User, editor: User, superuser: User
) -> None:
    claim = troops_claim()
    services.propose_status_change(
        claim,
        status=Status.objects.get(slug="false"),
        effective_on=datetime.date(2024, 11, 1),
        rationale="Pending idea.",
        by=editor,
    )
    url = reverse("claims:detail", args=[claim.pk])

    assert "Pending idea." not in client_for(viewer).get(url).content.decode()
    staff_html = client_for(editor).get(url).content.decode()
    assert "Pending idea." in staff_html
    assert '<span class="review-state state-pending">Pending</span>' in staff_html


def test_corrected_entry_is_struck_through(demo: None, editor: User, reviewer: User, viewer: User) -> None:
    claim = troops_claim()
    original = claim.status_changes.get(status__slug="disputed")
    correction = services.correct_status_change(
        original,
        status=Status.objects.get(slug="reported"),
        effective_on=original.effective_on,
        rationale="Only the UN envoy denied it; still reported.",
        by=editor,
    )
    services.approve(correction, by=reviewer)

    html = client_for(viewer).get(reverse("claims:detail", args=[claim.pk])).content.decode()

    assert re.search(r"<del><time[^>]*>21 Oct 2024</time>[^<]*Desk assessment:.*?Disputed.*?</del>", html, re.S)
    assert "Only the UN envoy denied it" in html


def test_stored_markup_is_escaped(viewer: User) -> None:
    claim = ClaimFactory(text='<script>alert("x")</script>')
    AttributionFactory(claim=claim, quote="<img src=x onerror=alert(1)>", review_state="pending")

    html = client_for(viewer).get(reverse("claims:detail", args=[claim.pk])).content.decode()
    listing = client_for(viewer).get("/claims/").content.decode()

    assert "<script>alert" not in html and "<script>alert" not in listing
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def _make_claims(count: int, reviewer: User, editor: User) -> None:
    reported = Status.objects.get(slug="reported")
    for _ in range(count):
        claim = ClaimFactory(created_by=editor)
        change = services.propose_status_change(
            claim, status=reported, effective_on=datetime.date(2024, 10, 21), rationale="R.", by=editor
        )
        services.approve(change, by=reviewer)


def test_claim_list_query_count_does_not_grow_with_rows(
    viewer: User, editor: User, reviewer: User, django_assert_max_num_queries: object
) -> None:
    client = client_for(viewer)
    _make_claims(3, reviewer, editor)
    # 11: one of them counts the sides of the page's claims (queries.side_counts).
    with django_assert_max_num_queries(11) as few:  # type: ignore[operator]
        assert client.get("/claims/").status_code == 200
    _make_claims(40, reviewer, editor)
    forget_rendered()
    client = client_for(viewer)  # logged in again: with CACHE_URL the session was in the emptied cache too
    with django_assert_max_num_queries(11) as many:  # type: ignore[operator]
        assert client.get("/claims/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_claim_page_query_count_does_not_grow_with_attributions(
    viewer: User, editor: User, reviewer: User, django_assert_max_num_queries: object
) -> None:
    client = client_for(viewer)
    claim = ClaimFactory(created_by=editor)
    source = SourceFactory()
    url = reverse("claims:detail", args=[claim.pk])

    def add(n: int) -> None:
        for _ in range(n):
            services.approve(AttributionFactory(claim=claim, source=source, created_by=editor), by=reviewer)

    add(2)
    # 19 at most: the page reads the claim's links in one query (queries.links).
    with django_assert_max_num_queries(19) as few:  # type: ignore[operator]
        assert client.get(url).status_code == 200
    add(30)
    held.forget()  # the reader's permissions read again, as for the first view
    with django_assert_max_num_queries(19) as many:  # type: ignore[operator]
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
