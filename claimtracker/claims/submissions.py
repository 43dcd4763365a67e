"""One-time form tokens: a double click on a create button saves once.

Every form that creates something (the pages' forms, the admin's add forms, the
CSV import) carries a random token. The request that saves records the token
in the same transaction as its work (``record``); a second request with the
same token, whether it comes after the first or races it, finds the token
taken (the unique index makes the racer wait for the first to commit) and is
sent where the first one landed (``landing``). A save that fails rolls back
its token with it, so the corrected form can be sent again.
"""

import uuid

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from claimtracker.claims.models import Submission


def parse(value: object) -> uuid.UUID | None:
    """The token a form sent, or None when it is missing or not a token."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def record(token: uuid.UUID, user: User, redirect_to: str = "") -> bool:
    """Take the token; False when it was already taken. Call inside the
    transaction that saves the work."""
    try:
        with transaction.atomic():
            Submission.objects.create(token=token, user=user, redirect_to=redirect_to)
    except IntegrityError:
        return False
    return True


def taken(token: uuid.UUID) -> bool:
    """Whether a request has taken the token."""
    return Submission.objects.filter(token=token).exists()


def land(token: uuid.UUID, redirect_to: str) -> None:
    """Say where the request that took the token landed."""
    Submission.objects.filter(token=token).update(redirect_to=redirect_to)


def is_repeat(request_post: object) -> bool:
    """Whether a posted form's token was already taken: a second click, to be
    landed where the first went rather than checked again."""
    post = getattr(request_post, "get", None)
    return post is not None and landing(parse(post("submission"))) is not None


def landing(token: uuid.UUID | None) -> str | None:
    """Where the first submission of this token landed ("" when it did not
    say); None when the token is new."""
    if token is None:
        return None
    return Submission.objects.filter(token=token).values_list("redirect_to", flat=True).first()
