"""The page cache's role check in SQL (accounts.roles.asker_sql, holding_sql) agrees with
Django's own ``has_perm`` for every role, a direct permission, a superuser and
an inactive user, on both databases."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db import connection

from claimtracker.accounts.roles import EDIT, REVIEW, VIEW, asker_sql, holding_sql, holds_now
from claimtracker.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def asked_in_sql(user: User | AnonymousUser, perm: str) -> bool:
    """The condition, asked for the user of a session (none for the anonymous user)."""
    session = SessionStore()
    if user.pk:
        session[SESSION_KEY] = str(user.pk)
    session.create()
    ctes, params = asker_sql(session.session_key)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} SELECT {holding_sql(perm)}", params)
        return bool(cursor.fetchone()[0])


def test_the_sql_agrees_with_has_perm(viewer: User, editor: User, reviewer: User, superuser: User) -> None:
    direct = User.objects.create_user("direct")
    app_label, codename = EDIT.split(".", 1)
    direct.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    inactive = User.objects.create_user("inactive", is_active=False)
    inactive.groups.add(Group.objects.get(name="Reviewer"))
    nobody = User.objects.create_user("nobody")
    users = [viewer, editor, reviewer, superuser, direct, inactive, nobody, AnonymousUser()]
    answers = {}
    for user in users:
        for perm in (VIEW, EDIT, REVIEW):
            fresh = User.objects.get(pk=user.pk) if user.pk else user  # no cached permissions
            expected = fresh.has_perm(perm)
            assert asked_in_sql(user, perm) == holds_now(user, perm) == expected, (user, perm)
            answers[str(user), perm] = expected
    # The users differ, so the check above can tell a wrong answer.
    assert answers["vera", EDIT] is False and answers["ed", EDIT] is True
    assert answers["rita", REVIEW] is True and answers["direct", EDIT] is True
    assert answers["inactive", REVIEW] is False and answers["nobody", VIEW] is False


def test_only_the_codes_names_are_written_into_sql_as_literals() -> None:
    from claimtracker.claims.models import ReviewState
    from claimtracker.lib.prepared import literal

    assert literal(ReviewState.PENDING) == "'pending'"
    assert literal("review_statuschange") == "'review_statuschange'"
    for text in ("x' OR '1'='1", "pending;", "Pending", "", "a b"):
        with pytest.raises(ValueError, match="not a code"):
            literal(text)
