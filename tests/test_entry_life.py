"""The life of an entry (DESIGN 8.2): the author edits a pending entry, mends
and resubmits a rejected one, or withdraws either; approved entries are
frozen; withdrawn ones count nowhere but in the author's list and history."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims import queries, services
from claimtracker.claims.models import Attribution, Claim, ReviewState, Status, StatusChange
from claimtracker.exports.stream import timeline_csv
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 10, 25)  # the factory's sources are published that day


@pytest.fixture
def claim(editor: User) -> Claim:
    return ClaimFactory(text="Troops moved by ship", created_by=editor)


def _attribution(claim: Claim, by: User, quote: str = "the troops had left") -> Attribution:
    return services.add_attribution(
        claim, actor=ActorFactory(), source=SourceFactory(), stance="asserts", stated_on=DAY, quote=quote, by=by
    )


def _edit_url(item: Attribution | StatusChange) -> str:
    kind = "attribution" if isinstance(item, Attribution) else "status-change"
    return reverse("claims:edit_entry", args=[kind, item.pk])


def _attribution_post(item: Attribution, **changes: str) -> dict[str, str]:
    data = {
        "submission": "2c1a8f5e-0000-4000-8000-000000000001",
        "actor": item.actor.name,
        "stance": item.stance,
        "certainty": item.certainty,
        "source": f"{item.source.title} [#{item.source_id}]",
        "quote": item.quote,
        "quote_kind": item.quote_kind,
        "via": "",
        "stated_on": item.stated_on.isoformat(),
        "stated_on_precision": item.stated_on_precision,
    }
    return data | changes


def test_author_edits_a_pending_attribution_and_it_stays_pending(claim: Claim, editor: User) -> None:
    item = _attribution(claim, editor)
    response = client_for(editor).post(_edit_url(item), _attribution_post(item, quote="Officials denied it"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.quote, item.review_state, item.review_round) == ("Officials denied it", "pending", 1)
    assert item.quote_start is not None  # the quote check ran again on the edited quote


def test_author_mends_a_rejected_attribution_into_a_new_review_round(
    claim: Claim, editor: User, reviewer: User
) -> None:
    item = _attribution(claim, editor)
    services.reject(item, by=reviewer, note="Wrong date: the briefing was on Monday.")
    client = client_for(editor)
    page = client.get(_edit_url(item)).content.decode()
    assert "Wrong date: the briefing was on Monday." in page
    assert "Resubmit for review" in page

    response = client.post(_edit_url(item), _attribution_post(item, stated_on="2024-10-21"))

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.review_state == ReviewState.PENDING
    assert (item.review_round, item.reviewed_by, item.review_note) == (2, None, "")
    assert item.stated_on == datetime.date(2024, 10, 21)
    # The earlier round's note is kept in the entry's history and shown with it.
    notes = [h.review_note for h in item.history.all()]
    assert "Wrong date: the briefing was on Monday." in notes
    assert "Wrong date: the briefing was on Monday." in client.get(_edit_url(item)).content.decode()
    assert item in queries.review_queue()[0][0].attributions


def test_author_mends_a_rejected_status_change(claim: Claim, editor: User, reviewer: User) -> None:
    evidence = _attribution(claim, editor)
    change = services.propose_status_change(
        claim, status=Status.objects.get(slug="reported"), effective_on=DAY, rationale="Seen.", by=editor
    )
    services.reject(change, by=reviewer, note="Cite the quote.")
    response = client_for(editor).post(
        _edit_url(change),
        {
            "submission": "2c1a8f5e-0000-4000-8000-000000000002",
            "status": Status.objects.get(slug="reported").pk,
            "effective_on": DAY.isoformat(),
            "effective_on_precision": "day",
            "rationale": "Seen in the Yonhap report.",
            "evidence": [evidence.pk],
        },
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.review_state, change.review_round, change.rationale) == ("pending", 2, "Seen in the Yonhap report.")
    assert list(change.evidence.all()) == [evidence]


def test_someone_else_cannot_edit_or_withdraw_an_entry(claim: Claim, editor: User, other_editor: User) -> None:
    item = _attribution(claim, editor)
    client = client_for(other_editor)
    assert client.get(_edit_url(item)).status_code == 403
    assert client.post(_edit_url(item), _attribution_post(item, quote="x")).status_code == 403
    withdraw = reverse("claims:withdraw_entry", args=["attribution", item.pk])
    assert client.post(withdraw).status_code == 403
    item.refresh_from_db()
    assert (item.quote, item.review_state) == ("the troops had left", "pending")


def test_an_approved_entry_cannot_be_edited_from_the_page(claim: Claim, editor: User, reviewer: User) -> None:
    item = _attribution(claim, editor)
    services.approve(item, by=reviewer)
    client = client_for(editor)
    response = client.post(_edit_url(item), _attribution_post(item, quote="Officials denied it"), follow=True)
    assert "approved and can no longer be edited" in response.content.decode()
    item.refresh_from_db()
    assert item.quote == "the troops had left"
    with pytest.raises(services.FrozenError):
        services.revise_attribution(item, by=editor, quote="changed")


def test_withdrawn_entries_count_nowhere_but_in_the_authors_list(
    claim: Claim, editor: User, reviewer: User, viewer: User
) -> None:
    kept = _attribution(claim, editor, quote="the troops had left")
    gone = _attribution(claim, editor, quote="Officials denied it")
    client = client_for(editor)
    before = queries.pending_count()

    response = client.post(reverse("claims:withdraw_entry", args=["attribution", gone.pk]))

    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.review_state == ReviewState.WITHDRAWN
    assert queries.pending_count() == before - 1
    queued = [a for group in queries.review_queue()[0] for a in group.attributions]
    assert kept in queued and gone not in queued
    # Not on the claim page (not even for the desk), not in the exports with pending work.
    page = client_for(reviewer).get(claim.get_absolute_url()).content.decode()
    assert "the troops had left" in page and "Officials denied it" not in page
    csv = b"".join(timeline_csv(Claim.objects.filter(pk=claim.pk), include_pending=True)).decode()
    assert "the troops had left" in csv and "Officials denied it" not in csv
    # In the author's own list, under Withdrawn.
    mine = client.get(reverse("claims:mine") + "?state=withdrawn").content.decode()
    assert "Officials denied it" in mine and "Withdrawn (1)" in mine


def test_a_rejected_entry_can_be_withdrawn_but_an_approved_one_cannot(
    claim: Claim, editor: User, reviewer: User
) -> None:
    rejected, approved = _attribution(claim, editor), _attribution(claim, editor)
    services.reject(rejected, by=reviewer, note="Not in the source.")
    services.approve(approved, by=reviewer)
    client = client_for(editor)
    client.post(reverse("claims:withdraw_entry", args=["attribution", rejected.pk]))
    response = client.post(reverse("claims:withdraw_entry", args=["attribution", approved.pk]), follow=True)
    rejected.refresh_from_db()
    approved.refresh_from_db()
    assert (rejected.review_state, approved.review_state) == ("withdrawn", "approved")
    assert "approved and frozen" in response.content.decode()


def test_a_correction_replaces_an_approved_attribution_once_approved(
    claim: Claim, editor: User, reviewer: User
) -> None:
    original = _attribution(claim, editor)
    services.approve(original, by=reviewer)
    correction = services.correct_attribution(
        original,
        by=editor,
        actor=original.actor,
        source=original.source,
        stance="denies",
        stated_on=DAY,
        quote="Officials denied it",
    )
    assert [s.pk for s in queries.approved_stances(claim)] == [original.pk]
    services.approve(correction, by=reviewer)
    assert [s.pk for s in queries.approved_stances(claim)] == [correction.pk]
    html = client_for(reviewer).get(claim.get_absolute_url()).content.decode()
    assert "corrected by a later entry" in html and "Officials denied it" in html


def test_an_editor_proposes_a_correction_of_an_approved_attribution_from_the_pages(
    claim: Claim, editor: User, other_editor: User, reviewer: User
) -> None:
    original = _attribution(claim, editor)
    services.approve(original, by=reviewer)
    client = client_for(other_editor)
    assert "Propose a correction" in client.get(claim.get_absolute_url()).content.decode()
    url = reverse("claims:correct_attribution", args=[original.pk])
    form = client.get(url).content.decode()
    assert "the troops had left" in form and original.actor.name in form  # prefilled from the original

    response = client.post(url, _attribution_post(original, stance="denies", quote="Officials denied it"))

    assert response.status_code == 302
    correction = Attribution.objects.get(corrects=original)
    assert (correction.stance, correction.review_state, correction.created_by) == ("denies", "pending", other_editor)
    original.refresh_from_db()
    assert (original.stance, original.quote) == ("asserts", "the troops had left")  # the original is untouched
