"""Retrying a write transaction that the database aborted to resolve a conflict.

PostgreSQL ends one of two transactions that deadlock (SQLSTATE 40P01) and, at
stricter isolation, one whose reads another changed (40001); SQLite answers
"database is locked" when its one writer slot stays taken past the timeout.
Nothing was written by the aborted attempt, so running it again is safe. Only
the outermost transaction is retried: inside an open one, the database has
already aborted the whole of it.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, transaction

T = TypeVar("T")

TRANSIENT_SQLSTATES = {"40001", "40P01"}
ATTEMPTS = 5


def transient(error: OperationalError) -> bool:
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(error)


def atomic_with_retry(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run ``work`` in a transaction, again (up to ``attempts`` times) when the
    database aborts it for a transient conflict. Inside a transaction already
    open (a caller's, or a test's), it runs once: only the outermost transaction
    can be run again."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return work()
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as error:
            if attempt == attempts or not transient(error):
                raise
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")
