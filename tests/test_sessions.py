"""The desk's sessions (accounts.sessions): each names its user, which the page
cache's one statement reads; sessions open before the upgrade are carried over."""

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore as DjangosStore
from django.db import connection
from django.urls import reverse

from claimtracker.accounts.models import Session
from claimtracker.claims.models import Claim
from tests.conftest import client_for
from tests.test_pagecache import STORED, get, url_of

pytestmark = pytest.mark.django_db


def test_a_session_names_its_user_from_login_to_logout(editor: User) -> None:
    client = client_for(editor)
    key = client.session.session_key
    assert Session.objects.get(session_key=key).user_id == editor.pk
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()


def test_a_session_saved_from_async_code_names_its_user_too(editor: User) -> None:
    from asgiref.sync import async_to_sync

    from claimtracker.accounts.sessions import SessionStore

    async def log_in() -> str:
        session = SessionStore()
        await session.aset(SESSION_KEY, str(editor.pk))
        await session.asave()
        return session.session_key

    key = async_to_sync(log_in)()
    assert Session.objects.get(session_key=key).user_id == editor.pk


def test_a_session_whose_user_column_disagrees_with_its_data_gets_no_stored_page(
    demo: None, editor: User, viewer: User
) -> None:
    """The statement reads the user the column names; the page is served only where
    the session's own data names that user too, else the request goes the whole way."""
    claim = Claim.objects.order_by("pk").first()
    client = client_for(editor)
    get(client, url_of(claim))
    assert get(client, url_of(claim))[1] == STORED
    Session.objects.filter(session_key=client.session.session_key).update(user_id=viewer.pk)
    response = client.get(url_of(claim))
    assert response.status_code == 200 and response.wsgi_request.user.pk == editor.pk
    assert get(client, url_of(claim))[1] > STORED  # drawn by the whole stack, not served stored


def test_the_upgrade_carries_open_sessions_over(editor: User) -> None:
    old = DjangosStore()
    old[SESSION_KEY] = str(editor.pk)
    old.create()
    expired = DjangosStore()
    expired.set_expiry(-1)
    expired.create()
    migration = importlib.import_module("claimtracker.accounts.migrations.0004_session")
    migration.carry_over_open_sessions(apps, SimpleNamespace(connection=connection))
    carried = Session.objects.get(session_key=old.session_key)
    assert (
        carried.user_id == editor.pk
        and carried.session_data == old.model.objects.get(session_key=old.session_key).session_data
    )
    assert not Session.objects.filter(session_key=expired.session_key).exists()


def test_a_sessions_text_is_decoded_once_and_each_request_gets_its_own_copy(
    editor: User, settings: Any, monkeypatch: Any
) -> None:
    from django.core import signing

    from claimtracker.accounts import sessions

    key = client_for(editor).session.session_key
    text = Session.objects.get(session_key=key).session_data
    checked: list[str] = []
    loads = signing.loads
    monkeypatch.setattr(signing, "loads", lambda text, **kwargs: checked.append(text) or loads(text, **kwargs))
    first = sessions.SessionStore(key).taken(text)
    second = sessions.SessionStore(key).taken(text)
    assert first == second and first[SESSION_KEY] == str(editor.pk)
    assert checked == [text]  # the signature checked once
    first["changed"] = True  # as a view changes its request's session
    assert "changed" not in sessions.SessionStore(key).taken(text)
    # A tampered text is refused every time, and a new secret key refuses the text signed with the old one.
    assert sessions.SessionStore(key).taken(text[:-2] + "xx") == {}
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert sessions.SessionStore(key).taken(text) == {}


def test_a_session_holding_more_than_flat_values_is_decoded_every_time(editor: User, monkeypatch: Any) -> None:
    from django.core import signing

    from claimtracker.accounts import sessions

    session = sessions.SessionStore()
    session.update({SESSION_KEY: str(editor.pk), "drafts": ["one", "two"]})
    session.create()
    text = Session.objects.get(session_key=session.session_key).session_data
    checked: list[str] = []
    loads = signing.loads
    monkeypatch.setattr(signing, "loads", lambda text, **kwargs: checked.append(text) or loads(text, **kwargs))
    opened = sessions.SessionStore(session.session_key).taken(text)
    opened["drafts"].append("three")  # changed in place, as a view may
    assert sessions.SessionStore(session.session_key).taken(text)["drafts"] == ["one", "two"]
    assert checked == [text, text]


def test_a_login_sent_with_an_ended_sessions_cookie_logs_in(editor: User) -> None:
    """A POST with a session cookie opens its session in the page cache's one
    statement (pagecache._opened): a cookie naming a session that has ended (a
    logout in another tab) opens an empty one, and the login goes on as Django's."""
    client = client_for(editor)
    ended = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = ended
    response = client.post(reverse("login"), {"username": editor.username, "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != ended
    assert Session.objects.get(session_key=client.cookies["sessionid"].value).user_id == editor.pk
