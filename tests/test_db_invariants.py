"""Each invariant the database holds, attacked with raw SQL: the database must refuse.

Every refusal test has a control beside it (the same statement made valid
succeeds), so that a refusal for an unrelated reason cannot pass for the rule.
"""

import datetime
import sqlite3
from collections.abc import Callable, Sequence
from importlib import import_module

import pytest
from django.contrib.auth.models import User
from django.db import DataError, IntegrityError, connection, transaction

from claimtracker.claims import services
from claimtracker.claims.models import Attribution, Claim, Status, StatusChange
from tests.factories import (
    ActorFactory,
    AttributionFactory,
    ClaimFactory,
    SourceFactory,
    StatusChangeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def run(sql: str, params: Sequence[object] = ()) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(sql: str, params: Sequence[object] = ()) -> None:
    # PostgreSQL refuses an over-long value with DataError before any check runs.
    with pytest.raises((IntegrityError, DataError)):
        run(sql, params)


def refused_by_trigger(sql: str, params: Sequence[object], message: str) -> None:
    """Refused by a trigger with its message. Both databases reach Django as
    IntegrityError: SQLite's RAISE(ABORT) is a constraint error (sqlite3.IntegrityError),
    PostgreSQL's RAISE ... ERRCODE 23000 is psycopg's IntegrityConstraintViolation."""
    with pytest.raises(IntegrityError, match=message) as refusal:
        run(sql, params)
    cause = refusal.value.__cause__
    if connection.vendor == "postgresql":
        import psycopg

        assert isinstance(cause, psycopg.errors.IntegrityConstraintViolation), type(cause)
    else:
        assert isinstance(cause, sqlite3.IntegrityError), type(cause)


def table_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


APPEND_ONLY_MESSAGE = import_module("claimtracker.claims.migrations.0003_triggers").APPEND_ONLY_MESSAGE
FROZEN = import_module("claimtracker.claims.migrations.0016_attribution_figures")  # 0013's, with the figures


@pytest.fixture
def approved_change(editor: User, reviewer: User) -> StatusChange:
    attribution = AttributionFactory(created_by=editor)
    change = services.propose_status_change(
        attribution.claim,
        status=StatusChangeFactory.build().status,
        effective_on=attribution.stated_on,
        rationale="Reported.",
        evidence=[attribution],
        by=editor,
    )
    services.approve(attribution, by=reviewer)  # a change is approved on approved evidence
    services.approve(change, by=reviewer)
    return change


# --- Approved status changes are append-only (triggers) -----------------------------------------


def test_approved_status_change_cannot_be_updated(approved_change: StatusChange) -> None:
    refused("UPDATE claims_statuschange SET rationale = %s WHERE id = %s", ["rewritten", approved_change.pk])
    refused(
        "UPDATE claims_statuschange SET review_state = 'pending', reviewed_by_id = NULL, reviewed_at = NULL "
        "WHERE id = %s",
        [approved_change.pk],
    )
    approved_change.refresh_from_db()
    assert approved_change.rationale == "Reported."


def test_approved_status_change_cannot_be_deleted(approved_change: StatusChange) -> None:
    refused("DELETE FROM claims_evidence WHERE status_change_id = %s", [approved_change.pk])
    refused("DELETE FROM claims_statuschange WHERE id = %s", [approved_change.pk])
    assert StatusChange.objects.filter(pk=approved_change.pk).exists()


def test_evidence_of_approved_change_cannot_be_added(approved_change: StatusChange, editor: User) -> None:
    other = AttributionFactory(claim=approved_change.claim, created_by=editor)
    refused(
        "INSERT INTO claims_evidence (status_change_id, attribution_id) VALUES (%s, %s)", [approved_change.pk, other.pk]
    )


# A new value for each column of an approved status change, valid in itself: the
# same statement on a rejected change (the control) succeeds.
STATUS_CHANGE_VALUES: dict[str, Callable[[], object]] = {
    "id": lambda: 9_000_000,
    "claim_id": lambda: ClaimFactory().pk,
    "status_id": lambda: Status.objects.get(slug="false").pk,
    "effective_on": lambda: "2024-10-22",
    "effective_on_precision": lambda: "year",
    "rationale": lambda: "Rewritten after the fact.",
    "recorded_by_id": lambda: UserFactory().pk,
    "recorded_at": lambda: "2020-01-01 00:00:00",
    "corrects_id": lambda: StatusChangeFactory().pk,
    "review_state": lambda: "withdrawn",
    "reviewed_by_id": lambda: UserFactory().pk,
    "reviewed_at": lambda: "2020-01-01 00:00:00",
    "review_note": lambda: "A different note.",
    "review_round": lambda: 2,
}


def test_every_status_change_column_is_covered() -> None:
    assert set(STATUS_CHANGE_VALUES) == table_columns("claims_statuschange")


@pytest.mark.parametrize("column", STATUS_CHANGE_VALUES)
def test_approved_status_change_refuses_a_change_to_any_column(editor: User, reviewer: User, column: str) -> None:
    # 1 January, so that a coarser precision fits the date too.
    approved, rejected = (StatusChangeFactory(recorded_by=editor, effective_on=datetime.date(2024, 1, 1)) for _ in "ab")
    services.approve(approved, by=reviewer)
    services.reject(rejected, by=reviewer, note="Not yet.")
    statement = f"UPDATE claims_statuschange SET {column} = %s WHERE id = %s"
    value = STATUS_CHANGE_VALUES[column]()
    before = StatusChange.objects.values().get(pk=approved.pk)

    refused_by_trigger(statement, [value, approved.pk], APPEND_ONLY_MESSAGE)

    assert StatusChange.objects.values().get(pk=approved.pk) == before
    assert run(statement, [value, rejected.pk]) == 1


def test_evidence_of_approved_change_cannot_be_moved(approved_change: StatusChange, editor: User) -> None:
    other = AttributionFactory(claim=approved_change.claim, created_by=editor)
    refused_by_trigger(
        "UPDATE claims_evidence SET attribution_id = %s WHERE status_change_id = %s",
        [other.pk, approved_change.pk],
        APPEND_ONLY_MESSAGE,
    )
    assert list(approved_change.evidence.values_list("pk", flat=True)) != [other.pk]


def test_pending_status_change_can_still_be_edited_and_withdrawn(editor: User) -> None:
    pending = StatusChangeFactory(recorded_by=editor)
    attribution = AttributionFactory(claim=pending.claim)
    assert (
        run(
            "INSERT INTO claims_evidence (status_change_id, attribution_id) VALUES (%s, %s)",
            [pending.pk, attribution.pk],
        )
        == 1
    )
    assert run("UPDATE claims_statuschange SET rationale = %s WHERE id = %s", ["better", pending.pk]) == 1
    assert run("DELETE FROM claims_evidence WHERE status_change_id = %s", [pending.pk]) == 1
    assert run("DELETE FROM claims_statuschange WHERE id = %s", [pending.pk]) == 1


# --- Approved attributions are frozen (triggers, migration 0013) ------------------------------------

# A new value for each content column of an approved attribution, valid in itself:
# the same statement on a rejected attribution (the control) succeeds.
ATTRIBUTION_VALUES: dict[str, Callable[[], object]] = {
    "id": lambda: 9_000_000,
    "claim_id": lambda: ClaimFactory().pk,
    "actor_id": lambda: ActorFactory().pk,
    "source_id": lambda: SourceFactory().pk,
    "stance": lambda: "confirms",
    "certainty": lambda: "probable",
    "quote": lambda: "words nobody said",
    "quote_kind": lambda: "paraphrase",
    "via_id": lambda: ActorFactory().pk,
    "stated_on": lambda: "2024-01-02",
    "stated_on_precision": lambda: "year",
    "corrects_id": lambda: AttributionFactory().pk,
    "created_by_id": lambda: UserFactory().pk,
    "created_at": lambda: "2020-01-01 00:00:00",
    "review_state": lambda: "withdrawn",
    "reviewed_by_id": lambda: UserFactory().pk,
    "reviewed_at": lambda: "2020-01-01 00:00:00",
    "review_note": lambda: "A different note.",
    "review_round": lambda: 2,
    "figure": lambda: 10_000,
    "figure_bound": lambda: "at_least",
    "figure_unit": lambda: "soldiers",
}
# The quote's place in the source follows edits of the source's text (services.save_source).
QUOTE_PLACE_VALUES: dict[str, object] = {
    "quote_start": 4,
    "quote_end": 23,
    "quote_prefix": "The ",
    "quote_suffix": ". Officials",
    "quote_case_differs": True,
}


def reviewed_pair(editor: User, reviewer: User) -> tuple[Attribution, Attribution]:
    """An approved attribution and a rejected one (the control), dated 1 January
    so that a coarser precision fits the date too."""
    figure = {"figure": 3000, "figure_bound": "about", "figure_unit": "troops"}  # each column may then change alone
    approved, rejected = (
        AttributionFactory(created_by=editor, stated_on=datetime.date(2024, 1, 1), **figure) for _ in "ab"
    )
    services.approve(approved, by=reviewer)
    services.reject(rejected, by=reviewer, note="Wrong speaker.")
    return approved, rejected


def test_every_attribution_column_is_frozen_or_a_quote_place() -> None:
    assert set(ATTRIBUTION_VALUES) == set(FROZEN.CONTENT_COLUMNS)
    assert set(ATTRIBUTION_VALUES) | set(QUOTE_PLACE_VALUES) == table_columns("claims_attribution")


@pytest.mark.parametrize("column", ATTRIBUTION_VALUES)
def test_approved_attribution_refuses_a_change_to_its_content(editor: User, reviewer: User, column: str) -> None:
    approved, rejected = reviewed_pair(editor, reviewer)
    statement = f"UPDATE claims_attribution SET {column} = %s WHERE id = %s"
    value = ATTRIBUTION_VALUES[column]()
    before = Attribution.objects.values().get(pk=approved.pk)

    refused_by_trigger(statement, [value, approved.pk], FROZEN.FROZEN_MESSAGE)

    assert Attribution.objects.values().get(pk=approved.pk) == before
    assert run(statement, [value, rejected.pk]) == 1


def test_approved_attribution_refuses_a_change_of_several_columns_at_once(editor: User, reviewer: User) -> None:
    approved, _ = reviewed_pair(editor, reviewer)
    refused_by_trigger(
        "UPDATE claims_attribution SET quote = %s, quote_start = NULL, quote_end = NULL WHERE id = %s",
        ["moved and rewritten", approved.pk],
        FROZEN.FROZEN_MESSAGE,
    )
    refused_by_trigger(
        "UPDATE claims_attribution SET review_state = 'pending', reviewed_by_id = NULL, reviewed_at = NULL "
        "WHERE id = %s",
        [approved.pk],
        FROZEN.FROZEN_MESSAGE,
    )
    assert Attribution.objects.get(pk=approved.pk).is_approved


def test_approved_attribution_cannot_be_deleted(editor: User, reviewer: User) -> None:
    approved, rejected = reviewed_pair(editor, reviewer)
    refused_by_trigger("DELETE FROM claims_attribution WHERE id = %s", [approved.pk], FROZEN.FROZEN_MESSAGE)
    assert Attribution.objects.filter(pk=approved.pk).exists()
    assert run("DELETE FROM claims_attribution WHERE id = %s", [rejected.pk]) == 1


def test_approved_attribution_quote_place_may_move(editor: User, reviewer: User) -> None:
    approved, _ = reviewed_pair(editor, reviewer)
    for column, value in QUOTE_PLACE_VALUES.items():
        assert run(f"UPDATE claims_attribution SET {column} = %s WHERE id = %s", [value, approved.pk]) == 1
    # Writing the same content again (a whole-row save that changed nothing) is no change.
    assert run("UPDATE claims_attribution SET quote = quote, stance = stance WHERE id = %s", [approved.pk]) == 1
    stored = Attribution.objects.get(pk=approved.pk)
    assert (stored.quote_start, stored.quote_end, stored.quote_prefix, stored.quote_suffix) == (
        4,
        23,
        "The ",
        ". Officials",
    )
    assert stored.quote_case_differs and stored.is_approved


def test_pending_attribution_can_still_be_edited_and_deleted(editor: User) -> None:
    pending = AttributionFactory(created_by=editor, figure=3000, figure_bound="about", figure_unit="troops")
    for column, make in ATTRIBUTION_VALUES.items():
        if column.startswith("review") or column in {"id", "stated_on_precision"}:
            continue  # a pending row has no review to change; the precision needs its own date
        assert run(f"UPDATE claims_attribution SET {column} = %s WHERE id = %s", [make(), pending.pk]) == 1
    assert Attribution.objects.get(pk=pending.pk).quote == "words nobody said"
    assert run("DELETE FROM claims_attribution WHERE id = %s", [pending.pk]) == 1


# --- Review: nobody reviews their own work; review fields match the state -------------------------


@pytest.mark.parametrize(
    ("table", "author"), [("claims_statuschange", "recorded_by_id"), ("claims_attribution", "created_by_id")]
)
def test_no_self_review(table: str, author: str, editor: User, reviewer: User) -> None:
    item = (
        StatusChangeFactory(recorded_by=editor)
        if table == "claims_statuschange"
        else AttributionFactory(created_by=editor)
    )
    approve = (
        f"UPDATE {table} SET review_state = 'approved', reviewed_by_id = %s, "
        "reviewed_at = CURRENT_TIMESTAMP WHERE id = %s"
    )
    refused(approve, [editor.pk, item.pk])
    refused(
        f"UPDATE {table} SET review_state = 'approved', reviewed_by_id = {author}, "
        "reviewed_at = CURRENT_TIMESTAMP WHERE id = %s",
        [item.pk],
    )
    assert run(approve, [reviewer.pk, item.pk]) == 1


@pytest.mark.parametrize("table", ["claims_statuschange", "claims_attribution"])
def test_review_fields_must_match_state(table: str) -> None:
    item = StatusChangeFactory() if table == "claims_statuschange" else AttributionFactory()
    refused(f"UPDATE {table} SET review_state = 'approved' WHERE id = %s", [item.pk])
    refused(f"UPDATE {table} SET review_state = 'maybe' WHERE id = %s", [item.pk])


# --- Vocabularies and date precision ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "table", "column", "bad", "good"),
    [
        (AttributionFactory, "claims_attribution", "stance", "sort of agrees", "denies"),
        (AttributionFactory, "claims_attribution", "certainty", "very", "probable"),
        (AttributionFactory, "claims_attribution", "quote_kind", "rumour", "paraphrase"),
        (AttributionFactory, "claims_attribution", "stated_on_precision", "week", "day"),
        (StatusChangeFactory, "claims_statuschange", "effective_on_precision", "hour", "day"),
        (ActorFactory, "claims_actor", "kind", "wizard", "ngo"),
        (ActorFactory, "claims_actor", "wikidata_id", "P31", "Q35525"),
        (ActorFactory, "claims_actor", "country", "K", "KR"),
        (SourceFactory, "claims_source", "kind", "rumour mill", "state_media"),
        (SourceFactory, "claims_source", "title", "   ", "A title"),
        (ClaimFactory, "claims_claim", "text", "", "A claim"),
        (ClaimFactory, "claims_claim", "version", 0, 2),
        (ClaimFactory, "claims_claim", "status_since_precision", "decade", "year"),
        (StatusChangeFactory, "claims_statuschange", "rationale", " ", "Because."),
    ],
)
def test_column_values_are_checked(factory: type, table: str, column: str, bad: object, good: object) -> None:
    row = factory()
    refused(f"UPDATE {table} SET {column} = %s WHERE id = %s", [bad, row.pk])
    assert run(f"UPDATE {table} SET {column} = %s WHERE id = %s", [good, row.pk]) == 1


