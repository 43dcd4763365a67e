"""The desk's sessions: Django's session table, with the user each one is of."""

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class Session(AbstractBaseSession):
    """A session as Django's database store keeps it, and the id of the user
    logged in with it (none before a login), written with its data
    (accounts.sessions.SessionStore). The page cache reads the user's row, their
    roles and a stored page's data versions in one statement from the session's
    key (claims.pagecache): a stored page is served after that statement alone."""

    user_id = models.IntegerField(null=True, blank=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):  # type: ignore[name-defined]
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls) -> type:
        from claimtracker.accounts.sessions import SessionStore

        return SessionStore
