"""settings.SESSION_ENGINE: Django's database session store, on the table of
accounts.models.Session, which names each session's user.

Every request of a logged-in user reads its session. Django's store reads it
with the ORM, compiled afresh each time; this one with a statement written once
and prepared on PostgreSQL (lib/prepared), as the user's row is read
(accounts.backends). A stored page reads it in the statement of its data
versions instead (``opened``): the page cache's one round trip to the database.
"""

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.db import connections, router
from django.utils import timezone

from claimtracker.accounts.models import Session
from claimtracker.lib import prepared


class SessionStore(DatabaseStore):
    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def load(self) -> dict[str, Any]:
        if self.session_key is None:
            return {}
        table = Session._meta.db_table
        found = prepared.rows(
            connections[router.db_for_read(Session)],
            f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
            [self.session_key, timezone.now()],
        )
        return self.taken(found[0][0] if found else None)

    def taken(self, data: str | None) -> dict[str, Any]:
        """The session's data read elsewhere (``None``: no session of this key that
        has not expired), taken as ``load`` takes what it reads."""
        if data is None:
            self._session_key = None  # as Django's store: a new key when saved
            return {}
        return self.decode(data)

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        return _with_user(super().create_model_instance(data), data)

    async def acreate_model_instance(self, data: dict[str, Any]) -> Session:
        return _with_user(await super().acreate_model_instance(data), data)


def _with_user(session: Any, data: dict[str, Any]) -> Session:
    """The session's row, naming the user its data names (None: no one logged in)."""
    assert isinstance(session, Session)
    user = data.get(SESSION_KEY)
    session.user_id = int(user) if isinstance(user, str) and user.isdigit() else None
    return session


def opened(session_key: str, data: str | None) -> SessionStore:
    """The session of ``session_key`` as the session middleware opens it, its data
    ``data`` read already (the page cache reads it with the data versions)."""
    session = SessionStore(session_key)
    session._session_cache = session.taken(data)  # type: ignore[attr-defined]  # as SessionBase keeps it
    return session
