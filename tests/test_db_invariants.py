"""Each invariant the database holds, attacked with raw SQL: the database must refuse.

Every refusal test has a control beside it (the same statement made valid
succeeds), so that a refusal for an unrelated reason cannot pass for the rule.
"""

from collections.abc import Sequence

import pytest
from django.contrib.auth.models import User
from django.db import DataError, IntegrityError, connection, transaction

from claimtracker.claims import services
from claimtracker.claims.models import Attribution, Claim, StatusChange
from tests.factories import ActorFactory, AttributionFactory, ClaimFactory, SourceFactory, StatusChangeFactory

pytestmark = pytest.mark.django_db


def run(sql: str, params: Sequence[object] = ()) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(sql: str, params: Sequence[object] = ()) -> None:
    # PostgreSQL refuses an over-long value with DataError before any check runs.
    with pytest.raises((IntegrityError, DataError)):
        run(sql, params)


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
