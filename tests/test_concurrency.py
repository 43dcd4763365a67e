"""Concurrent editors and reviewers on one claim, in threads with their own
database connections (PostgreSQL: real row locks; SQLite serialises writers)."""

import datetime
import threading
from collections import Counter
from functools import partial
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.db.models import OuterRef, Subquery

from claimtracker.claims import queries, services
from claimtracker.claims.models import Claim, ReviewState, Status, StatusChange
from claimtracker.lib.retry import atomic_with_retry
from tests.factories import ClaimFactory
from tests.factories import editor as make_editor
from tests.factories import reviewer as make_reviewer

WRITERS = 6
ROUNDS = 8


def _consistent(claim_id: int) -> bool:
    """In one statement (one snapshot): is the claim's current status that of its
    latest effective change?"""
    latest = queries.effective_changes(Claim(pk=claim_id)).filter(claim=OuterRef("pk")).values("status_id")[:1]
    row = Claim.objects.filter(pk=claim_id).annotate(expected=Subquery(latest)).values("current_status_id", "expected")
    found = row.get()
    return bool(found["current_status_id"] == found["expected"])


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-lock concurrency is PostgreSQL's")
def test_concurrent_proposals_and_approvals_keep_the_current_status_true(flushable_db: None) -> None:
    claim = ClaimFactory()
    statuses = list(Status.objects.all())
    editors = [make_editor() for _ in range(WRITERS)]
    reviewers = [make_reviewer() for _ in range(WRITERS)]
    outcomes: Counter[str] = Counter()
    checks: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(WRITERS + 1)

    def propose(n: int, r: int) -> StatusChange:
        return services.propose_status_change(
            Claim.objects.get(pk=claim.pk),
            status=statuses[(n + r) % len(statuses)],
            effective_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=(n * ROUNDS + r) % 300),
            rationale=f"writer {n} round {r}",
            by=editors[n],
        )

    def writer(n: int) -> None:
        try:
            start.wait()
            for r in range(ROUNDS):
                change = atomic_with_retry(partial(propose, n, r))
                # Another writer's reviewer approves it: never the author's own.
                atomic_with_retry(partial(services.approve, change, by=reviewers[(n + 1) % WRITERS]))
                with lock:
                    outcomes["approved"] += 1
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    def reader() -> None:
        try:
            start.wait()
            while any(t.is_alive() for t in threads):
                checks.append(_consistent(claim.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    watcher = threading.Thread(target=reader)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in [*threads, watcher]:
        thread.join(timeout=120)

    assert not errors, errors
    assert outcomes["approved"] == WRITERS * ROUNDS
    changes = StatusChange.objects.filter(claim=claim)
    assert changes.count() == WRITERS * ROUNDS  # no write lost
    assert changes.filter(review_state=ReviewState.APPROVED).count() == WRITERS * ROUNDS
    assert checks and all(checks), f"{checks.count(False)} of {len(checks)} reads saw a stale current status"
    assert _consistent(claim.pk)


def test_retry_runs_again_after_a_transient_abort_only(flushable_db: None) -> None:
    calls: list[int] = []

    class Deadlock(Exception):
        sqlstate = "40P01"

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("deadlock detected") from Deadlock()
        return "done"

    assert atomic_with_retry(flaky) == "done" and len(calls) == 3

    def broken() -> Any:
        raise OperationalError("no such table")

    with pytest.raises(OperationalError):
        atomic_with_retry(broken)
