"""What the review queue shows a reviewer before deciding (the quote check, the
passage around the quote, a status change's evidence) and what changes in
place after a decision."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Attribution, Claim, Source, Status, StatusChange
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

BODY = (
    "SEOUL, Oct. 28 -- " + "Background paragraph. " * 12 + "The Pentagon said on Monday that "
    "about 10,000 troops had moved to eastern Russia, officials added. " + "More text. " * 20
)
DAY = datetime.date(2024, 10, 28)


def _item(html: str, kind: str, pk: int) -> str:
    part = html[html.index(f'id="review-{kind}-{pk}"') :]
    return part[: part.index("</li>\n")]


@pytest.fixture
def source() -> Source:
    return SourceFactory(body=BODY)


def _add(claim: Claim, source: Source, by: User, quote: str, kind: str = "direct") -> Attribution:
    return services.add_attribution(
        claim, actor=ActorFactory(), source=source, stance="asserts", stated_on=DAY, quote=quote, quote_kind=kind, by=by
    )


def test_queue_shows_the_quote_check_and_the_passage_around_a_found_quote(
    source: Source, editor: User, reviewer: User
) -> None:
    item = _add(ClaimFactory(), source, editor, "about 10,000 troops had moved")
    html = _item(client_for(reviewer).get(reverse("claims:review")).content.decode(), "attribution", item.pk)
    assert "Quote found in the source." in html
    assert "<mark>about 10,000 troops had moved</mark>" in html
    assert "The Pentagon said on Monday that" in html and "to eastern Russia, officials added." in html
    assert ">Approve<" in html and "Approve anyway" not in html


@pytest.mark.parametrize(
    ("quote", "kind", "body", "said"),
    [
        ("troops had left for Vladivostok", "direct", BODY, "Quote not found in the source."),
        ("ABOUT 10,000 TROOPS had moved", "direct", BODY, "Quote found in the source, but for letter case."),
        ("troops had moved", "direct", "", "The source has no text to check the quote against."),
        ("they sent many soldiers", "paraphrase", BODY, "Not a direct quote: not checked word for word."),
        ("about 10,000 troops had moved", "reported", BODY, "Quote found in the source."),
        ("they sent many soldiers", "reported", BODY, "Not a direct quote: not checked word for word."),
    ],
)
def test_queue_says_what_the_quote_check_found(
    editor: User, reviewer: User, quote: str, kind: str, body: str, said: str
) -> None:
    item = _add(ClaimFactory(), SourceFactory(body=body), editor, quote, kind)
    html = _item(client_for(reviewer).get(reverse("claims:review")).content.decode(), "attribution", item.pk)
    assert said in html


def test_a_direct_quote_not_in_the_source_needs_approve_anyway(source: Source, editor: User, reviewer: User) -> None:
    item = _add(ClaimFactory(), source, editor, "troops had left for Vladivostok")
    client = client_for(reviewer)
    assert "Approve anyway" in _item(client.get(reverse("claims:review")).content.decode(), "attribution", item.pk)
    url = reverse("claims:review_item", args=["attribution", item.pk])

    refused = client.post(url, {"decision": "approve"}, HTTP_HX_REQUEST="true").content.decode()
    item.refresh_from_db()
    assert item.review_state == "pending"
    assert "choose Approve anyway" in refused

    client.post(url, {"decision": "approve_anyway"}, HTTP_HX_REQUEST="true")
    item.refresh_from_db()
    assert (item.review_state, item.reviewed_by) == ("approved", reviewer)


def _change_citing(source: Source, editor: User) -> tuple[Attribution, StatusChange]:
    """An attribution in review, and a status change in review that cites it."""
    claim = ClaimFactory()
    evidence = _add(claim, source, editor, "about 10,000 troops had moved")
    change = services.propose_status_change(
        claim,
        status=Status.objects.get(slug="confirmed"),
        effective_on=DAY,
        rationale="The Pentagon confirms the figure.",
        evidence=[evidence],
        by=editor,
    )
    return evidence, change


def test_queue_shows_a_status_changes_evidence_with_each_quote(source: Source, editor: User, reviewer: User) -> None:
    found, change = _change_citing(source, editor)
    html = _item(client_for(reviewer).get(reverse("claims:review")).content.decode(), "status-change", change.pk)
    assert found.actor.name in html and "about 10,000 troops had moved" in html
    assert "Pending" in html  # the evidence is itself still in review


def test_after_a_decision_the_count_and_the_claims_badge_change_in_place(
    source: Source, editor: User, reviewer: User
) -> None:
    claim = ClaimFactory()
    _add(claim, source, editor, "about 10,000 troops had moved")
    change = services.propose_status_change(
        claim, status=Status.objects.get(slug="confirmed"), effective_on=DAY, rationale="Seen.", by=editor
    )
    response = client_for(reviewer).post(
        reverse("claims:review_item", args=["status-change", change.pk]),
        {"decision": "approve"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Approved by rita" in html
    assert '<span id="review-count" hx-swap-oob="true"> <span class="count" aria-label="1 pending">1</span>' in html
    badge = html[html.index(f'id="claim-status-{claim.pk}"') :]
    assert "Confirmed" in badge[: badge.index("</span>\n")]


def test_approving_evidence_in_place_updates_the_changes_that_cite_it(
    source: Source, editor: User, reviewer: User
) -> None:
    """A reviewer who approves the evidence first, as the queue asks, sees the
    status change below say so without reloading the page."""
    evidence, citing = _change_citing(source, editor)
    other = services.propose_status_change(
        ClaimFactory(), status=Status.objects.get(slug="confirmed"), effective_on=DAY, rationale="Seen.", by=editor
    )
    client = client_for(reviewer)
    before = _item(client.get(reverse("claims:review")).content.decode(), "status-change", citing.pk)
    assert "Its evidence is not all approved yet" in before

    response = client.post(
        reverse("claims:review_item", args=["attribution", evidence.pk]),
        {"decision": "approve"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert f'<li class="review-item" id="review-status-change-{citing.pk}" hx-swap-oob="true">' in html
    after = _item(html, "status-change", citing.pk)
    assert "Its evidence is not all approved yet" not in after
    assert '<span class="review-state state-approved">Approved</span>' in after  # in the colour of approval
    assert 'name="decision" value="approve"' in after  # still the reviewer's to decide
    assert f'id="review-status-change-{other.pk}"' not in html  # a change that cites nothing of it stays


def test_queue_shows_the_figure_an_attribution_states(source: Source, editor: User, reviewer: User) -> None:
    stated = services.add_attribution(
        ClaimFactory(),
        actor=ActorFactory(),
        source=source,
        stance="asserts",
        stated_on=DAY,
        quote="about 10,000 troops had moved",
        figure=Decimal(10000),
        figure_bound="about",
        figure_unit="troops",
        by=editor,
    )
    html = _item(client_for(reviewer).get(reverse("claims:review")).content.decode(), "attribution", stated.pk)
    assert f'<span class="figure">{stated.figure_display}</span>' in html
    assert "10,000" in stated.figure_display


def test_a_rejection_is_told_apart_from_an_approval(source: Source, editor: User, reviewer: User) -> None:
    rejected, approved = (_add(ClaimFactory(), source, editor, "about 10,000 troops had moved") for _ in range(2))
    client = client_for(reviewer)

    def decide(item: Attribution, decision: str, **headers: str) -> str:
        url = reverse("claims:review_item", args=["attribution", item.pk])
        return client.post(url, {"decision": decision, "note": "Wrong date."}, follow=True, **headers).content.decode()

    assert '<p class="done rejected" role="status"' in decide(rejected, "reject", HTTP_HX_REQUEST="true")
    rejected.refresh_from_db()
    assert rejected.review_state == "rejected"
    # Without JavaScript, the message after the redirect: a warning, not the green of an approval.
    page = decide(approved, "approve")
    assert '<li class="success">Approved: ' in page
    other = _add(ClaimFactory(), source, editor, "about 10,000 troops had moved")
    assert '<li class="warning">Rejected: ' in decide(other, "reject")


def test_a_note_too_long_is_said_so_and_kept(source: Source, editor: User, reviewer: User) -> None:
    """A new user's walk had its 5,001-character note thrown away and was told to say why."""
    item = _add(ClaimFactory(), source, editor, "about 10,000 troops had moved")
    note = ("Check the date against the wire copy. " * 132).strip()  # 5,015 characters
    response = client_for(reviewer).post(
        reverse("claims:review_item", args=["attribution", item.pk]),
        {"decision": "reject", "note": note},
        HTTP_HX_REQUEST="true",
    )
    html = _item(response.content.decode(), "attribution", item.pk)
    assert "Ensure this value has at most 5000 characters (it has 5015)." in html
    assert "Say why it is rejected" not in html
    assert f">{note}</textarea>" in html  # what was typed, to be cut and sent again
    item.refresh_from_db()
    assert item.review_state == "pending"


