"""The newsroom's roles, as Django groups made by a data migration.

Views ask about abilities (``can_edit``, ``can_review``), never about group
names, so that a superuser or a custom group with the same permissions works.
"""

from django.contrib.auth.models import AnonymousUser, User

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


def can_view(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm("claims.view_claim")


def can_edit(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm("claims.add_attribution")


def can_review(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm("claims.review_statuschange")
