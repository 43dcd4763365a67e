"""One-time form tokens: a double click on a create button saves once.

Every form that creates something (the pages' forms, the admin's add forms, the
CSV import) carries a random token. The request that saves records the token
in the same transaction as its work (``record``); a second request with the
same token, whether it comes after the first or races it, finds the token
taken (the unique index makes the racer wait for the first to commit) and is
sent where the first one landed (``landing``). A save that fails rolls back
its token with it, so the corrected form can be sent again.
"""

import functools
import uuid

from django.contrib.auth.models import User
from django.db import connections, router

from claimtracker.claims.models import Submission


def parse(value: object) -> uuid.UUID | None:
    """The token a form sent, or None when it is missing or not a token."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def record(token: uuid.UUID, user: User, redirect_to: str = "") -> bool:
    """Take the token; False when it was already taken. Call inside the
    transaction that saves the work.

    One statement that inserts nothing where the token is taken (``ON CONFLICT
    DO NOTHING``, on both databases): a token taken by a transaction not yet
    committed makes it wait, as the unique index made the ORM's insert wait, and
    it inserts after all where that transaction rolls back. The ORM's insert
    needed a savepoint around it to survive the unique index's error: two round
    trips more on every form that creates something."""
    connection = connections[router.db_for_write(Submission)]
    field = Submission._meta.get_field("token")
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(), [field.get_db_prep_value(token, connection), user.pk, redirect_to])
        return bool(cursor.rowcount == 1)


@functools.cache
def _insert_sql() -> str:
    # created_at is the database's to fill (db_default).
    columns = {field.name: field.column for field in Submission._meta.concrete_fields}
    token, user, redirect_to = columns["token"], columns["user"], columns["redirect_to"]
    return (
        f"INSERT INTO {Submission._meta.db_table} ({token}, {user}, {redirect_to}) VALUES (%s, %s, %s)"
        f" ON CONFLICT ({token}) DO NOTHING"
    )


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