def test_a_status_change_is_approved_only_on_approved_evidence(source: Source, editor: User, reviewer: User) -> None:
    evidence, change = _change_citing(source, editor)
    client = client_for(reviewer)
    url = reverse("claims:review_item", args=["status-change", change.pk])

    refused = client.post(url, {"decision": "approve"}, HTTP_HX_REQUEST="true").content.decode()
    change.refresh_from_db()
    assert change.review_state == "pending"
    assert "1 of the attributions it cites as evidence is not approved" in refused

    services.approve(evidence, by=reviewer)
    client.post(url, {"decision": "approve"}, HTTP_HX_REQUEST="true")
    change.refresh_from_db()
    change.claim.refresh_from_db()
    assert (change.review_state, change.claim.current_status.slug) == ("approved", "confirmed")


def test_a_resubmitted_entry_shows_what_it_was_sent_back_for(source: Source, editor: User, reviewer: User) -> None:
    item = _add(ClaimFactory(), source, editor, "about 10,000 troops had moved")
    services.reject(item, by=reviewer, note="Say who at the Pentagon said it.")
    services.revise_attribution(item, by=editor, quote="The Pentagon said on Monday")
    html = _item(client_for(reviewer).get(reverse("claims:review")).content.decode(), "attribution", item.pk)
    assert "Resubmitted, round 2" in html
    assert "sent back for: “Say who at the Pentagon said it.”" in html


def test_a_correction_shows_what_it_corrects(source: Source, editor: User, reviewer: User) -> None:
    original = _add(ClaimFactory(), source, editor, "about 10,000 troops had moved")
    services.approve(original, by=reviewer)
    correction = services.correct_attribution(
        original,
        by=editor,
        actor=original.actor,
        source=source,
        stance="qualifies",
        stated_on=DAY,
        quote="about 10,000 troops had moved",
    )
    html = _item(client_for(reviewer).get(reverse("claims:review")).content.decode(), "attribution", correction.pk)
    assert "It corrects, once approved:" in html
    assert f"<del><strong>{original.actor.name}</strong> asserts" in html
