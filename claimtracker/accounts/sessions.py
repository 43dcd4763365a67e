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
from django.core.signals import setting_changed
from django.db import connections, router
from django.dispatch import receiver
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
        has not expired), taken as ``load`` takes what it reads: decoded, or
        copied from what the same signed text decoded to before (``_decoded``)."""
        if data is None:
            self._session_key = None  # as Django's store: a new key when saved
            return {}
        decoded = _decoded.get(data)
        if decoded is None:
            decoded = self.decode(data)
            if decoded and len(data) <= _MOST_KEPT_LENGTH and all(type(value) in _FLAT for value in decoded.values()):
                if len(_decoded) >= _MOST_KEPT:
                    _decoded.clear()
                _decoded[data] = decoded
        return dict(decoded)

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        return _with_user(super().create_model_instance(data), data)

    async def acreate_model_instance(self, data: dict[str, Any]) -> Session:
        return _with_user(await super().acreate_model_instance(data), data)


# Each session's data as signed and as decoded, for the sessions this process opened last: a logged-in
# reader's every request opens the same text, whose signature's check and JSON cost 12-27 µs of a stored
# page's serve (docs/performance.md). The text holds its signature: text found here passed the check
# under the keys of now (forgotten when they change). Kept for flat data only, whose copy shares nothing
# a view could change in place.
_decoded: dict[str, dict[str, Any]] = {}
_MOST_KEPT = 10_000
_MOST_KEPT_LENGTH = 4096
_FLAT = (str, int, float, bool, type(None))


@receiver(setting_changed)
def _keys_changed(setting: str, **kwargs: Any) -> None:
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "SESSION_SERIALIZER"):
        _decoded.clear()


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
