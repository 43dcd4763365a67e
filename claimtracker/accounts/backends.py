"""Django's ModelBackend, reading what every request reads with statements
written once: the logged-in user (each request of a session) and the user's
permissions (each rendered page asks ``can_view``, ``can_edit``...).

Django's backend builds both with the ORM on every request: the user in one
query, the permissions in two (the user's own, their groups'). Compiling them
cost more than running them: about 0.4 ms for the user against 0.16 ms
written in SQL, on a stored page served in 3 ms (docs/performance.md). The
user's statement is prepared on PostgreSQL (lib/prepared) and its row made a
User as the ORM makes one (``Model.from_db``), without a raw query set.
"""

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router

from claimtracker.lib import prepared


class ModelBackend(DjangoModelBackend):
    """Listed before Django's own in settings.AUTHENTICATION_BACKENDS, which
    stays for sessions that named it before: both keep the permissions on the
    user object under the same attribute, so Django's asks nothing again, and
    a refused login ends here, so Django's checks no password again."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None and (username or kwargs.get(User.USERNAME_FIELD)):
            # Refused: stop here (Django's way to end authenticate()), or Django's backend, listed
            # after this one, would hash the password a second time. The failure is signalled alike.
            raise PermissionDenied
        return user

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None  # a session naming no user id
        user = _known.get()
        if user is None or user.pk != pk:
            database = router.db_for_read(User)
            found = prepared.rows(connections[database], _user_sql(), [pk])
            if not found:
                return None
            user = user_from_row(database, found[0])
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: User | AnonymousUser, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        # Kept on the user for the request, where Django's backend keeps them.
        if not hasattr(user_obj, "_perm_cache"):
            with connections[router.db_for_read(Permission)].cursor() as cursor:
                cursor.execute(permissions_sql(), [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {  # type: ignore[attr-defined]
                    f"{label}.{codename}" for label, codename in cursor.fetchall()
                }
        return user_obj._perm_cache  # type: ignore[attr-defined, no-any-return]


def user_from_row(database: str, row: Sequence[Any]) -> User:
    """A User of its row (the table's columns in the model's order) as read on
    ``database``, made as the ORM makes one: the values converted as the ORM
    converts them (SQLite's times made aware, for one), then ``Model.from_db``."""
    return User.from_db(database, _user_fields(), prepared.as_read(connections[database], User, _user_fields(), row))


@contextmanager
def knowing(user: User | None) -> Iterator[None]:
    """While open, ``get_user`` takes ``user`` as the row of its id, read already
    (the page cache reads it in the statement of the data versions): Django's
    checks of the session, its hash against the password and the user's
    ``is_active``, run on it as on a row read here."""
    token = _known.set(user)
    try:
        yield
    finally:
        _known.reset(token)


_known: ContextVar[User | None] = ContextVar("known_user", default=None)


@functools.cache
def _user_fields() -> list[str]:
    return [field.attname for field in User._meta.concrete_fields]


def user_columns(table: str = "") -> str:
    """The user table's columns in the order ``user_from_row`` takes them, each
    named with ``table`` (an alias) before it where given."""
    return ", ".join(f"{table}.{field.column}" if table else field.column for field in User._meta.concrete_fields)


@functools.cache
def _user_sql() -> str:
    return f"SELECT {user_columns()} FROM {User._meta.db_table} WHERE {User._meta.pk.column} = %s"


@functools.cache
def permissions_sql() -> str:
    """The user's permissions, their own and their groups', in one statement
    (app_label, codename; the user's id as both parameters)."""
    direct = User.user_permissions.through._meta.db_table
    member = User.groups.through._meta.db_table
    granted = Group.permissions.through._meta.db_table
    return (
        f"SELECT t.app_label, p.codename FROM {Permission._meta.db_table} p"
        f" JOIN {ContentType._meta.db_table} t ON t.id = p.content_type_id WHERE p.id IN ("
        f"SELECT d.permission_id FROM {direct} d WHERE d.user_id = %s"
        f" UNION SELECT g.permission_id FROM {granted} g JOIN {member} m ON m.group_id = g.group_id"
        " WHERE m.user_id = %s)"
    )
