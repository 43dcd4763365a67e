"""Two app servers behind one load balancer (issue 15 part 6, DESIGN 8.5): two
gunicorn instances sharing PostgreSQL and Redis. What one writes the other
shows on its next read, a session made on one holds on the other, and a role
taken away with SQL is refused by both at once, though both had the page stored."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from tests.servers import Browser, app_env, gunicorn, manage

REDIS = "redis://127.0.0.1:6379/12"


@dataclass
class Servers:
    first: str
    second: str
    database: str

    def sql(self, statement: str) -> None:
        with psycopg.connect(self.database, autocommit=True) as connection:
            connection.execute(statement)  # type: ignore[arg-type]

    def one(self, statement: str) -> tuple[str, ...]:
        with psycopg.connect(self.database, autocommit=True) as connection:
            row = connection.execute(statement).fetchone()  # type: ignore[arg-type]
        assert row
        return tuple(str(value) for value in row)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("two servers share PostgreSQL: tested in the PostgreSQL pass (DATABASE_URL=postgres://...)")
    import redis

    try:
        redis.Redis.from_url(REDIS).flushdb()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS}: {error}")
    database = settings.DATABASES["default"]
    server = (
        f"postgresql://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    )
    name = f"ct_two_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = app_env(DATABASE_URL=f"{server}/{name}", CACHE_URL=REDIS)
        manage("migrate", "--noinput", "-v0", env=env)
        manage("load_demo", env=env)
        with gunicorn(env) as first, gunicorn(env) as second:
            yield Servers(first, second, f"{server}/{name}")
    finally:
        redis.Redis.from_url(REDIS).flushdb()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _claim_id(page: str) -> int:
    found = re.search(r'href="/claims/(\d+)/"', page)
    assert found
    return int(found.group(1))


def test_a_write_through_one_server_shows_on_the_next_read_through_the_other(servers: Servers) -> None:
    editor = Browser()
    editor.log_in(servers.first, "editor")
    pk = _claim_id(editor.get(f"{servers.first}/claims/")[1])
    claim_page = f"/claims/{pk}/"
    for _ in range(2):  # rendered, then served from the shared cache
        assert editor.get(f"{servers.second}{claim_page}")[0] == 200
    actor, source = servers.one("SELECT (SELECT min(id) FROM claims_actor), (SELECT min(id) FROM claims_source)")
    quote = f"Said through the first server {uuid.uuid4().hex[:6]}"
    fields = {"actor": actor, "source": source, "stance": "confirms", "certainty": "definite", "quote": quote}
    fields |= {"quote_kind": "reported", "via": "", "stated_on": "2024-10-25", "stated_on_precision": "day"}
    status, body = editor.post(f"{servers.first}/claims/{pk}/attributions/", {"submission": str(uuid.uuid4())} | fields)
    assert status == 302, re.findall(r'class="errors"[^>]*><li>([^<]+)', body)
    assert quote in editor.get(f"{servers.second}{claim_page}")[1]


def test_a_session_made_on_one_server_holds_on_the_other(servers: Servers) -> None:
    viewer = Browser()
    viewer.log_in(servers.first, "viewer")
    status, page = viewer.get(f"{servers.second}/claims/")
    assert status == 200 and "viewer" in page
    viewer.post(f"{servers.second}/accounts/logout/", {})
    status, _ = viewer.get(f"{servers.first}/claims/")
    assert status == 302  # logged out on the one, logged out on the other


def test_a_role_taken_away_with_sql_holds_on_both_servers_at_once(servers: Servers) -> None:
    reviewer = Browser()
    reviewer.log_in(servers.first, "reviewer")
    for base in (servers.first, servers.second):
        assert reviewer.get(f"{base}/review/")[0] == 200
        assert reviewer.get(f"{base}/review/")[0] == 200  # served from the shared page cache
    servers.sql("DELETE FROM auth_user_groups WHERE user_id = (SELECT id FROM auth_user WHERE username = 'reviewer')")
    for base in (servers.first, servers.second):
        assert reviewer.get(f"{base}/review/")[0] == 403
