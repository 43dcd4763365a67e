"""The admin follows the life of an entry (DESIGN 8.2): approved attributions and
status changes are read-only and never deleted, alone or with their claim; a
correction is proposed from the approved entry's page and enters as pending;
only its author edits an entry in review; nothing the services refuse is a
server error."""

import datetime
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Attribution, Claim, ReviewState, Status, StatusChange
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory
from tests.html_forms import form_on

pytestmark = pytest.mark.django_db

CONTENT_FIELDS = ("actor", "stance", "certainty", "source", "quote_kind", "via", "quote", "stated_on")


@pytest.fixture
def ada(superuser: User) -> Client:
    return client_for(superuser)


def attribution(by: User, claim: Claim | None = None, quote: str = "the troops had left") -> Attribution:
    return services.add_attribution(
        claim or ClaimFactory(),
        actor=ActorFactory(),
        source=SourceFactory(),
        stance="asserts",
        quote=quote,
        stated_on=datetime.date(2024, 10, 21),
        by=by,
    )


def status_change(by: User, claim: Claim, evidence: list[Attribution] | None = None) -> StatusChange:
    return services.propose_status_change(
        claim,
        status=Status.objects.get(slug="reported"),
        effective_on=datetime.date(2024, 10, 21),
        rationale="Reported by a credible outlet.",
        evidence=evidence or [],
        by=by,
    )


def approved(item: Any, reviewer: User) -> Any:
    services.approve(item, by=reviewer)
    item.refresh_from_db()
    return item


def change_url(item: Attribution | StatusChange | Claim) -> str:
    return reverse(f"admin:claims_{item._meta.model_name}_change", args=[item.pk])


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def inputs(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))


# --- Approved entries: read-only, never deleted, corrected --------------------------------------------


def test_approved_attribution_page_is_read_only_and_offers_a_correction(
    ada: Client, editor: User, reviewer: User
) -> None:
    frozen = approved(attribution(editor), reviewer)

    html = ada.get(change_url(frozen)).content.decode()

    assert not inputs(html) & {*CONTENT_FIELDS, "claim", "corrects", "stated_on_precision"}
    assert "the troops had left" in html
    assert "is approved and frozen" in html
    add = reverse("admin:claims_attribution_add")
    assert f'href="{add}?corrects={frozen.pk}"' in html and "Propose a correction" in html
    assert reverse("admin:claims_attribution_delete", args=[frozen.pk]) not in html
    assert 'name="_save"' not in html


def test_approved_attribution_cannot_be_changed_or_deleted_by_post(ada: Client, editor: User, reviewer: User) -> None:
    frozen = approved(attribution(editor), reviewer)
    before = Attribution.objects.values().get(pk=frozen.pk)
    data = {"actor": frozen.actor_id, "stance": "denies", "certainty": "definite", "source": frozen.source_id}
    data |= {"quote_kind": "direct", "quote": "rewritten", "stated_on": "2024-10-21", "stated_on_precision": "day"}

    changed = ada.post(change_url(frozen), data, follow=True)
    deleted = ada.post(reverse("admin:claims_attribution_delete", args=[frozen.pk]), {"post": "yes"})

    assert changed.status_code == 200
    assert any("approved and frozen" in m and "Nothing was changed" in m for m in messages_of(changed))
    assert deleted.status_code == 403
    assert Attribution.objects.values().get(pk=frozen.pk) == before


def test_approved_attribution_is_not_reverted_from_its_history(ada: Client, editor: User, reviewer: User) -> None:
    frozen = approved(attribution(editor), reviewer)
    first = frozen.history.earliest("history_date")
    url = reverse("admin:claims_attribution_simple_history", args=[frozen.pk, first.history_id])

    response = ada.post(url, {"stance": "denies", "quote": "reverted"}, follow=True)

    assert response.status_code == 200
    assert any("Nothing was reverted" in m for m in messages_of(response))
    assert Attribution.objects.get(pk=frozen.pk).is_approved


