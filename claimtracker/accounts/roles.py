"""The newsroom's roles, as Django groups made by a data migration.

Views ask about abilities (``can_edit``, ``can_review``), never about group
names, so that a superuser or a custom group with the same permissions works.
"""

import functools
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from claimtracker.accounts.backends import user_columns
from claimtracker.lib.prepared import literal

VIEWER = "Viewer"
EDITOR = "Editor"
REVIEWER = "Reviewer"

_DOMAIN_MODELS = (
    "actor",
    "actoralias",
    "source",
    "topic",
    "claim",
    "attribution",
    "statuschange",
    "evidence",
    "status",
    "relation",
)
_EDITED_MODELS = ("actor", "actoralias", "source", "topic", "claim", "attribution", "evidence")

# Permission codenames of the claims app, by group. Each role includes the one before.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    VIEWER: [f"view_{model}" for model in _DOMAIN_MODELS],
}
ROLE_PERMISSIONS[EDITOR] = [
    *ROLE_PERMISSIONS[VIEWER],
    *(f"{action}_{model}" for model in _EDITED_MODELS for action in ("add", "change")),
    "add_statuschange",
    # Links between claims are added and removed, not changed (docs/decisions.md).
    "add_relation",
    "delete_relation",
]
ROLE_PERMISSIONS[REVIEWER] = [
    *ROLE_PERMISSIONS[EDITOR],
    "review_attribution",
    "review_statuschange",
    # Showing a claim to anyone at /public/claims/<id>/ (docs/decisions.md).
    "publish_claim",
]

AnyUser = User | AnonymousUser


# The permission each ability stands for.
VIEW = "claims.view_claim"
EDIT = "claims.add_attribution"
REVIEW = "claims.review_statuschange"
PUBLISH = "claims.publish_claim"


def can_view(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm(VIEW)


def can_edit(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm(EDIT)


def can_review(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm(REVIEW)


def can_publish(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm(PUBLISH)


def holds_now(user: AnyUser, perm: str) -> bool:
    """``user.has_perm(perm)`` asked afresh, in one query (Django's backend
    reads all of a user's permissions in two)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or _granted(user, perm).exists()


def asker_sql(session_key: str) -> tuple[str, list[Any]]:
    """Common table expressions for one statement, with their parameters: the
    user of the session ``session_key`` who asks, ``asker`` (their row as the
    authentication backend reads it, then the session's data; none for a
    session that is not open, the user's columns null for one of no user), and
    the permissions they hold now, directly or through a group, ``asker_perms``.
    ``holding_sql`` asks them: the page cache reads the session, the user, their
    roles and the data versions in one statement before serving every stored
    page. Read once for all the roles asked (each asked alone, its joins of the
    small permission tables cost 0.1 ms of the database's time) and written
    once rather than built by the ORM on every request, which cost more than the
    query itself."""
    return _asker_sql(), [session_key, timezone.now()]


@functools.cache
def _asker_sql() -> str:
    from claimtracker.accounts.models import Session

    columns = user_columns("u")  # the row the page cache makes the request's user of (backends.user_from_row)
    permission, content_type = Permission._meta.db_table, ContentType._meta.db_table
    direct = User.user_permissions.through._meta.db_table
    member = User.groups.through._meta.db_table
    granted = Group.permissions.through._meta.db_table
    return (
        f"asker AS (SELECT {columns}, s.session_data FROM {Session._meta.db_table} s"
        f" LEFT JOIN {User._meta.db_table} u ON u.{User._meta.pk.column} = s.user_id"
        " WHERE s.session_key = %s AND s.expire_date > %s),"
        f" asker_perms AS (SELECT t.app_label, p.codename FROM {permission} p"
        f" JOIN {content_type} t ON t.id = p.content_type_id WHERE p.id IN ("
        f"SELECT d.permission_id FROM {direct} d WHERE d.user_id = (SELECT id FROM asker)"
        f" UNION ALL SELECT g.permission_id FROM {member} m JOIN {granted} g ON g.group_id = m.group_id"
        " WHERE m.user_id = (SELECT id FROM asker)))"
    )


@functools.cache
def holding_sql(perm: str) -> str:
    """A SQL condition, true when the user of ``asker_sql`` (in the same
    statement) holds ``perm`` now, as ``holds_now`` asks: an active user, a
    superuser or one granted it. The permission's name is written into the
    statement (lib/prepared.literal), the user a parameter: PostgreSQL keeps one
    plan for every user."""
    app_label, codename = perm.split(".", 1)
    return (
        "EXISTS (SELECT 1 FROM asker WHERE is_active AND (is_superuser OR EXISTS (SELECT 1 FROM asker_perms"
        f" WHERE app_label = {literal(app_label)} AND codename = {literal(codename)})))"
    )


def _granted(user: AnyUser, perm: str) -> QuerySet[Permission]:
    """The permission, if the user holds it directly or through a group."""
    app_label, codename = perm.split(".", 1)
    granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return granted.filter(Q(user=user) | Q(group__user=user))
