"""Django's Redis cache backend, with one redis-py client per connection pool.

Django 5.2's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for
every operation, and redis-py's constructor builds its table of response
callbacks each time: 54 µs of a 110 µs GET of a stored page on this machine,
and a stored page's serve makes two or three (the session, the page, the
header's counts). A client holds no connection of its own (it borrows one from
the pool for each command) and is safe to share between threads, so one per
pool serves every call. ``get_client`` is the method Django documents for a
custom client to override (its comment: sharding).
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # kept for the process's life, as is its client
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    """settings.CACHES' BACKEND for CACHE_URL (lib/env.env_caches)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client
