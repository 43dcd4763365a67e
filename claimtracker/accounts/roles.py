"""The newsroom's roles, as Django groups made by a data migration.

Views ask about abilities (``can_edit``, ``can_review``), never about group
names, so that a superuser or a custom group with the same permissions works.
"""

from django.contrib.auth.models import AnonymousUser, Permission, User
from django.db.models import Exists, Q, QuerySet, Value

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
]
ROLE_PERMISSIONS[REVIEWER] = [
    *ROLE_PERMISSIONS[EDITOR],
    "review_attribution",
    "review_statuschange",
]

AnyUser = User | AnonymousUser


# The permission each ability stands for.
VIEW = "claims.view_claim"
EDIT = "claims.add_attribution"
REVIEW = "claims.review_statuschange"


def can_view(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm(VIEW)


def can_edit(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm(EDIT)


def can_review(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm(REVIEW)


def holds_now(user: AnyUser, perm: str) -> bool:
    """``user.has_perm(perm)`` asked afresh, in one query (Django's backend
    reads all of a user's permissions in two)."""
    held = holding(user, perm)
    return bool(held.value) if isinstance(held, Value) else _granted(user, perm).exists()


def holding(user: AnyUser, perm: str) -> Exists | Value:
    """SQL that says whether the user holds ``perm`` now, to ask inside another
    query: the page cache asks it with the write counter before serving a
    stored page, so that the role check costs no query of its own."""
    if not (user.is_authenticated and user.is_active):
        return Value(False)
    if user.is_superuser:
        return Value(True)
    return Exists(_granted(user, perm))


def _granted(user: AnyUser, perm: str) -> QuerySet[Permission]:
    """The permission, if the user holds it directly or through a group."""
    app_label, codename = perm.split(".", 1)
    granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return granted.filter(Q(user=user) | Q(group__user=user))
