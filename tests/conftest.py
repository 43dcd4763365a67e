from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests import factories


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: Any) -> None:
    """On SQLite, the test database in a file rather than in memory, so that the
    live server's threads each open their own connection, as workers do, instead
    of sharing one (tests/test_load_without_loss.py sends requests at once)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def forget_rendered() -> None:
    """Empty every cache: stored pages and rendered fragments (claim summaries and
    timelines, forms' fields), so that the next request draws everything; with
    CACHE_URL the sessions read through it too (Redis empties the database); and
    the users' permissions this process keeps (claims.held), read again too."""
    from django.core.cache import caches

    from claimtracker.claims import held

    for cache in caches.all():
        cache.clear()
    held.forget()


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with empty caches (claims.summary, claims.pagecache, fragments)
    and no user's permissions kept (claims.held: a test's transaction rolled back
    brings the people counter back to a value it has again with other users)."""
    forget_rendered()
    yield
    forget_rendered()


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages link static files without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def viewer(db: None) -> User:
    return factories.viewer(username="vera")


@pytest.fixture
def editor(db: None) -> User:
    return factories.editor(username="ed")


@pytest.fixture
def other_editor(db: None) -> User:
    return factories.editor(username="edith")


@pytest.fixture
def reviewer(db: None) -> User:
    return factories.reviewer(username="rita")


@pytest.fixture
def other_reviewer(db: None) -> User:
    return factories.reviewer(username="rob")


@pytest.fixture
def stranger(db: None) -> User:
    """Logged in, but in no group."""
    return factories.UserFactory(username="stan")


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("ada", password="correct horse battery staple")


@pytest.fixture
def other_superuser(db: None) -> User:
    return User.objects.create_superuser("grace", password="correct horse battery staple")


def client_for(user: User) -> Client:
    """A client logged in as ``user`` and holding a CSRF cookie, as a browser
    does after the login form (so its pages go through the page cache)."""
    from django.conf import settings
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    client = Client()
    client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
    return client


@pytest.fixture
def demo(db: None) -> None:
    """The seed article's demo data, loaded as `make run` loads it."""
    from io import StringIO

    from django.core.management import call_command

    call_command("load_demo", force=True, stdout=StringIO())


@pytest.fixture
def flushable_db(transactional_db: None) -> Iterator[None]:
    """For tests that commit (live server, threads). After such a test the database
    is emptied (flush), which removes the rows data migrations made, and on SQLite
    empties tables with DELETE, which the append-only and frozen-entry triggers rightly refuse. So:
    make the migration rows and the triggers anew before the test, and drop the
    SQLite triggers for the flush after it."""
    from django.apps import apps
    from django.db import connection

    trigger_sets = [
        import_module("claimtracker.claims.migrations.0003_triggers"),
        import_module("claimtracker.claims.migrations.0016_attribution_figures"),  # 0013's, with the figures
    ]
    import_module("claimtracker.claims.migrations.0002_default_statuses").create_statuses(apps, None)
    import_module("claimtracker.accounts.migrations.0001_roles").create_roles(apps, None)
    for grants in ("0002_relation_permissions", "0003_publish_permission"):
        import_module(f"claimtracker.accounts.migrations.{grants}").Migration.operations[0].code(apps, None)
    import_module("claimtracker.claims.migrations.0019_publishing").rate(apps, None)
    with connection.schema_editor() as editor:
        for triggers in trigger_sets:
            triggers.drop_triggers(None, editor)
            triggers.create_triggers(None, editor)
    yield
    if connection.vendor == "sqlite":
        with connection.schema_editor() as editor:
            for triggers in trigger_sets:
                triggers.drop_triggers(None, editor)


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """For requests made through Django's WSGI handler rather than its test client:
    the request's signals would close the test's database connection, and with it
    its open transaction; kept open, as the test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
