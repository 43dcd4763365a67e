"""A real read replica (issue 15 part 5, DESIGN 8.5): a PostgreSQL primary and a
streaming replica made here with pg_basebackup -R, and the app under gunicorn
with DATABASE_REPLICA_URLS. Public pages and the API read from the replica; a
browser that has just written reads from the primary; a replica that is down
is passed over."""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from tests.servers import Browser, CannotStart, Pair, app_env, gunicorn, manage, primary_and_replica, what_failed


@dataclass
class Stack:
    pair: Pair
    base: str  # the app, reading the replica however far it lags (REPLICA_MAX_LAG_SECONDS=0)

    def primary(self) -> psycopg.Connection:
        return psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.pair.primary_port}/claimtracker", autocommit=True
        )

    def replica(self) -> psycopg.Connection:
        return psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.pair.replica_port}/claimtracker", autocommit=True
        )


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """The app against clusters of its own (no Django test database), once per run: in the PostgreSQL pass."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the replica is tested in the PostgreSQL pass (DATABASE_URL=postgres://...)")
    try:
        pair_context = primary_and_replica()
        pair = pair_context.__enter__()
    except CannotStart as why:
        pytest.skip(f"no PostgreSQL replica could be started here: {why}")
    try:
        primary = f"postgresql://postgres@127.0.0.1:{pair.primary_port}/claimtracker"
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{pair.primary_port}/postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE claimtracker")
        env = app_env(DATABASE_URL=primary)
        manage("migrate", "--noinput", "-v0", env=env)
        manage("load_demo", env=env)
        replica = f"postgresql://postgres@127.0.0.1:{pair.replica_port}/claimtracker"
        _wait_for(lambda: _published(replica), "the demo to reach the replica")
        env = app_env(
            DATABASE_URL=primary, DATABASE_REPLICA_URLS=replica, REPLICA_RETRY_SECONDS="1", REPLICA_MAX_LAG_SECONDS="0"
        )
        with gunicorn(env) as base:
            yield Stack(pair, base)
    finally:
        pair_context.__exit__(None, None, None)


def _published(url: str) -> bool:
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT count(*) FROM claims_claim WHERE published_at IS NOT NULL").fetchone()
        return bool(row and row[0])


def _wait_for(condition: object, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


def _a_published_claim(stack: Stack) -> tuple[int, str]:
    with stack.primary() as connection:
        row = connection.execute(
            "SELECT id, text FROM claims_claim WHERE published_at IS NOT NULL ORDER BY id LIMIT 1"
        ).fetchone()
    assert row
    return row[0], row[1]


def _api_text(browser: Browser, stack: Stack, pk: int) -> str:
    status, body = browser.get(f"{stack.base}/api/v1/claims/{pk}/", Accept="application/json")
    assert status == 200, body[:500]
    return str(json.loads(body)["text"])


def test_a_write_on_the_primary_is_replayed_and_shown_from_the_replica(stack: Stack) -> None:
    pk, text = _a_published_claim(stack)
    reader = Browser()
    assert _api_text(reader, stack, pk) == text
    with stack.primary() as connection:
        connection.execute("UPDATE claims_claim SET text = text || ' (replayed)' WHERE id = %s", [pk])
    with stack.replica() as replica:
        _wait_for(
            lambda: "(replayed)" in replica.execute("SELECT text FROM claims_claim WHERE id = %s", [pk]).fetchone()[0],
            "replay",
        )  # type: ignore[index]
    assert _api_text(reader, stack, pk).endswith("(replayed)")
    assert "(replayed)" in reader.get(f"{stack.base}/public/claims/{pk}/")[1]


def test_readers_read_the_replica_and_a_writer_reads_their_own_write(stack: Stack) -> None:
    pk, _ = _a_published_claim(stack)
    reader, reviewer = Browser(), Browser()
    public = f"{stack.base}/public/claims/{pk}/"
    assert reader.get(public)[0] == 200
    with stack.replica() as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
        try:
            # Written on the primary, not yet on the replica: readers still see the claim published.
            reviewer.log_in(stack.base, "reviewer")
            status, _ = reviewer.post(f"{stack.base}/claims/{pk}/unpublish/", {})
            assert status == 302
            assert reviewer.cookie("ct_primary") == "1"
            assert reviewer.get(public)[0] == 404  # the writer's next page, from the primary
            assert reader.get(public)[0] == 200  # a reader's, from the replica that has not replayed it
            status, body = reader.get(f"{stack.base}/api/v1/claims/{pk}/", Accept="application/json")
            assert status == 200, "the API read the replica too"
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")
    _wait_for(lambda: reader.get(public)[0] == 404, "the replica to replay the unpublishing")
    with stack.primary() as connection:  # published again, for the next test
        connection.execute("UPDATE claims_claim SET published_at = now(), published_by_id = 1 WHERE id = %s", [pk])


def test_reads_inside_the_desk_and_every_write_go_to_the_primary(stack: Stack) -> None:
    pk, _ = _a_published_claim(stack)
    editor = Browser()
    editor.log_in(stack.base, "editor")
    with stack.replica() as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
        try:
            with stack.primary() as connection:
                connection.execute("UPDATE claims_claim SET text = text || ' (desk)' WHERE id = %s", [pk])
            # The desk's claim page reads the primary even when no write of this browser pins it there.
            for cookie in [c for c in editor.cookies if c.name == "ct_primary"]:
                editor.cookies.clear(cookie.domain, cookie.path, cookie.name)
            assert "(desk)" in editor.get(f"{stack.base}/claims/{pk}/")[1]
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")


def test_a_published_page_is_read_from_the_replica_alone(stack: Stack) -> None:
    """Its kept page is looked up (claims.publiccache, before the URL is resolved)
    and drawn from the replica's data: with the primary refusing the app's
    connections, readers are still answered."""
    pk, _ = _a_published_claim(stack)
    public = f"{stack.base}/public/claims/{pk}/"
    reader = Browser()
    assert reader.get(public)[0] == 200
    admin = psycopg.connect(f"postgresql://postgres@127.0.0.1:{stack.pair.primary_port}/postgres", autocommit=True)
    with stack.replica() as replica, admin:
        replica.execute("SELECT pg_wal_replay_pause()")  # the replica keeps taking connections
        try:
            admin.execute("ALTER DATABASE claimtracker WITH ALLOW_CONNECTIONS false")
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'claimtracker'")
            for _ in range(6):  # each of the server's workers, whether it kept the page or not
                status, body = reader.get(public)
                assert status == 200, what_failed(body)
            assert reader.get(f"{stack.base}/healthz")[0] == 503, "the app cannot reach the primary"
        finally:
            admin.execute("ALTER DATABASE claimtracker WITH ALLOW_CONNECTIONS true")
            replica.execute("SELECT pg_wal_replay_resume()")


def test_a_replica_lagging_too_far_behind_is_passed_over(stack: Stack) -> None:
    """With REPLICA_MAX_LAG_SECONDS, a replica whose replay has fallen further
    behind is passed over: readers read the primary until it catches up."""
    pk, text = _a_published_claim(stack)
    urls = {
        name: f"postgresql://postgres@127.0.0.1:{port}/claimtracker"
        for name, port in (("primary", stack.pair.primary_port), ("replica", stack.pair.replica_port))
    }
    strict = app_env(
        DATABASE_URL=urls["primary"],
        DATABASE_REPLICA_URLS=urls["replica"],
        REPLICA_RETRY_SECONDS="1",
        REPLICA_MAX_LAG_SECONDS="1",
    )
    reader = Browser()
    with gunicorn(strict, workers=1) as base, stack.replica() as replica:
        assert _api_text(reader, Stack(stack.pair, base), pk) == text
        replica.execute("SELECT pg_wal_replay_pause()")
        try:
            with stack.primary() as connection:
                connection.execute("UPDATE claims_claim SET text = text || ' (lagging)' WHERE id = %s", [pk])
            time.sleep(2.5)  # the replica's replay now lags more than a second behind what it received
            assert _api_text(reader, stack, pk) == text, "the server with no limit reads the lagging replica"
            assert _api_text(reader, Stack(stack.pair, base), pk).endswith("(lagging)")
            assert "(lagging)" in reader.get(f"{base}/public/claims/{pk}/")[1]
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")
    with stack.primary() as connection:
        connection.execute("UPDATE claims_claim SET text = %s WHERE id = %s", [text, pk])


def test_a_replica_that_is_down_is_passed_over(stack: Stack) -> None:
    """Last: it stops the replica."""
    pk, _ = _a_published_claim(stack)
    stack.pair.stop_replica()
    reader = Browser()
    for path in ("/public/", f"/public/claims/{pk}/", "/api/v1/claims/", f"/api/v1/claims/{pk}/", "/sitemap.xml"):
        status, body = reader.get(f"{stack.base}{path}")
        assert status == 200, (path, what_failed(body))
