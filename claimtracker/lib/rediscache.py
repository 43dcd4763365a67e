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

import math
import threading
import time
from collections import OrderedDict
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
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


class KeptPagesCache(RedisCache):
    """The "pages" alias's backend with CACHE_URL: Redis, and this process's copies
    of the entries it used last, up to LOCAL_BYTES of pages.

    Every key of that alias names the data versions its page was drawn from (the
    user, the day and the address with them: claims.pagecache, claims.publiccache),
    so what one key holds never needs replacing: a write makes new keys, it does
    not change what old ones hold. A copy kept here is therefore as good as
    Redis's, and a copy may outlive Redis's entry (one read from Redis is kept
    for the alias's default timeout, its remaining time there unknown here);
    the times only bound memory. A worker serving a page it served before spares
    Redis's round trip and the page's unpickling (30-600 KB). Not for an alias
    whose keys are overwritten with new content: another server's write would not
    reach this process's copy.
    """

    LOCAL_BYTES = 32 * 1024 * 1024

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._local: OrderedDict[str, tuple[float, int, Any]] = OrderedDict()  # key: (expires, size, value)
        self._local_size = 0
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        name = self.make_and_validate_key(key, version=version)
        with self._lock:
            kept = self._local.get(name)
            if kept is not None and kept[0] > time.monotonic():
                self._local.move_to_end(name)
                return kept[2]
        value = super().get(key, _MISSING, version)
        if value is _MISSING:
            return default
        self._keep(name, value, self.default_timeout)
        return value

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        super().set(key, value, timeout, version)
        seconds = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        self._keep(self.make_and_validate_key(key, version=version), value, seconds)

    def delete(self, key: str, version: int | None = None) -> bool:
        self._forget(self.make_and_validate_key(key, version=version))
        return bool(super().delete(key, version))

    def clear(self) -> None:
        with self._lock:
            self._local.clear()
            self._local_size = 0
        super().clear()

    def _keep(self, name: str, value: Any, seconds: float | None) -> None:
        size = _size(value)
        if seconds is not None and seconds <= 0 or size > self.LOCAL_BYTES // 8:
            return
        expires = time.monotonic() + seconds if seconds is not None else math.inf
        self._forget(name)
        with self._lock:
            self._local[name] = (expires, size, value)
            self._local_size += size
            while self._local_size > self.LOCAL_BYTES:
                _, (_, dropped, _) = self._local.popitem(last=False)
                self._local_size -= dropped

    def _forget(self, name: str) -> None:
        with self._lock:
            if (kept := self._local.pop(name, None)) is not None:
                self._local_size -= kept[1]


_MISSING = object()


def _size(value: Any) -> int:
    """About how many bytes a kept page takes: its text, and a little for the rest."""
    if isinstance(value, (bytes, str)):
        return len(value) + 64
    if isinstance(value, (list, tuple)):
        return sum(map(_size, value)) + 64
    if isinstance(value, dict):
        return sum(_size(k) + _size(v) for k, v in value.items()) + 64
    return 64