@pytest.mark.parametrize(
    ("precision", "bad_date", "good_date"),
    [("month", "2024-10-21", "2024-10-01"), ("year", "2024-10-01", "2024-01-01"), ("year", "2024-03-01", "2024-01-01")],
)
def test_date_must_fit_its_precision(precision: str, bad_date: str, good_date: str) -> None:
    attribution = AttributionFactory()
    change = StatusChangeFactory()
    for table, date_col, precision_col, row in [
        ("claims_attribution", "stated_on", "stated_on_precision", attribution),
        ("claims_statuschange", "effective_on", "effective_on_precision", change),
    ]:
        statement = f"UPDATE {table} SET {date_col} = %s, {precision_col} = %s WHERE id = %s"
        refused(statement, [bad_date, precision, row.pk])
        assert run(statement, [good_date, precision, row.pk]) == 1
    attribution.refresh_from_db()
    assert attribution.stated_on_precision == precision


def test_claim_quantity_needs_its_bound() -> None:
    claim = ClaimFactory()
    refused("UPDATE claims_claim SET quantity = 10000 WHERE id = %s", [claim.pk])
    refused("UPDATE claims_claim SET quantity_unit = 'troops' WHERE id = %s", [claim.pk])
    refused("UPDATE claims_claim SET quantity = -1, quantity_bound = 'about' WHERE id = %s", [claim.pk])
    assert (
        run(
            "UPDATE claims_claim SET quantity = 10000, quantity_bound = 'about', quantity_unit = 'troops' "
            "WHERE id = %s",
            [claim.pk],
        )
        == 1
    )
    assert Claim.objects.get(pk=claim.pk).quantity == 10000


# --- Uniqueness -----------------------------------------------------------------------------------


def test_source_url_is_unique_when_present() -> None:
    first, second = SourceFactory(), SourceFactory()
    refused("UPDATE claims_source SET url = %s WHERE id = %s", [first.url, second.pk])
    assert run("UPDATE claims_source SET url = '' WHERE id IN (%s, %s)", [first.pk, second.pk]) == 2


def test_wikidata_id_is_unique_when_present() -> None:
    first, second = ActorFactory(wikidata_id="Q35525"), ActorFactory()
    refused("UPDATE claims_actor SET wikidata_id = %s WHERE id = %s", ["Q35525", second.pk])
    assert run("UPDATE claims_actor SET wikidata_id = '' WHERE id = %s", [first.pk]) == 1


def test_via_cannot_be_the_speaker() -> None:
    attribution = AttributionFactory()
    refused("UPDATE claims_attribution SET via_id = actor_id WHERE id = %s", [attribution.pk])
    assert Attribution.objects.get(pk=attribution.pk).via is None