def test_correction_of_an_attribution_is_prefilled_and_enters_pending(
    ada: Client, superuser: User, editor: User, reviewer: User
) -> None:
    original = approved(attribution(editor), reviewer)
    add = reverse("admin:claims_attribution_add")

    page = ada.get(add, {"corrects": original.pk})
    data = form_on(page.content)
    assert "A correction of" in page.content.decode()
    assert (data["claim"], data["corrects"], data["actor"]) == tuple(
        str(pk) for pk in (original.claim_id, original.pk, original.actor_id)
    )
    assert (data["quote"].strip(), data["stance"], data["stated_on"]) == (
        "the troops had left",
        "asserts",
        "2024-10-21",
    )

    response = ada.post(f"{add}?corrects={original.pk}", data | {"stance": "denies"}, follow=True)

    assert response.status_code == 200
    correction = Attribution.objects.get(corrects=original)
    assert (correction.stance, correction.review_state, correction.created_by) == (
        "denies",
        ReviewState.PENDING,
        superuser,
    )
    assert (correction.claim_id, correction.actor_id, correction.quote) == (
        original.claim_id,
        original.actor_id,
        original.quote,
    )
    assert any("once approved, it replaces the original" in m for m in messages_of(response))
    assert Attribution.objects.get(pk=original.pk).is_approved


def test_only_an_approved_attribution_can_be_corrected(ada: Client, editor: User) -> None:
    pending = attribution(editor)
    add = reverse("admin:claims_attribution_add")

    data = form_on(ada.get(add, {"corrects": pending.pk}).content)
    assert not data.get("corrects") and not data.get("quote", "").strip()  # not prefilled

    data |= {"claim": pending.claim_id, "corrects": pending.pk, "actor": pending.actor_id, "source": pending.source_id}
    data |= {"stance": "denies", "certainty": "definite", "quote_kind": "direct", "stated_on": "2024-10-21"}
    response = ada.post(add, data)

    assert response.status_code == 200
    assert "Only an approved attribution can be corrected" in response.content.decode()
    assert not Attribution.objects.filter(corrects=pending).exists()


def test_approved_status_change_page_offers_a_prefilled_correction(
    ada: Client, other_superuser: User, editor: User, reviewer: User
) -> None:
    claim = ClaimFactory()
    evidence = approved(attribution(editor, claim), reviewer)
    original = approved(status_change(editor, claim, [evidence]), reviewer)

    html = ada.get(change_url(original)).content.decode()
    assert "is approved and frozen" in html and f"?corrects={original.pk}" in html
    assert not inputs(html) & {"status", "rationale", "effective_on", "evidence"}
    assert reverse("admin:claims_statuschange_delete", args=[original.pk]) not in html

    add = reverse("admin:claims_statuschange_add")
    data = form_on(ada.get(add, {"corrects": original.pk}).content)
    assert (data["corrects"], data["evidence"], data["rationale"].strip()) == (
        str(original.pk),
        str(evidence.pk),
        "Reported by a credible outlet.",
    )
    false = Status.objects.get(slug="false")
    response = ada.post(add, data | {"status": false.pk, "rationale": "The outlet retracted it."}, follow=True)

    assert "The correction was proposed and waits for a reviewer." in messages_of(response)
    correction = StatusChange.objects.get(corrects=original)
    assert (correction.review_state, list(correction.evidence.all())) == (ReviewState.PENDING, [evidence])
    client_for(other_superuser).post(
        reverse("admin:claims_statuschange_changelist"),
        {"action": "approve_selected", "_selected_action": [correction.pk]},
    )
    claim.refresh_from_db()
    assert claim.current_status == false


# --- Entries in review: only their author edits them ----------------------------------------------------


def test_own_pending_attribution_is_editable_and_others_are_not(ada: Client, superuser: User, editor: User) -> None:
    own, others = attribution(superuser), attribution(editor)

    own_page = ada.get(change_url(own)).content.decode()
    others_page = ada.get(change_url(others)).content.decode()

    assert {"quote", "stance", "actor"} <= inputs(own_page)
    assert not inputs(others_page) & set(CONTENT_FIELDS)
    assert "Only its author can change this attribution" in others_page

    data = form_on(own_page.encode()) | {"quote": "Officials denied it"}
    assert ada.post(change_url(own), data).status_code == 302
    own.refresh_from_db()
    assert (own.quote, own.quote_found, own.review_state) == ("Officials denied it", True, ReviewState.PENDING)
    assert own.history.latest("history_date").history_user == superuser


