"""The permissions each user holds, kept by each process under the people
counter (claims.versions, ``*people``).

The page cache asks, before it serves a stored page, whether its reader holds
the page's permission now (accounts.roles: a role taken away, by whatever
means, takes the page away at once). Every write to a table a user's
permissions are read from (their groups, the groups' permissions, their own,
the permissions' and content types' names), whatever makes it (the admin, a
migration, psql), bumps ``*people`` in its own transaction, through the
triggers claims.versions installs. The page cache reads ``*people`` in the
statement that reads the session's user and the page's versions: where it
reads the value a user's permissions were read with, they are what they were
then, and this process's copy answers; where it reads another, they are read
again, with the counter, in one statement. Joining the permission tables into
that statement on every serve cost 120-140 µs of its 550 µs round trip
(docs/performance.md, session 25).

Kept only where the counter's row exists: a counter whose row was deleted
reads as absent, as it did before it was first bumped, so its value names no
one state. Test transactions that roll back bring a counter back to a value
it had with other rows: the tests forget what is kept (``forget``) between
tests, as they empty the caches.
"""

import functools
from typing import Any

from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver

from claimtracker.accounts import backends
from claimtracker.claims import versions
from claimtracker.lib import prepared

# At most this many users' permissions a process keeps for one value of the counter.
MOST_USERS = 10_000

# database alias: (the counter's value, {user id: permissions as "app_label.codename"})
_kept: dict[str, tuple[int, dict[int, frozenset[str]]]] = {}


def permissions(database: str, user_id: int, people: int | None) -> frozenset[str]:
    """The permissions user ``user_id`` holds, directly or through a group, as
    "app_label.codename", where ``people`` is the ``*people`` counter just read
    on ``database`` (None: it has no row)."""
    kept = _kept.get(database)
    if people is not None and kept is not None and kept[0] == people and user_id in kept[1]:
        return kept[1][user_id]
    found = prepared.rows(connections[database], _sql(), [versions.PEOPLE, user_id, user_id])
    read = frozenset(name for name, _ in found if name is not None)
    counter = next((value for name, value in found if name is None), None)
    if counter is not None:
        kept = _kept.get(database)
        if kept is None or kept[0] != counter or len(kept[1]) >= MOST_USERS:
            kept = _kept[database] = (counter, {})
        kept[1][user_id] = read
    return read


def forget() -> None:
    """Forget every user's permissions kept here."""
    _kept.clear()


@receiver(setting_changed)
def _databases_changed(setting: str, **kwargs: Any) -> None:
    if setting == "DATABASES":
        forget()


@functools.cache
def _sql() -> str:
    """The ``*people`` counter (a row with no name), then each permission the
    user holds, in one statement: the two are of one moment."""
    return (
        f"SELECT NULL AS name, value FROM {versions.TABLE} WHERE scope = %s"
        f" UNION ALL SELECT p.app_label || '.' || p.codename, NULL FROM ({backends.permissions_sql()}) p"
    )
