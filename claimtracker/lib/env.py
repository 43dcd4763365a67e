"""Typed readers for settings that come from the environment."""

import hashlib
import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    """A whole number, at least ``minimum``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {raw!r}")
    return value


_RATE = re.compile(r"\d+/(s|m|h|d|second|minute|hour|day)")


def env_rate(name: str, default: str) -> str:
    """A rate as Django REST framework reads one: "600/minute" (second, minute, hour or day)."""
    value = os.environ.get(name, "").strip() or default
    if not _RATE.fullmatch(value):
        raise ImproperlyConfigured(
            f"{name} must be a count per second, minute, hour or day, such as 600/minute; got {value!r}"
        )
    return value


_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def code_digest(*roots: Path) -> str:
    """A short digest of the files under ``roots`` (the code, the templates, the
    static files whose hashed names pages carry) or named by them (the pinned
    requirements: a new Django renders differently), compiled bytecode aside: what
    was rendered by one release is kept apart from the next one's in a shared
    cache."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def env_caches(url: str, release: str = "") -> dict[str, dict[str, object]]:
    """settings.CACHES for CACHE_URL: "default" (claim summaries, timelines, the
    desk forms' fields, rate counts) and "pages" (stored pages, claims.pagecache),
    in this process's memory when ``url`` is blank, or in the Redis it names,
    apart by key prefix (sessions are the database's: accounts/sessions.py).
    Rendered HTML is kept under the ``release`` (code_digest): servers of a new
    release do not serve what the old one drew."""
    if not url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "default",
                # A claim's page keeps about ten parts (summary, timeline, forms, history), 1-100 KB each, and its
                # timeline's approved items, up to 25 of about 1 KB: Django's 300 entries held some thirty claims,
                # and a desk reading more drew every page whole again. 10,000 hold some three hundred.
                "OPTIONS": {"MAX_ENTRIES": 10_000},
            },
            "pages": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "pages",
                "OPTIONS": {"MAX_ENTRIES": 500},  # pages of 10-200 KB: at most ~50 MB a worker
            },
        }
    if not url.startswith(_REDIS_SCHEMES):
        raise ImproperlyConfigured(f"CACHE_URL must be a Redis address such as redis://127.0.0.1:6379/1; got {url!r}")
    redis: dict[str, object] = {"BACKEND": "claimtracker.lib.rediscache.RedisCache", "LOCATION": url}
    return {
        "default": redis | {"KEY_PREFIX": f"ct-{release}"},
        # Keys that name the versions their page was drawn from: a process may keep copies (lib/rediscache.py).
        "pages": redis | {"BACKEND": "claimtracker.lib.rediscache.KeptPagesCache", "KEY_PREFIX": f"ct-pages-{release}"},
    }
