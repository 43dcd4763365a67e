"""The Redis cache backend of CACHE_URL (lib/rediscache): Django's, keeping one
redis-py client per connection pool instead of making one per operation."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from claimtracker.lib.rediscache import RedisCache

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
