"""The newsroom's roles, as Django groups made by a data migration.

Views ask about abilities (``can_edit``, ``can_review``), never about group
names, so that a superuser or a custom group with the same permissions works.
"""

import functools

from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

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


def holding_sql(user: AnyUser, perm: str) -> tuple[str, list[int | str]]:
    """A SQL condition, with its parameters, that is true when the user holds
    ``perm`` now, directly or through a group (``holds_now`` in SQL), to ask
    inside another statement: the page cache asks it with the write counter
    before serving every stored page. Written once rather than built by the
    ORM on every request, which cost more than the query itself."""
    if not (user.is_authenticated and user.is_active):
        return "1 = 0", []
    if user.is_superuser:
        return "1 = 1", []
    return _holding_sql(perm), [user.pk, user.pk]


@functools.cache
def _holding_sql(perm: str) -> str:
    """The permission's name written into the statement (lib/prepared.literal),
    the user a parameter: PostgreSQL keeps one plan for every user."""
    app_label, codename = perm.split(".", 1)
    permission, content_type = Permission._meta.db_table, ContentType._meta.db_table
    direct = User.user_permissions.through._meta.db_table
    member = User.groups.through._meta.db_table
    granted = Group.permissions.through._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {permission} p JOIN {content_type} t ON t.id = p.content_type_id"
        f" WHERE t.app_label = {literal(app_label)} AND p.codename = {literal(codename)} AND ("
        f"EXISTS (SELECT 1 FROM {direct} d WHERE d.permission_id = p.id AND d.user_id = %s)"
        f" OR EXISTS (SELECT 1 FROM {member} m JOIN {granted} g ON g.group_id = m.group_id"
        " WHERE g.permission_id = p.id AND m.user_id = %s)))"
    )


def _granted(user: AnyUser, perm: str) -> QuerySet[Permission]:
    """The permission, if the user holds it directly or through a group."""
    app_label, codename = perm.split(".", 1)
    granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return granted.filter(Q(user=user) | Q(group__user=user))
