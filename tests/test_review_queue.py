"""/review/: pending work grouped by claim, approved or rejected in place."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Attribution, Claim, ReviewState, Status, StatusChange
from tests.conftest import client_for
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(demo: None, editor: User, reviewer: User) -> dict[str, object]:
    claim = Claim.objects.get(text="The troops were moved by ship")
    source = claim.attributions.first().source
    attribution = services.add_attribution(
        claim,
        actor=ActorFactory(name="Pentagon"),
        source=source,
        stance="confirms",
        stated_on=datetime.date(2024, 10, 28),
        quote="by ship",
        by=editor,
    )
    change = services.propose_status_change(
        claim,
        status=Status.objects.get(slug="confirmed"),
        effective_on=datetime.date(2024, 10, 28),
        rationale="The Pentagon confirms the sea route.",
        evidence=[attribution],
        by=editor,
    )
    own = services.propose_status_change(
        claim,
        status=Status.objects.get(slug="false"),
        effective_on=datetime.date(2024, 10, 29),
        rationale="Reviewer's own idea.",
        by=reviewer,
    )
    return {"claim": claim, "attribution": attribution, "change": change, "own": own}


def queue(client: Client) -> str:
    response = client.get(reverse("claims:review"))
    assert response.status_code == 200
    return response.content.decode()


def test_queue_groups_pending_items_by_claim(pending: dict[str, object], reviewer: User) -> None:
    html = queue(client_for(reviewer))
    assert html.count('class="review-group"') == 1
    assert "Pentagon</strong> confirms" in html
    assert "The Pentagon confirms the sea route." in html
    for kind, item in (("attribution", pending["attribution"]), ("status-change", pending["change"])):
        decide = reverse("claims:review_item", args=[kind, item.pk])  # type: ignore[attr-defined]
        assert f'action="{decide}" hx-post="{decide}" hx-target="#review-{kind}-{item.pk}"' in html  # type: ignore[attr-defined]


def test_reviewer_sees_own_item_without_buttons(pending: dict[str, object], reviewer: User) -> None:
    own = pending["own"]
    html = queue(client_for(reviewer))
    item = html[html.index(f'id="review-status-change-{own.pk}"') :]
    item = item[: item.index("</li>")]
    assert "Your own proposal: another reviewer must review it." in item
    assert "Approve" not in item


def test_pending_count_shows_in_navigation_for_reviewers_only(
    pending: dict[str, object], reviewer: User, editor: User
) -> None:
    assert 'aria-label="3 pending">3</span>' in queue(client_for(reviewer))
    assert "pending</span>" not in client_for(editor).get("/claims/").content.decode()


def test_approve_in_place_moves_current_status(pending: dict[str, object], reviewer: User) -> None:
    change = pending["change"]
    services.approve(pending["attribution"], by=reviewer)  # its evidence first
    response = client_for(reviewer).post(
        reverse("claims:review_item", args=["status-change", change.pk]),
        {"decision": "approve", "note": "Checked the briefing."},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="review-item" id="review-status-change-{change.pk}"')
    assert "Approved by rita: Checked the briefing." in html
    claim = pending["claim"]
    claim.refresh_from_db()
    assert claim.current_status.slug == "confirmed"


def test_reject_needs_a_note_and_keeps_item_pending(pending: dict[str, object], reviewer: User) -> None:
    attribution = pending["attribution"]
    url = reverse("claims:review_item", args=["attribution", attribution.pk])
    client = client_for(reviewer)

    refused = client.post(url, {"decision": "reject", "note": " "}, headers={"HX-Request": "true"})
    assert "Say why it is rejected" in refused.content.decode()
    attribution.refresh_from_db()
    assert attribution.review_state == ReviewState.PENDING

    client.post(url, {"decision": "reject", "note": "Wrong date."})
    attribution.refresh_from_db()
    assert (attribution.review_state, attribution.review_note) == (ReviewState.REJECTED, "Wrong date.")


def test_reviewer_cannot_approve_own_item_even_by_posting(pending: dict[str, object], reviewer: User) -> None:
    own = pending["own"]
    response = client_for(reviewer).post(
        reverse("claims:review_item", args=["status-change", own.pk]), {"decision": "approve"}, follow=True
    )
    assert "You cannot review your own work" in response.content.decode()
    own.refresh_from_db()
    assert own.review_state == ReviewState.PENDING


def test_editor_has_no_approve_button_and_cannot_post(pending: dict[str, object], editor: User) -> None:
    client = client_for(editor)
    assert client.get(reverse("claims:review")).status_code == 403
    change = pending["change"]
    response = client.post(reverse("claims:review_item", args=["status-change", change.pk]), {"decision": "approve"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.review_state == ReviewState.PENDING


def test_review_of_unknown_kind_or_item_is_404(pending: dict[str, object], reviewer: User) -> None:
    client = client_for(reviewer)
    assert client.post("/review/claim/1/", {"decision": "approve"}).status_code == 404
    assert client.post("/review/attribution/999999/", {"decision": "approve"}).status_code == 404


def test_bad_decision_is_a_clear_error(pending: dict[str, object], reviewer: User) -> None:
    change = pending["change"]
    response = client_for(reviewer).post(
        reverse("claims:review_item", args=["status-change", change.pk]), {"decision": "maybe"}, follow=True
    )
    assert "Choose approve or reject." in response.content.decode()
    assert StatusChange.objects.get(pk=change.pk).review_state == ReviewState.PENDING
    assert Attribution.objects.filter(review_state=ReviewState.PENDING).count() == 1


def test_queue_pages_by_claim_oldest_first(
    editor: User, reviewer: User, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: object
) -> None:
    from claimtracker.claims.queries import review as review_queries
    from tests.factories import AttributionFactory, ClaimFactory

    monkeypatch.setattr(review_queries, "REVIEW_CLAIMS", 2)
    claims = [ClaimFactory(created_by=editor) for _ in range(5)]
    for claim in claims:
        AttributionFactory(claim=claim, created_by=editor, quote=f"pending on claim {claim.pk}")
    client = client_for(reviewer)

    seen = []
    url = reverse("claims:review")
    for _ in range(3):
        with django_assert_max_num_queries(12):  # type: ignore[operator]
            html = client.get(url).content.decode()
        seen += [c.pk for c in claims if f"pending on claim {c.pk}<" in html]
        next_link = re.search(r'href="\?after=(\d+)" rel="next"', html)
        if not next_link:
            break
        url = reverse("claims:review") + f"?after={next_link.group(1)}"
    assert seen == [c.pk for c in claims]
    assert "5 items wait" in re.sub(r"<!--.*?-->", "", html)  # the count is marked for a stored page (pagecache)
    assert client.get(reverse("claims:review") + "?after=x' OR 1=1").status_code == 200


def _token(html: str, item: str) -> str:
    """The CSRF token of the form deciding ``item`` (review-<kind>-<pk>)."""
    found = re.search(rf'id="{item}".*?name="csrfmiddlewaretoken" value="([^"]+)"', html, re.S)
    assert found, f"no form for {item} in the queue"
    return found.group(1)


def test_a_kept_queue_gives_each_browser_a_csrf_token_of_its_own(
    pending: dict[str, object], reviewer: User, other_reviewer: User
) -> None:
    """The claims and items of a page of the queue are drawn once for each
    version of their data and each reviewer, then kept: a second browser of the
    same reviewer reads them kept, with a CSRF token its own cookie accepts."""
    first, second = client_for(reviewer), client_for(reviewer)
    for client in (first, second):
        client.handler.enforce_csrf_checks = True
    queue(first)
    with CaptureQueriesContext(connection) as drawn:
        theirs = queue(client_for(other_reviewer))  # drawn for them: rita's own proposal is theirs to review
    own = pending["own"]
    assert f'id="note-status-change-{own.pk}"' in theirs  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as read:
        html = queue(second)  # kept
    assert len(read) < len(drawn)
    assert not any("claims_attribution" in query["sql"] and "quote_start" in query["sql"] for query in read)
    assert "Pentagon</strong> confirms" in html
    attribution = pending["attribution"]
    response = second.post(
        reverse("claims:review_item", args=["attribution", attribution.pk]),
        {"decision": "approve", "csrfmiddlewaretoken": _token(html, f"review-attribution-{attribution.pk}")},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302
    attribution.refresh_from_db()  # type: ignore[attr-defined]
    assert attribution.review_state == ReviewState.APPROVED  # type: ignore[attr-defined]


def test_a_kept_queue_follows_a_write_made_with_sql(pending: dict[str, object], reviewer: User) -> None:
    """A page of the queue kept is drawn anew when a claim on it changes,
    whatever wrote it, and each reviewer's own proposals stay theirs."""
    client = client_for(reviewer)
    assert "by ship</blockquote>" in queue(client)
    attribution = pending["attribution"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_attribution SET quote = 'by train' WHERE id = %s", [attribution.pk])  # type: ignore[attr-defined]
    html = queue(client_for(reviewer))  # another browser: no stored page, the kept queue
    assert "by train" in html
    assert "by ship</blockquote>" not in html
    own = pending["own"]
    assert f'id="review-status-change-{own.pk}"' in html
    assert "Your own proposal" in html
