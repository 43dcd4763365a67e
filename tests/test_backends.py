"""The app's ModelBackend (accounts/backends.py): Django's, with the logged-in user
and the permissions read in statements written once."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.accounts.backends import ModelBackend
from claimtracker.accounts.roles import EDIT, REVIEW, VIEW, can_edit, can_review, can_view

pytestmark = pytest.mark.django_db


def test_the_user_is_read_as_djangos_backend_reads_it(editor: User) -> None:
    editor.first_name = "Edith"
    editor.save()
    user = ModelBackend().get_user(editor.pk)
    assert user is not None
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(editor, field.attname)
    assert user._state.adding is False and user._state.db == "default"
    assert ModelBackend().get_user(editor.pk + 1000) is None
    User.objects.filter(pk=editor.pk).update(is_active=False)
    assert ModelBackend().get_user(editor.pk) is None


def test_the_permissions_are_those_djangos_backend_finds_in_one_query(editor: User, reviewer: User) -> None:
    from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

    editor.user_permissions.add(Permission.objects.get(codename="publish_claim"))
    for user in (editor, reviewer):
        fresh = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as queries:
            ours = ModelBackend().get_all_permissions(fresh)
            assert ModelBackend().get_all_permissions(fresh) is ours  # kept on the user for the request
        assert len(queries.captured_queries) == 1
        assert ours == DjangoModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
        with CaptureQueriesContext(connection) as queries:
            assert DjangoModelBackend().has_perm(fresh, EDIT)  # Django's, listed after, asks nothing again
        assert not queries.captured_queries
    fresh = User.objects.get(pk=editor.pk)
    assert can_view(fresh) and can_edit(fresh) and not can_review(fresh)
    assert fresh.has_perm("claims.publish_claim")
    assert REVIEW in ModelBackend().get_all_permissions(User.objects.get(pk=reviewer.pk))
    assert VIEW in ModelBackend().get_all_permissions(User.objects.get(pk=reviewer.pk))


def test_an_inactive_user_or_an_object_holds_nothing(editor: User) -> None:
    editor.is_active = False
    assert ModelBackend().get_all_permissions(editor) == set()
    editor.is_active = True
    assert ModelBackend().get_all_permissions(editor, obj=object()) == set()


def test_a_session_begun_with_djangos_backend_stays_logged_in(editor: User) -> None:
    client = Client()
    client.force_login(editor, backend="django.contrib.auth.backends.ModelBackend")
    assert client.session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
    assert client.get(reverse("claims:list")).status_code == 200


def test_a_login_names_the_apps_backend(editor: User) -> None:
    editor.set_password("a-long-test-password")
    editor.save()
    client = Client()
    response = client.post(reverse("login"), {"username": editor.username, "password": "a-long-test-password"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "claimtracker.accounts.backends.ModelBackend"
    assert client.get(reverse("claims:list")).status_code == 200


def test_a_refused_login_checks_the_password_once(editor: User, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.auth import authenticate
    from django.contrib.auth.signals import user_login_failed
    from django.test import RequestFactory

    request = RequestFactory().post(reverse("login"))

    editor.set_password("a-long-test-password")
    editor.save()
    hashed: list[str] = []
    real_check = User.check_password
    real_set = User.set_password

    def check(user: User, raw: str) -> bool:
        hashed.append("check")
        return real_check(user, raw)

    def set_(user: User, raw: str | None) -> None:
        hashed.append("set")
        real_set(user, raw)

    monkeypatch.setattr(User, "check_password", check)
    monkeypatch.setattr(User, "set_password", set_)
    failed: list[dict[str, object]] = []

    def count_failure(**kwargs: object) -> None:
        failed.append(kwargs)

    user_login_failed.connect(count_failure)
    try:
        assert authenticate(request, username=editor.username, password="wrong") is None
        assert hashed == ["check"]  # not again by Django's backend
        hashed.clear()
        assert authenticate(request, username="nobody-by-that-name", password="wrong") is None
        assert hashed == ["set"]  # the same work for a name that does not exist (timing)
        assert len(failed) == 2  # signalled as before: django-axes counts it
        hashed.clear()
        assert authenticate(request, username=editor.username, password="a-long-test-password") == editor
    finally:
        user_login_failed.disconnect(count_failure)