def test_own_rejected_attribution_mended_in_the_admin_is_resubmitted(
    ada: Client, superuser: User, reviewer: User
) -> None:
    rejected = attribution(superuser)
    services.reject(rejected, by=reviewer, note="Wrong speaker.")
    data = form_on(ada.get(change_url(rejected)).content) | {"actor": ActorFactory().pk}

    response = ada.post(change_url(rejected), data, follow=True)

    assert "It is pending again, for a new round of review." in messages_of(response)
    rejected.refresh_from_db()
    assert (rejected.review_state, rejected.review_round, rejected.reviewed_by) == (ReviewState.PENDING, 2, None)


def test_own_pending_status_change_is_editable_with_its_evidence(ada: Client, superuser: User, editor: User) -> None:
    claim = ClaimFactory()
    first, second = attribution(editor, claim), attribution(editor, claim, quote="Officials denied it")
    change = status_change(superuser, claim, [first])

    data = form_on(ada.get(change_url(change)).content)
    assert data["evidence"] == str(first.pk) and "claim" not in data
    response = ada.post(change_url(change), data | {"evidence": f"{second.pk}", "rationale": "Better reason."})

    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.rationale, list(change.evidence.all())) == ("Better reason.", [second])


def test_withdrawn_entry_is_read_only_without_a_correction(ada: Client, superuser: User) -> None:
    item = attribution(superuser)
    services.withdraw(item, by=superuser)

    html = ada.get(change_url(item)).content.decode()

    assert not inputs(html) & set(CONTENT_FIELDS)
    assert "was withdrawn by its author" in html and "Propose a correction" not in html


def test_withdraw_action_takes_back_own_entries_only(ada: Client, superuser: User, editor: User) -> None:
    own, others = attribution(superuser), attribution(editor)
    action = {"action": "withdraw_selected", "_selected_action": [own.pk, others.pk]}

    response = ada.post(reverse("admin:claims_attribution_changelist"), action, follow=True)

    assert "1 item(s) done." in messages_of(response)
    assert any("Only its author can change this entry" in m for m in messages_of(response))
    assert Attribution.objects.get(pk=own.pk).review_state == ReviewState.WITHDRAWN
    assert Attribution.objects.get(pk=others.pk).review_state == ReviewState.PENDING


def test_review_state_filter_offers_withdrawn(ada: Client, superuser: User) -> None:
    item, kept = attribution(superuser), attribution(superuser)
    services.withdraw(item, by=superuser)
    changelist = reverse("admin:claims_attribution_changelist")

    html = ada.get(changelist).content.decode()
    listed = ada.get(changelist, {"review_state__exact": "withdrawn"})

    assert "?review_state__exact=withdrawn" in html
    assert list(listed.context["cl"].result_list) == [item] and kept not in listed.context["cl"].result_list
    for model in ("attribution", "statuschange"):
        assert ada.get(reverse(f"admin:claims_{model}_changelist"), {"corrects__isempty": "0"}).status_code == 200


# --- The claim page: approved rows read-only, own rows editable -----------------------------------------


