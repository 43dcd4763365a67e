"""The write actions of claims.services: review rules, current status, corrections, stale edits."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User

from claimtracker.claims import services
from claimtracker.claims.models import Claim, ReviewState, Stance, Status, StatusChange
from claimtracker.lib.dates import Precision
from tests.factories import ActorFactory, SourceFactory

pytestmark = pytest.mark.django_db

OCT_21 = datetime.date(2024, 10, 21)
OCT_25 = datetime.date(2024, 10, 25)


def status(slug: str) -> Status:
    return Status.objects.get(slug=slug)


def new_claim(by: User) -> Claim:
    return services.create_claim(text="  North Korea has sent troops to Russia  ", by=by)


def approved_change(claim: Claim, slug: str, on: datetime.date, *, editor: User, reviewer: User) -> StatusChange:
    change = services.propose_status_change(
        claim, status=status(slug), effective_on=on, rationale=f"Now {slug}.", by=editor
    )
    services.approve(change, by=reviewer)
    return change


def test_create_claim_strips_text_and_records_author_in_history(editor: User) -> None:
    claim = new_claim(editor)

    assert claim.text == "North Korea has sent troops to Russia"
    assert claim.version == 1
    assert claim.current_status is None
    assert claim.history.get().history_user == editor


def test_new_attribution_is_pending_and_its_quote_is_located(editor: User) -> None:
    claim = new_claim(editor)
    source = SourceFactory(body="Officials said the troops had left by ship. Others denied it.")

    attribution = services.add_attribution(
        claim,
        actor=ActorFactory(),
        source=source,
        stance=Stance.ASSERTS,
        stated_on=OCT_21,
        quote="the troops had left by ship",
        by=editor,
    )

    assert attribution.review_state == ReviewState.PENDING
    assert source.body[attribution.quote_start : attribution.quote_end] == "the troops had left by ship"
    assert attribution.quote_prefix == "Officials said "
    assert attribution.quote_found is True
    assert attribution.history.get().history_user == editor


def test_attribution_quote_not_in_body_is_flagged(editor: User) -> None:
    attribution = services.add_attribution(
        new_claim(editor),
        actor=ActorFactory(),
        source=SourceFactory(body="Nothing here."),
        stance=Stance.DENIES,
        stated_on=OCT_21,
        quote="groundless rumor",
        by=editor,
    )

    assert attribution.quote_found is False


def test_editing_source_body_relocates_its_quotes(editor: User) -> None:
    source = SourceFactory(body="No quote yet.")
    attribution = services.add_attribution(
        new_claim(editor),
        actor=ActorFactory(),
        source=source,
        stance=Stance.DENIES,
        stated_on=OCT_21,
        quote="groundless rumor",
        by=editor,
    )
    source.body = 'He called it a "groundless rumor."'

    services.save_source(source, by=editor)

    attribution.refresh_from_db()
    assert attribution.quote_found is True
    assert attribution.quote_start == source.body.index("groundless")


def test_attribution_date_must_fit_its_precision(editor: User) -> None:
    with pytest.raises(services.DomainError, match="does not fit month precision"):
        services.add_attribution(
            new_claim(editor),
            actor=ActorFactory(),
            source=SourceFactory(),
            stance=Stance.ASSERTS,
            stated_on=OCT_21,
            stated_on_precision=Precision.MONTH,
            by=editor,
        )


def test_approved_change_sets_current_status_and_since(editor: User, reviewer: User) -> None:
    claim = new_claim(editor)
    change = services.propose_status_change(
        claim,
        status=status("reported"),
        effective_on=datetime.date(2024, 10, 1),
        effective_on_precision=Precision.MONTH,
        rationale="Seoul reports it.",
        by=editor,
    )
    claim.refresh_from_db()
    assert claim.current_status is None, "a pending change must not count"

    services.approve(change, by=reviewer, note="Checked.")

    claim.refresh_from_db()
    assert claim.current_status == status("reported")
    assert claim.status_since == datetime.date(2024, 10, 1)
    assert claim.status_since_display == "Oct 2024"
    change.refresh_from_db()
    assert (change.review_state, change.reviewed_by, change.review_note) == ("approved", reviewer, "Checked.")


def test_current_status_follows_effective_date_not_recording_order(editor: User, reviewer: User) -> None:
    claim = new_claim(editor)
    approved_change(claim, "corroborated", OCT_25, editor=editor, reviewer=reviewer)
    approved_change(claim, "disputed", OCT_21, editor=editor, reviewer=reviewer)  # recorded later, happened earlier

    claim.refresh_from_db()
    assert claim.current_status == status("corroborated")
    assert claim.status_since == OCT_25


def test_rejected_change_does_not_count(editor: User, reviewer: User) -> None:
    claim = new_claim(editor)
    approved_change(claim, "reported", OCT_21, editor=editor, reviewer=reviewer)
    change = services.propose_status_change(
        claim, status=status("false"), effective_on=OCT_25, rationale="Looks false.", by=editor
    )

    services.reject(change, by=reviewer, note="No evidence cited.")

    claim.refresh_from_db()
    assert claim.current_status == status("reported")


def test_recorded_at_is_set_by_the_database_clock_and_reviewed_at_by_the_app(editor: User, reviewer: User) -> None:
    claim = new_claim(editor)
    with time_machine.travel(datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC), tick=False):
        change = services.propose_status_change(  # a day that has come, in 2001
            claim, status=status("reported"), effective_on=datetime.date(2000, 12, 31), rationale="Reported.", by=editor
        )
        services.approve(change, by=reviewer)
    change.refresh_from_db()

    assert change.reviewed_at == datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)
    # The database's own clock is not the travelling Python clock: recording time is a fact the app cannot set.
    assert change.recorded_at.year >= 2024


def test_reject_needs_a_note(editor: User, reviewer: User) -> None:
    change = services.propose_status_change(
        new_claim(editor), status=status("false"), effective_on=OCT_25, rationale="Looks false.", by=editor
    )
    with pytest.raises(services.DomainError, match="Say why"):
        services.reject(change, by=reviewer, note="   ")
    change.refresh_from_db()
    assert change.review_state == ReviewState.PENDING


def test_reviewer_cannot_approve_own_change(reviewer: User) -> None:
    claim = new_claim(reviewer)
    change = services.propose_status_change(
        claim, status=status("reported"), effective_on=OCT_21, rationale="Reported.", by=reviewer
    )

    with pytest.raises(services.SelfReviewError):
        services.approve(change, by=reviewer)
    with pytest.raises(services.SelfReviewError):
        services.reject(change, by=reviewer, note="Changed my mind.")

    change.refresh_from_db()
    claim.refresh_from_db()
    assert change.review_state == ReviewState.PENDING
    assert claim.current_status is None


def test_reviewer_cannot_approve_own_attribution(reviewer: User) -> None:
    attribution = services.add_attribution(
        new_claim(reviewer),
        actor=ActorFactory(),
        source=SourceFactory(),
        stance=Stance.ASSERTS,
        stated_on=OCT_21,
        by=reviewer,
    )
    with pytest.raises(services.SelfReviewError):
        services.approve(attribution, by=reviewer)


def test_an_item_is_reviewed_once(editor: User, reviewer: User, other_reviewer: User) -> None:
    change = services.propose_status_change(
        new_claim(editor), status=status("reported"), effective_on=OCT_21, rationale="Reported.", by=editor
    )
    services.approve(change, by=reviewer)

    with pytest.raises(services.NotPendingError, match="already approved"):
        services.reject(change, by=other_reviewer, note="Too late.")


def test_status_change_needs_rationale_and_same_claim_evidence(editor: User) -> None:
    claim, other = new_claim(editor), new_claim(editor)
    foreign = services.add_attribution(
        other, actor=ActorFactory(), source=SourceFactory(), stance=Stance.ASSERTS, stated_on=OCT_21, by=editor
    )
    with pytest.raises(services.DomainError, match="rationale"):
        services.propose_status_change(claim, status=status("reported"), effective_on=OCT_21, rationale=" ", by=editor)
    with pytest.raises(services.DomainError, match="same claim"):
        services.propose_status_change(
            claim, status=status("reported"), effective_on=OCT_21, rationale="R.", evidence=[foreign], by=editor
        )
    assert not StatusChange.objects.exists()


def test_correction_replaces_the_corrected_entry_once_approved(editor: User, reviewer: User) -> None:
    claim = new_claim(editor)
    approved_change(claim, "reported", OCT_21, editor=editor, reviewer=reviewer)
    wrong = approved_change(claim, "false", OCT_25, editor=editor, reviewer=reviewer)
    claim.refresh_from_db()
    assert claim.current_status == status("false")

    correction = services.correct_status_change(
        wrong,
        status=status("corroborated"),
        effective_on=OCT_25,
        rationale="Mis-keyed: it was corroborated.",
        by=editor,
    )
    claim.refresh_from_db()
    assert claim.current_status == status("false"), "the pending correction does not count yet"

    services.approve(correction, by=reviewer)

    claim.refresh_from_db()
    wrong.refresh_from_db()
    assert claim.current_status == status("corroborated")
    assert wrong.review_state == ReviewState.APPROVED, "the corrected entry stays, unchanged"
    assert correction.corrects == wrong


def test_correcting_the_latest_entry_can_fall_back_to_the_one_before(editor: User, reviewer: User) -> None:
    claim = new_claim(editor)
    approved_change(claim, "reported", OCT_21, editor=editor, reviewer=reviewer)
    wrong = approved_change(claim, "false", OCT_25, editor=editor, reviewer=reviewer)
    correction = services.correct_status_change(
        wrong, status=status("reported"), effective_on=OCT_21, rationale="Entered in error.", by=editor
    )
    services.approve(correction, by=reviewer)

    claim.refresh_from_db()
    assert claim.current_status == status("reported")
    assert claim.status_since == OCT_21


def test_only_approved_entries_can_be_corrected(editor: User) -> None:
    claim = new_claim(editor)
    pending = services.propose_status_change(
        claim, status=status("reported"), effective_on=OCT_21, rationale="R.", by=editor
    )
    with pytest.raises(services.DomainError, match="Only an approved entry"):
        services.correct_status_change(pending, status=status("false"), effective_on=OCT_21, rationale="C.", by=editor)


def test_update_claim_bumps_version_and_keeps_history(editor: User, other_editor: User) -> None:
    claim = new_claim(editor)

    updated = services.update_claim(claim, by=other_editor, expected_version=1, text="North Korea sent troops")

    assert updated.version == 2
    assert updated.history.count() == 2
    assert updated.history.first().history_user == other_editor


def test_stale_edit_is_refused_and_changes_nothing(editor: User, other_editor: User) -> None:
    claim = new_claim(editor)
    services.update_claim(claim, by=other_editor, expected_version=1, text="Their wording")

    with pytest.raises(services.StaleEditError) as refused:
        services.update_claim(claim, by=editor, expected_version=1, text="My wording")

    assert refused.value.current.text == "Their wording"
    claim.refresh_from_db()
    assert (claim.text, claim.version, claim.history.count()) == ("Their wording", 2, 2)


def test_update_claim_refuses_fields_it_does_not_own(editor: User) -> None:
    claim = new_claim(editor)
    with pytest.raises(services.DomainError, match="current_status"):
        services.update_claim(claim, by=editor, expected_version=1, current_status=status("confirmed"))


def test_save_actor_replaces_aliases(editor: User) -> None:
    actor = services.save_actor(
        ActorFactory.build(name="National Intelligence Service"), by=editor, aliases=["NIS", "국가정보원"]
    )

    services.save_actor(actor, by=editor, aliases=["NIS", " Seoul's top intelligence agency ", "NIS"])

    assert sorted(actor.aliases.values_list("name", flat=True)) == ["NIS", "Seoul's top intelligence agency"]
