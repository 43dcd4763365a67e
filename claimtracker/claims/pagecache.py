"""Whole-page cache for the read pages, per user, dropped by any write.

A page costs 25–90 ms to render on a large desk and the same reader asks for
the same pages again and again between writes (the list, the claim they are
working on, the queue). ``@cached_page`` keeps the view's response under a key
of:

- who asks: the user, and the browser's CSRF secret, so that the CSRF tokens in
  the stored page stay valid for the browser it is served to;
- what is asked: the full address with its query and the htmx request headers;
- the day (the overdue marks depend on it);
- the write generation: a counter in the database (``WriteGeneration``) that
  goes up after every committed transaction that wrote to the app's tables,
  so every worker and server sees a write; plus a counter of this process's own
  writes, which goes up at once, before the commit, so that a transaction still
  open in this process (a test, for one) reads its own writes.

So a page is never served from before a write the reader could see: the
generation is read before the page, and bumped only after the write
committed. A page rendered from newer data than its key merely goes unused.

Writes are seen by a wrapper around every SQL statement (installed when a
connection opens), not by model signals, so that ``QuerySet.update()``,
``bulk_create()``, raw SQL and the admin are all counted. Statements that
only touch sessions, login throttling or the counter itself are not writes of
the app's data. Writes that bypass Django (psql, COPY) are seen at the latest
when an entry expires (settings.PAGE_CACHE_SECONDS); the bulk commands that
COPY call ``changed()`` themselves.

What is not cached: anything but a 200 answer to GET, an answer that sets a
cookie, a request with no CSRF cookie yet or with messages waiting to be shown.
One-time form tokens (``SubmissionMixin``) are minted afresh on every serve,
so two tabs opened from one stored page never share a token.
"""

import hashlib
import itertools
import re
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from claimtracker.accounts.roles import holding_sql

CACHE_ALIAS = "pages"

# Tables whose writes do not change what a page shows (an API key's last use is noted on reads).
_NOT_DATA = re.compile(r"^(django_session|axes_|claims_writegeneration|api_apikey)")
# The statement's verb and first table, as Django writes them on PostgreSQL and SQLite.
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+(?:TABLE\s+)?"?([A-Za-z0-9_]+)', re.I
)
_SUBMISSION_TOKEN = re.compile(rb'(name="submission" value=")[0-9a-f-]{36}(")')

_local_writes = itertools.count(1)
_local_generation = 0

View = Callable[..., HttpResponse]


# --- Seeing writes ---------------------------------------------------------------------------------------


_counter_ready: set[str] = set()


def _bump(alias: str) -> None:
    from claimtracker.claims.models import WriteGeneration

    if alias not in _counter_ready:
        # A fresh `migrate` writes before the migration that makes the counter has run:
        # there is no page to keep fresh yet. Asked once per process and database.
        if WriteGeneration._meta.db_table not in connections[alias].introspection.table_names():
            return
        _counter_ready.add(alias)
    WriteGeneration.objects.using(alias).filter(pk=WriteGeneration.ROW).update(value=F("value") + 1)


_bumpers: dict[str, Callable[[], None]] = {}


def changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Record that the app's data changed on connection ``using``: at once for
    this process, and for everyone once the current transaction commits."""
    global _local_generation
    _local_generation = next(_local_writes)
    bumper = _bumpers.setdefault(using, lambda: _bump(using))
    connection = connections[using]
    # Once per transaction: the callbacks of a rolled-back transaction are dropped with it.
    if not any(entry[1] is bumper for entry in connection.run_on_commit):
        transaction.on_commit(bumper, using=using, robust=True)


def _watch_writes(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    result = execute(sql, params, many, context)
    if sql[:1] in "IUDTiudt" or sql[:1].isspace():
        match = _WRITE.match(sql)
        if match and not _NOT_DATA.match(match.group(1)):
            changed(context["connection"].alias)
    return result


def watch(connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created receiver (claims.apps): count this connection's writes."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def generation(using: str = DEFAULT_DB_ALIAS) -> tuple[int, int]:
    return _generation_and(("1 = 1", []), using)[0]


def _generation_and(held: tuple[str, list[int | str]], using: str = DEFAULT_DB_ALIAS) -> tuple[tuple[int, int], bool]:
    """The write generation, and the condition ``held`` (accounts.roles.holding_sql)
    asked in the same statement."""
    from claimtracker.claims.models import WriteGeneration

    condition, params = held
    table = WriteGeneration._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT value, {condition} FROM {table} WHERE id = %s", [*params, WriteGeneration.ROW])
        row = cursor.fetchone()
    if row is None:  # the row is made by a migration; a flushed database gets it back here
        WriteGeneration.objects.using(using).get_or_create(pk=WriteGeneration.ROW)
        return generation(using), False
    return (row[0], _local_generation), bool(row[1])


# --- Serving pages ---------------------------------------------------------------------------------------


def _key(request: HttpRequest, perm: str) -> tuple[str | None, bool]:
    """The stored page's key, and whether the user holds ``perm`` now (asked in
    the same query as the write generation); no key for what is not kept."""
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method != "GET" or not request.user.is_authenticated:
        return None, False
    csrf_secret = request.META.get("CSRF_COOKIE")
    if not csrf_secret or len(get_messages(request)):
        return None, False
    current, held = _generation_and(holding_sql(request.user, perm))
    htmx = sorted((name, value) for name, value in request.headers.items() if name.lower().startswith("hx-"))
    page = request.build_absolute_uri()  # the JSON-LD names the page's own address
    parts = (request.user.pk, csrf_secret, page, htmx, timezone.localdate().isoformat(), current)
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest(), held


def _fresh_tokens(content: bytes) -> bytes:
    return _SUBMISSION_TOKEN.sub(lambda m: m.group(1) + str(uuid.uuid4()).encode() + m.group(2), content)


def cached_page(perm: str) -> Callable[[View], View]:
    """Serve the view's answer from the page cache while nothing was written,
    to a user who holds ``perm`` now (accounts.roles.VIEW, EDIT, REVIEW). The
    role is asked before any stored page is served, in the query that reads
    the write generation: a role taken away, by whatever means (the admin, SQL
    outside Django), takes the page away at once. Otherwise the view answers, and refuses, itself."""

    def decorate(view: View) -> View:
        return _cached(view, perm)

    return decorate


def _cached(view: View, perm: str) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key, held = _key(request, perm)
        if key is None:
            return view(request, *args, **kwargs)
        cache = caches[CACHE_ALIAS]
        stored = cache.get(key) if held else None
        if stored is not None:
            content, headers = stored
            return HttpResponse(_fresh_tokens(content), headers=headers)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, (response.content, dict(response.headers)), settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