def test_claim_page_saves_own_rows_and_leaves_approved_rows_alone(
    ada: Client, superuser: User, editor: User, reviewer: User
) -> None:
    claim = ClaimFactory()
    frozen = approved(attribution(editor, claim), reviewer)
    others = attribution(editor, claim, quote="Officials denied it")
    own = attribution(superuser, claim)
    change = approved(status_change(editor, claim, [frozen]), reviewer)
    before = {a.pk: a for a in Attribution.objects.values_list("pk", "quote", "review_state", named=True)}

    page = ada.get(change_url(claim)).content.decode()
    fields = inputs(page)
    assert "attributions-0-id" in fields and not any(re.fullmatch(r"attributions-\d+-quote", f) for f in fields)
    assert "attributions-2-0-quote" in fields  # her own row, editable
    assert "Propose a correction" not in page  # that is on the entry's own page, linked from each row
    assert change_url(frozen) in page

    data = form_on(page.encode()) | {"text": "Reworded claim", "attributions-2-0-quote": "Officials denied it"}
    # A forged value for a read-only row is ignored, never written.
    data |= {"attributions-0-quote": "forged", "attributions-0-stance": "denies"}
    response = ada.post(change_url(claim), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.text == "Reworded claim"
    own.refresh_from_db()
    assert own.quote == "Officials denied it"
    for pk in (frozen.pk, others.pk):
        assert Attribution.objects.values_list("pk", "quote", "review_state", named=True).get(pk=pk) == before[pk]
    assert StatusChange.objects.get(pk=change.pk).is_approved


def test_own_row_approved_while_the_claim_page_was_open_is_not_changed(
    ada: Client, superuser: User, reviewer: User
) -> None:
    claim = ClaimFactory(text="Original wording")
    own = attribution(superuser, claim)
    data = form_on(ada.get(change_url(claim)).content)
    approved(own, reviewer)

    response = ada.post(
        change_url(claim), data | {"text": "New wording", "attributions-2-0-quote": "Officials denied it"}
    )

    assert response.status_code == 200  # shown again: the row is no longer hers to edit
    assert "One of your attributions left review while this page was open" in response.content.decode()
    claim.refresh_from_db()
    own.refresh_from_db()
    assert (claim.text, own.quote, own.review_state) == ("Original wording", "the troops had left", "approved")


def test_a_refusal_of_the_services_is_a_message_and_saves_nothing(
    ada: Client, superuser: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = ClaimFactory(text="Original wording")
    own = attribution(superuser, claim)
    data = form_on(ada.get(change_url(claim)).content)

    def frozen_meanwhile(*args: Any, **kwargs: Any) -> None:
        raise services.FrozenError("This entry is approved and frozen; propose a correction instead.")

    monkeypatch.setattr(services, "revise_attribution", frozen_meanwhile)
    response = ada.post(
        change_url(claim), data | {"text": "New wording", "attributions-2-0-quote": "Officials denied it"}, follow=True
    )

    assert response.status_code == 200
    assert "This entry is approved and frozen; propose a correction instead." in messages_of(response)
    claim.refresh_from_db()
    own.refresh_from_db()
    assert (claim.text, own.quote) == ("Original wording", "the troops had left")


# --- Deleting: approved entries are kept, and the page says why ---------------------------------------


def test_claim_with_approved_entries_cannot_be_deleted(ada: Client, editor: User, reviewer: User) -> None:
    claim = ClaimFactory()
    frozen = approved(attribution(editor, claim), reviewer)
    url = reverse("admin:claims_claim_delete", args=[claim.pk])

    page = ada.get(url)
    refused = ada.post(url, {"post": "yes"})
    bulk = ada.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "delete_selected", "_selected_action": [claim.pk], "post": "yes"},
    )

    for response in (page, refused, bulk):
        assert response.status_code == 200
        html = response.content.decode()
        assert "Cannot delete" in html
        assert "approved, so kept for good: propose a correction instead" in html and change_url(frozen) in html
    assert Claim.objects.filter(pk=claim.pk).exists() and Attribution.objects.filter(pk=frozen.pk).exists()


def test_claim_with_only_attributions_in_review_can_be_deleted(ada: Client, editor: User) -> None:
    claim = ClaimFactory()
    pending = attribution(editor, claim)

    response = ada.post(reverse("admin:claims_claim_delete", args=[claim.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists() and not Attribution.objects.filter(pk=pending.pk).exists()


def test_pending_status_change_is_deleted_with_its_evidence(ada: Client, editor: User) -> None:
    claim = ClaimFactory()
    change = status_change(editor, claim, [attribution(editor, claim)])

    response = ada.post(reverse("admin:claims_statuschange_delete", args=[change.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not StatusChange.objects.filter(pk=change.pk).exists()


def test_approved_attributions_are_refused_in_a_bulk_delete(ada: Client, editor: User, reviewer: User) -> None:
    claim = ClaimFactory()
    frozen = approved(attribution(editor, claim), reviewer)
    # Evidence of an approved change (a change is approved only on approved evidence).
    evidence = approved(attribution(editor, claim, quote="Officials denied it"), reviewer)
    approved(status_change(editor, claim, [evidence]), reviewer)
    loose = attribution(editor, claim, quote="loose")
    changelist = reverse("admin:claims_attribution_changelist")

    response = ada.post(
        changelist, {"action": "delete_selected", "_selected_action": [frozen.pk, loose.pk], "post": "yes"}
    )

    assert response.status_code == 200
    assert "approved, so kept for good" in response.content.decode()
    assert Attribution.objects.filter(pk__in=[frozen.pk, loose.pk]).count() == 2
    single = ada.post(reverse("admin:claims_attribution_delete", args=[evidence.pk]), {"post": "yes"})
    assert single.status_code == 403  # an approved entry has no delete page at all
    assert Attribution.objects.filter(pk=evidence.pk).exists()
    assert ada.post(reverse("admin:claims_attribution_delete", args=[loose.pk]), {"post": "yes"}).status_code == 302
