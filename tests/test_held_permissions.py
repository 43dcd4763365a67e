"""The page cache's role check (claims.held, accounts.roles.holds) agrees with
Django's own ``has_perm`` for every role, a direct permission, a superuser and
an inactive user, and follows every change to the permission tables, whatever
makes it, at the next read, on both databases."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claimtracker.accounts.roles import EDIT, REVIEW, VIEW, holds, holds_now
from claimtracker.claims import held, versions

pytestmark = pytest.mark.django_db


def people() -> int | None:
    """The people counter as the page cache reads it, with the versions."""
    return dict(versions.read([versions.PEOPLE])[0]).get(versions.PEOPLE)


def asked(user: User, perm: str) -> bool:
    """The check as the page cache makes it: on the user's row read now."""
    fresh = User.objects.get(pk=user.pk)
    return holds(fresh, perm, held.permissions(connection.alias, user.pk, people()))


def test_the_check_agrees_with_has_perm(viewer: User, editor: User, reviewer: User, superuser: User) -> None:
    direct = User.objects.create_user("direct")
    app_label, codename = EDIT.split(".", 1)
    direct.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    inactive = User.objects.create_user("inactive", is_active=False)
    inactive.groups.add(Group.objects.get(name="Reviewer"))
    nobody = User.objects.create_user("nobody")
    answers = {}
    for user in (viewer, editor, reviewer, superuser, direct, inactive, nobody):
        for perm in (VIEW, EDIT, REVIEW):
            expected = User.objects.get(pk=user.pk).has_perm(perm)  # no permissions cached
            assert asked(user, perm) == holds_now(user, perm) == expected, (user, perm)
            answers[str(user), perm] = expected
    # The users differ, so the check above can tell a wrong answer.
    assert answers["vera", EDIT] is False and answers["ed", EDIT] is True
    assert answers["rita", REVIEW] is True and answers["direct", EDIT] is True
    assert answers["inactive", REVIEW] is False and answers["nobody", VIEW] is False


def test_a_users_permissions_are_read_once_while_the_people_counter_stays(reviewer: User) -> None:
    version = people()
    assert version is not None
    with CaptureQueriesContext(connection) as first:
        granted = held.permissions(connection.alias, reviewer.pk, version)
    with CaptureQueriesContext(connection) as again:
        assert held.permissions(connection.alias, reviewer.pk, version) == granted
    assert len(first) == 1 and len(again) == 0
    assert REVIEW in granted
    with CaptureQueriesContext(connection) as other:
        held.permissions(connection.alias, reviewer.pk, version + 1)  # another value: read again
    assert len(other) == 1


def _sql(statement: str, *params: object) -> None:
    """``statement`` run on the DB-API connection itself, under Django's SQL wrappers, as psql would."""
    raw = connection.connection.cursor()
    placeholder = "%s" if connection.vendor == "postgresql" else "?"
    raw.execute(statement.replace("%s", placeholder), params)
    raw.close()


def _perm_id(perm: str) -> int:
    app_label, codename = perm.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename).pk


def _group_id(name: str) -> int:
    return Group.objects.get(name=name).pk


def _taken_out_of_the_group(user: User) -> None:
    _sql("DELETE FROM auth_user_groups WHERE user_id = %s", user.pk)


def _the_groups_permission_taken(user: User) -> None:
    _sql(
        "DELETE FROM auth_group_permissions WHERE group_id = %s AND permission_id = %s",
        _group_id("Reviewer"),
        _perm_id(REVIEW),
    )


def _the_permission_renamed(user: User) -> None:
    _sql("UPDATE auth_permission SET codename = %s WHERE id = %s", "renamed", _perm_id(REVIEW))


def _the_app_renamed(user: User) -> None:
    _sql("UPDATE django_content_type SET app_label = %s WHERE app_label = %s", "renamed", REVIEW.split(".")[0])


def _the_group_deleted(user: User) -> None:
    group = _group_id("Reviewer")
    for table in ("auth_group_permissions", "auth_user_groups"):
        _sql(f"DELETE FROM {table} WHERE group_id = %s", group)
    _sql("DELETE FROM auth_group WHERE id = %s", group)


# Each way a reviewer's permission to review goes outside Django.
CHANGES: dict[str, Callable[[User], None]] = {
    "taken out of the group": _taken_out_of_the_group,
    "the group's permission taken": _the_groups_permission_taken,
    "the permission renamed": _the_permission_renamed,
    "the app renamed": _the_app_renamed,
    "the group deleted": _the_group_deleted,
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_permission_taken_away_outside_django_is_refused_at_the_next_read(reviewer: User, change: str) -> None:
    assert asked(reviewer, REVIEW)  # and kept
    CHANGES[change](reviewer)
    assert not asked(reviewer, REVIEW)
    assert not holds_now(reviewer, REVIEW)


def test_a_permission_given_outside_django_is_held_at_the_next_read(viewer: User) -> None:
    assert not asked(viewer, REVIEW)
    _sql("INSERT INTO auth_user_user_permissions (user_id, permission_id) VALUES (%s, %s)", viewer.pk, _perm_id(REVIEW))
    assert asked(viewer, REVIEW)


def test_nothing_is_kept_under_a_counter_whose_row_is_gone(reviewer: User) -> None:
    """A deleted counter reads as absent, as before its first bump: no one value names the permissions."""
    _sql(f"DELETE FROM {versions.TABLE} WHERE scope = %s", versions.PEOPLE)
    assert people() is None
    for _ in range(2):
        with CaptureQueriesContext(connection) as reading:
            assert REVIEW in held.permissions(connection.alias, reviewer.pk, None)
        assert len(reading) == 1


def test_only_the_codes_names_are_written_into_sql_as_literals() -> None:
    from claimtracker.claims.models import ReviewState
    from claimtracker.lib.prepared import literal

    assert literal(ReviewState.PENDING) == "'pending'"
    assert literal("review_statuschange") == "'review_statuschange'"
    for text in ("x' OR '1'='1", "pending;", "Pending", "", "a b"):
        with pytest.raises(ValueError, match="not a code"):
            literal(text)
