"""The Redis cache backend of CACHE_URL (lib/rediscache): Django's, keeping one
redis-py client per connection pool instead of making one per operation."""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from claimtracker.lib.rediscache import KeptPagesCache, RedisCache

REDIS = "redis://127.0.0.1:6379/10"


@pytest.fixture
def cache() -> Iterator[RedisCache]:
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.ConnectionError as error:
        pytest.skip(f"no Redis at {REDIS}: {error}")
    cache = RedisCache(REDIS, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    yield cache
    cache.delete_many(["page", "session", "count"])


def test_every_operation_uses_the_pools_one_client(cache: RedisCache, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []
    original = redis.Redis.__init__

    def counting(self: redis.Redis, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    cache.set("page", (["<h1>Claims</h1>"], {"Content-Type": "text/html"}), 60)
    for _ in range(10):
        assert cache.get("page") == (["<h1>Claims</h1>"], {"Content-Type": "text/html"})
    cache.set_many({"session": {"user": 1}, "count": 3}, 60)
    assert cache.get_many(["session", "count", "missing"]) == {"session": {"user": 1}, "count": 3}
    assert cache.incr("count") == 4
    assert len(made) == 1  # Django's own made 14


def test_a_process_forked_after_use_talks_to_redis_on_connections_of_its_own(cache: RedisCache) -> None:
    """gunicorn forks its workers: redis-py's pool notices the new process and opens
    its own connections, so a kept client is safe after a fork."""
    import os

    cache.set("page", "before the fork", 60)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.write(write, b"ok" if cache.get("page") == "before the fork" else b"wrong")
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(child, 0)
    assert os.read(read, 10) == b"ok" and status == 0
    assert cache.get("page") == "before the fork"  # the parent's connection still answers


# --- KeptPagesCache: the "pages" alias, with this process's copies -------------------------------


@pytest.fixture
def pages(cache: RedisCache) -> Iterator[KeptPagesCache]:
    pages = KeptPagesCache(REDIS, {"KEY_PREFIX": cache.key_prefix})
    yield pages
    pages.clear()


def _redis_gets(cache: RedisCache, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []
    client = cache._cache.get_client()
    original = client.get

    def counting(name: str) -> Any:
        asked.append(name)
        return original(name)

    monkeypatch.setattr(client, "get", counting)
    return asked


def test_a_page_used_once_is_served_again_without_redis(
    cache: RedisCache, pages: KeptPagesCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _redis_gets(pages, monkeypatch)
    pages.set("drawn-here", ([b"<h1>Claims</h1>", "submission"], {"ETag": '"1"'}), 60)
    assert pages.get("drawn-here") == ([b"<h1>Claims</h1>", "submission"], {"ETag": '"1"'})
    cache.set("drawn-elsewhere", (b"<h1>Another server's</h1>", '"2"'), 60)  # another process's, through Redis
    for _ in range(3):
        assert pages.get("drawn-elsewhere") == (b"<h1>Another server's</h1>", '"2"')
    assert pages.get("never-drawn") is None and pages.get("never-drawn", "absent") == "absent"
    assert len(asked) == 3, "one read of the other process's page, two of the missing one"


def test_copies_expire_with_redis_and_stay_under_their_bound(
    pages: KeptPagesCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    asked = _redis_gets(pages, monkeypatch)
    pages.set("short", b"kept a minute", 60)
    now[0] += 59
    assert pages.get("short") == b"kept a minute" and asked == []
    now[0] += 2
    pages.get("short")
    assert asked == [pages.make_key("short")], "past its minute, the copy is not used: Redis is asked"
    asked.clear()
    monkeypatch.setattr(pages, "LOCAL_BYTES", 8 * 10_000)
    for n in range(20):
        pages.set(f"page-{n}", bytes(5_000), 60)
    assert pages.get("page-19") == bytes(5_000) and asked == [], "the latest are kept"
    assert pages.get("page-0") == bytes(5_000) and len(asked) == 1, "the oldest dropped here, still in Redis"
    assert pages._local_size <= pages.LOCAL_BYTES


def test_delete_and_clear_forget_the_copies(pages: KeptPagesCache) -> None:
    pages.set("page", b"drawn", 60)
    pages.delete("page")
    assert pages.get("page") is None
    pages.set("page", b"drawn", 60)
    pages.clear()
    assert pages.get("page") is None
