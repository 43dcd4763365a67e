"""Read replicas (DATABASE_REPLICA_URLS): which reads may go to one.

Only reads that can bear a replica's lag of a moment go there: the public
pages, the exports and the read API (``ReplicaMiddleware`` marks such a
request), and of those only the app's own data (claims, actors, sources, the
data versions); sessions, users, roles and API keys are always read from the
primary, so a login, a key or a role taken away holds at once. Everything
else reads from the primary: the desk's pages, every write, and every read
inside a transaction.

A browser that has just written (any request but GET, HEAD or OPTIONS) gets a
cookie for REPLICA_PIN_SECONDS that keeps its reads on the primary, so the
writer sees their own write on the next page even before the replica has
replayed it. A replica that does not answer, or that lags further behind
than REPLICA_MAX_LAG_SECONDS (asked of it at most once a second), is left
alone for REPLICA_RETRY_SECONDS and the request is read from the primary
instead; so is one that fails later in the request, whose view is then drawn
again from the primary.
"""

import contextlib
import contextvars
import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import SimpleTemplateResponse

log = logging.getLogger(__name__)

PIN_COOKIE = "ct_primary"
# The apps whose tables a replica may serve; auth, sessions and the API's keys stay on the primary.
REPLICATED_APPS = {"claims"}
# The URL namespaces whose GET requests may read from a replica.
REPLICA_NAMESPACES = {"public", "exports", "api"}
REPLICA_VIEWS = {"sitemap"}

_reading_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("reading_from", default=None)
_down_until: dict[str, float] = {}
_lag_known_until: dict[str, float] = {}
LAG_CHECK_SECONDS = 1.0
# How far a replica's replay lags: the time since the last transaction it replayed, while it has
# received more than it has replayed; none when it has replayed all it received (a primary idle for
# an hour leaves a replica with nothing to replay, not an hour behind).
LAG_SQL = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) END"
)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class ReplicaRouter:
    """Sends the app's reads to the replica the request was given, when it was
    given one and no transaction is open; everything else to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        alias = _reading_from.get()
        if alias is None or model._meta.app_label not in REPLICATED_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool:
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _answering(alias: str) -> bool:
    """Whether the replica takes a query now; one that fails is left alone for a while."""
    if _down_until.get(alias, 0) > time.monotonic():
        return False
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        lag = _lag(alias)
    except DatabaseError as error:
        passed_over(alias, error)
        return False
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        log.warning(
            "Replica %s lags %.0f s behind, more than REPLICA_MAX_LAG_SECONDS (%s); reading from the primary.",
            alias,
            lag,
            settings.REPLICA_MAX_LAG_SECONDS,
        )
        _down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        return False
    return True


def passed_over(alias: str, error: Exception) -> None:
    """The replica ``alias`` failed: its connection is closed, the request's reads
    go to the primary from here on, and it is left alone for REPLICA_RETRY_SECONDS."""
    log.warning("Replica %s does not answer (%s); reading from the primary.", alias, error)
    _down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
    if _reading_from.get() == alias:
        _reading_from.set(None)
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


def _lag(alias: str) -> float:
    """The replica's replay lag in seconds, asked at most once every LAG_CHECK_SECONDS
    (0 in between, and where it is not a PostgreSQL standby or the check is off)."""
    connection = connections[alias]
    now = time.monotonic()
    if (
        not settings.REPLICA_MAX_LAG_SECONDS
        or connection.vendor != "postgresql"
        or _lag_known_until.get(alias, 0) > now
    ):
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(LAG_SQL)
        (lag,) = cursor.fetchone()
    _lag_known_until[alias] = now + LAG_CHECK_SECONDS
    return float(lag)


def _replica_for(request: HttpRequest) -> str | None:
    match = request.resolver_match
    if match is None or not (set(match.namespaces) & REPLICA_NAMESPACES or match.url_name in REPLICA_VIEWS):
        return None
    return _answering_replica(request)


def _answering_replica(request: HttpRequest) -> str | None:
    """A replica that answers, for a read a replica may serve, unless the browser has just written."""
    if request.method not in ("GET", "HEAD") or PIN_COOKIE in request.COOKIES:
        return None
    aliases = replica_aliases()
    random.shuffle(aliases)
    return next((alias for alias in aliases if _answering(alias)), None)


def _passing_over_on_failure(content: Iterator[bytes], alias: str) -> Iterator[bytes]:
    """A streamed answer read from replica ``alias`` (an export sent as it is read):
    where the replica fails midway, the answer ends short (its beginning has
    been sent) and the replica is passed over, so the next request reads the primary."""
    try:
        yield from content
    except (OperationalError, InterfaceError) as error:
        if connections[alias].errors_occurred:
            passed_over(alias, error)
        raise


@contextlib.contextmanager
def reading_for(request: HttpRequest) -> Iterator[None]:
    """Reads of the app's data in the block go to a replica, as they would in the
    view of a request that may read from one: for a middleware answering a
    public page before its URL is resolved (claims.publiccache)."""
    token = _reading_from.set(_answering_replica(request) if replica_aliases() else None)
    try:
        yield
    finally:
        _reading_from.reset(token)


@contextlib.contextmanager
def reading_primary() -> Iterator[None]:
    """Reads of the app's data in the block go to the primary, whatever replica the
    thread's request before this one was given (ReplicaMiddleware leaves it set):
    for a middleware answering a desk page before ReplicaMiddleware runs
    (claims.pagecache)."""
    token = _reading_from.set(None)
    try:
        yield
    finally:
        _reading_from.reset(token)


class ReplicaMiddleware:
    """Gives a request that may read from a replica one that answers, and pins a
    browser that writes to the primary for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = bool(replica_aliases())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        # Set afresh for every request, and left set after it: a streamed export reads as it is sent.
        _reading_from.set(None)
        response = self.get_response(request)
        alias = _reading_from.get()
        # (A file's answer, the Excel exports', was made whole in the view.)
        if alias is not None and isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse):
            response.streaming_content = _passing_over_on_failure(response.streaming_content, alias)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        if self.enabled:
            _reading_from.set(_replica_for(request))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A replica that failed after it was found answering (stopped, restarted,
        cut off): the view is drawn once more, from the primary. A GET or HEAD reads
        only, so it may run twice. A streamed export reads as it is sent, after
        this: it ends short instead (_passing_over_on_failure). An API view drawn
        again counts the request twice against its rate limit."""
        alias = _reading_from.get()
        if alias is None or not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if not connections[alias].errors_occurred:
            return None  # the primary's failure: the session's, the user's
        passed_over(alias, exception)
        match = request.resolver_match
        assert match is not None  # process_exception runs for a resolved view only
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        if isinstance(response, SimpleTemplateResponse):
            response.render()  # the handler renders no response a middleware gives for an exception
        return response
