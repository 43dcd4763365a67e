"""Roles are groups made by a data migration; views and the admin ask about abilities."""

import pytest
from django.contrib.auth.models import Group, User

from claimtracker.accounts.roles import EDITOR, REVIEWER, VIEWER, can_edit, can_review, can_view
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_migration_made_the_three_groups_each_including_the_one_before() -> None:
    perms = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.filter(name__in=[VIEWER, EDITOR, REVIEWER])
    }
    assert "view_claim" in perms[VIEWER] and "add_claim" not in perms[VIEWER]
    assert perms[VIEWER] < perms[EDITOR] < perms[REVIEWER]
    assert {"add_attribution", "change_claim", "add_statuschange", "add_source", "add_actor"} <= perms[EDITOR]
    assert "review_statuschange" not in perms[EDITOR]
    assert {"review_statuschange", "review_attribution"} <= perms[REVIEWER]
    # Status changes are never edited or deleted by a role: corrections are new entries.
    assert not {"change_statuschange", "delete_statuschange"} & perms[REVIEWER]


def test_abilities_by_role(viewer: User, editor: User, reviewer: User, stranger: User, superuser: User) -> None:
    table = {
        user.username: (can_view(user), can_edit(user), can_review(user))
        for user in (viewer, editor, reviewer, stranger, superuser)
    }
    assert table == {
        "vera": (True, False, False),
        "ed": (True, True, False),
        "rita": (True, True, True),
        "stan": (False, False, False),
        "ada": (True, True, True),
    }


def test_only_staff_reach_the_admin(editor: User, reviewer: User, superuser: User) -> None:
    for user in (editor, reviewer):
        response = client_for(user).get("/admin/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert client_for(superuser).get("/admin/").status_code == 200


def test_forged_author_reviewer_and_state_fields_are_ignored(editor: User, other_editor: User, reviewer: User) -> None:
    import datetime
    import uuid

    from django.urls import reverse

    from claimtracker.claims.models import Attribution, Claim, ReviewState, Source
    from tests.conftest import client_for
    from tests.factories import ActorFactory, ClaimFactory, SourceFactory

    claim, actor, source = ClaimFactory(created_by=other_editor), ActorFactory(), SourceFactory()
    forged = {
        "created_by": other_editor.pk,
        "recorded_by": other_editor.pk,
        "reviewed_by": reviewer.pk,
        "review_state": ReviewState.APPROVED,
        "by": other_editor.pk,
    }
    client = client_for(editor)
    client.post(
        reverse("claims:add_attribution", args=[claim.pk]),
        {
            "submission": str(uuid.uuid4()),
            "actor": actor.name,
            "stance": "asserts",
            "certainty": "definite",
            "source": Source.objects.get(pk=source.pk).pk,
            "quote": "",
            "quote_kind": "reported",
            "stated_on": datetime.date(2024, 10, 1).isoformat(),
            "stated_on_precision": "day",
            **forged,
        },
    )
    client.post(
        reverse("claims:create"), {"submission": str(uuid.uuid4()), "text": "A claim with a forged author", **forged}
    )

    attribution = Attribution.objects.get(claim=claim)
    assert (attribution.created_by, attribution.review_state, attribution.reviewed_by) == (
        editor,
        ReviewState.PENDING,
        None,
    )
    assert Claim.objects.get(text="A claim with a forged author").created_by == editor


def test_a_page_not_for_the_role_says_so_in_the_apps_own_page(editor: User) -> None:
    """A new user's walk met a bare "403 Forbidden" on /review/ as an editor."""
    response = client_for(editor).get("/review/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Not for your role</h1>" in html
    assert "Your role does not allow you to review; ask an admin for one that does." in html
    assert "Log out" in html and 'href="/claims/">Back to the claims</a>' in html  # the app's header, and a way on
