"""The newsroom's roles, as Django groups made by a data migration.

Views ask about abilities (``can_edit``, ``can_review``), never about group
names, so that a superuser or a custom group with the same permissions works.
"""

import functools
from typing import Any

from django.contrib.auth.models import AnonymousUser, Permission, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from claimtracker.accounts.backends import user_columns

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
    """A common table expression for one statement, with its parameters: the
    user of the session ``session_key`` who asks, ``asker`` (their row as the
    authentication backend reads it, then the session's data; none for a
    session that is not open, the user's columns null for one of no user).
    The page cache reads the session, the user and the data versions in one
    statement before serving every stored page, and asks the user's
    permissions of the copy its process keeps under the people counter it read
    there (claims.held). Written once rather than built by the ORM on every
    request, which cost more than the query itself."""
    return _asker_sql(), [session_key, timezone.now()]


@functools.cache
def _asker_sql() -> str:
    from claimtracker.accounts.models import Session

    columns = user_columns("u")  # the row the page cache makes the request's user of (backends.user_from_row)
    return (
        f"asker AS (SELECT {columns}, s.session_data FROM {Session._meta.db_table} s"
        f" LEFT JOIN {User._meta.db_table} u ON u.{User._meta.pk.column} = s.user_id"
        " WHERE s.session_key = %s AND s.expire_date > %s)"
    )


def holds(user: User, perm: str, permissions: frozenset[str]) -> bool:
    """Whether ``user``, whose row was just read, holds ``perm`` as
    ``holds_now`` asks, given the ``permissions`` they were granted
    (claims.held): an active user, a superuser or one granted it."""
    return user.is_active and (user.is_superuser or perm in permissions)


def _granted(user: AnyUser, perm: str) -> QuerySet[Permission]:
    """The permission, if the user holds it directly or through a group."""
    app_label, codename = perm.split(".", 1)
    granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return granted.filter(Q(user=user) | Q(group__user=user))
