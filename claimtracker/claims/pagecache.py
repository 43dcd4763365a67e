"""Whole-page cache for the desk's read pages, per user, kept under the data
versions of what each page shows (claims.versions).

A page costs 12-46 ms of CPU to render and the same reader asks for the same
pages again and again between writes (the list, the claim they are working on,
the queue). ``@cached_page`` marks a view whose page ``PageCacheMiddleware``
keeps in the ``pages`` cache (settings.CACHES: per process, or shared by every
worker and server through CACHE_URL), and answers from there before the rest
of the middleware and the view run, under a key of:

- who asks: the user, and the browser's CSRF secret, so that the CSRF tokens in
  the stored page stay valid for the browser it is served to;
- what is asked: the full address with its query and the htmx request headers;
- the day (the overdue marks depend on it);
- the versions of what the page is drawn from: a claim's page the claim's
  counter (and those of the claims it links to, the vocabulary and people's
  names), an actor's or a source's page its own, a list that of what lists
  show (work in review leaves it), a page of the review queue those of the
  claims on it (which ones, asked in the same query), /mine/ that of
  everything. The
  database bumps them in the writing transaction, whatever wrote (a page, the
  admin, ``QuerySet.update()``, psql, COPY).

The versions are read in one query before the page, with the user's row and
the header's counts, and the people counter the user's permissions are kept
under (claims.held): a role taken away, by whatever means, takes the page away
at once (and a page drawn anew uses the counts read, request.nav_counts, and
the permissions).
A page is never served from before a write the reader could see: a write commits its
bumps with it, and a page rendered from newer data than its key merely goes
unused.

What is not cached: anything but a 200 answer to GET, an answer that sets a
cookie (but the CSRF cookie Django sends again to renew it), a request with no
session or CSRF cookie yet or with messages waiting to be shown. With
PAGE_CACHE_SECONDS at 0 nothing is: every page is drawn, its session, user
and header's counts still read in the one statement, its role from what the
process keeps (three round trips fewer than Django's own way).
One-time form tokens (``SubmissionMixin``) are minted afresh on every serve,
so two tabs opened from one stored page never share a token, and so are the
header's counts (work waiting for review, one's entries sent back), which
follow writes the page itself does not depend on.

A page may name live parts (``cached_page``'s ``live``): the parts drawn from a
counter the rest of it is not drawn from. A claim's page shows work in review
only in its timeline, its history of edits and the evidence its status form
offers, and the rest of it (the summary, the chart, the sides, the forms) is
drawn from what readers see of the claim (``ca:<id>``). So beside the page the
middleware keeps its frame: the page with those parts cut out, under the same
key without the live counter (``c:<id>``). Work sent for review bumps ``c:<id>`` and
leaves ``ca:<id>``: the next view finds no page but the frame, and draws the
live parts alone into it (each from its own kept parts: the timeline's items,
the history, the evidence) rather than the whole page.

A stored answer without such a token or count carries an ``ETag``; a request
that names it (``If-None-Match``) is answered ``304 Not Modified``. Whole
pages stay ``no-store`` (accounts.middleware: Back must ask again), so it is
the htmx fragments (a list's results, a page of a timeline), which a browser keeps and
revalidates, and other HTTP clients that use it.
"""

import functools
import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import User
from django.contrib.messages.storage import default_storage
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import router
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag

from claimtracker.accounts import backends, roles, sessions
from claimtracker.claims import held, queries, versions
from claimtracker.lib import replicas
from claimtracker.lib.keyset import INT64
from claimtracker.lib.numbers import whole_number

CACHE_ALIAS = "pages"

# What each serve writes afresh: a one-time token, and the counts marked in the templates (the
# header's, base.html: the review queue's length, one's own entries sent back; the queue's length in
# its lead, claims/review.html).
_FRESH = re.compile(rb'name="submission" value="[0-9a-f-]{36}"|<!--nav:(review|mine|queue)-->.*?<!--/nav-->', re.S)
_TOKEN = "submission"
# Each marked count: which of the counts it shows, the template that writes it, and what it counts.
_MARKED = {
    "review": ("review", "_nav_count.html", "pending"),
    "mine": ("mine", "_nav_count.html", "rejected"),
    "queue": ("review", "claims/_queue_count.html", "pending"),
}
# Set on a request whose page is to be kept, then on its response to the page cut for keeping.
_KEEPING = "page_kept"
# Set on that response too, for a view with live parts: the page's frame (_frame).
_FRAMED = "page_framed"
# A live part as its template marks it (claims.templatetags.kept, ``{% live %}``), and as its frame names it.
_LIVE = re.compile(rb"<!--live:([a-z-]+)-->.*?<!--/live:\1-->", re.S)
_LIVE_PIECE = "live:"

View = Callable[..., HttpResponse]
# What a page is drawn from, given the view's arguments: counters, and a query of claims that count too
# (claims.versions.read).
Drawn = tuple[list[str], tuple[str, list[Any]] | None]
Depends = Callable[..., Drawn]


@dataclass(frozen=True)
class Live:
    """A page's live parts: ``scope`` names, from the view's arguments, the
    counter they are drawn from and the rest of the page is not (the page's
    ``depends`` names it, and another that covers the rest); ``draw`` draws them
    for a request, from the view's arguments, by name, each as the page's
    template marks it (``{% live name %}``), exactly as the view draws them
    into the whole page."""

    scope: Callable[..., str]
    draw: Callable[..., dict[str, str]]


class Kept(NamedTuple):
    """How ``cached_page`` keeps a view's page."""

    perm: str
    depends: Depends
    live: Live | None = None


def everything(request: HttpRequest, **kwargs: Any) -> Drawn:
    """The desk's own work's: any write to the app's data."""
    return [versions.EVERYTHING], None


def queue(request: HttpRequest, **kwargs: Any) -> Drawn:
    """A page of the review queue: the claims on it (which ones are asked in the
    versions' query), the vocabulary and people's names."""
    return [versions.VOCABULARY, versions.PEOPLE], queries.queue_claims(whole_number(request.GET.get("after", "")))


def listed(request: HttpRequest, **kwargs: Any) -> Drawn:
    """A list of claims, actors or sources: what lists show (work in review only
    when the list is filtered by it)."""
    return [versions.EVERYTHING if request.GET.get("pending") else versions.LISTED, versions.PEOPLE], None


def claim(request: HttpRequest, pk: int, **kwargs: Any) -> Drawn:
    """A claim's page, and the claims it links to: all of it the claim's data
    (``c:<id>``), all but its live parts what readers see of it (``ca:<id>``,
    which every write that bumps it bumps the first too)."""
    return [f"c:{pk}", f"ca:{pk}", versions.VOCABULARY, versions.PEOPLE], versions.linked_claims(pk)


def claim_scope(pk: int, **kwargs: Any) -> str:
    """The counter a claim's live parts are drawn from (``Live.scope``)."""
    return f"c:{pk}"


def actor(request: HttpRequest, pk: int, **kwargs: Any) -> Drawn:
    return [f"a:{pk}", versions.VOCABULARY, versions.PEOPLE], None


def source(request: HttpRequest, pk: int, **kwargs: Any) -> Drawn:
    return [f"s:{pk}", versions.VOCABULARY, versions.PEOPLE], None


def _key(
    request: HttpRequest, kept: Kept, kwargs: dict[str, Any], authenticate: Callable[..., Any]
) -> tuple[str | None, str | None, dict[str, int]]:
    """The stored page's key, for a user who holds ``kept.perm`` now, the key of
    its frame (for a page with live parts) and the header's counts as they are
    now; no keys for what is not kept or a role not held. The session, its user
    and their permissions are opened by ``_opened``, with the counts and the
    page's versions. Asks the CSRF secret as ``PageCacheMiddleware`` set it up."""
    csrf_secret = request.META.get("CSRF_COOKIE")
    if not csrf_secret or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return None, None, {}
    scopes, claims = kept.depends(request, **kwargs)
    current, counts, granted = _opened(request, authenticate, scopes, claims, also=queries.nav_count_rows())
    if granted is None:
        return None, None, {}  # no session open, no one logged in, or not the user the statement read
    if len(default_storage(request)):
        return None, None, {}  # messages to show once
    user = request.user
    if not roles.holds(user, kept.perm, granted):  # type: ignore[arg-type]
        return None, None, {}
    if request.session.modified:
        return None, None, {}  # Django's checks changed the session (a key cycled): the whole stack saves and sends it
    counts = queries.nav_counts_read(counts, lambda perm: roles.holds(user, perm, granted))  # type: ignore[arg-type]
    request.nav_counts = counts  # type: ignore[attr-defined]  # for the header of a page drawn now
    htmx = sorted((name, value) for name, value in request.META.items() if name.startswith("HTTP_HX_"))
    page = request.build_absolute_uri()  # the JSON-LD names the page's own address
    parts = (request.user.pk, csrf_secret, page, htmx, timezone.localdate().isoformat())
    frame = None
    if kept.live is not None:
        live = kept.live.scope(**kwargs)
        frame = _digest("frame", (*parts, tuple(version for version in current if version[0] != live)))
    return _digest("page", (*parts, current)), frame, counts


def _opened(
    request: HttpRequest,
    authenticate: Callable[..., Any],
    scopes: list[str],
    claims: tuple[str, list[Any]] | None = None,
    also: Sequence[tuple[str, str, list[Any]]] = (),
) -> tuple[tuple[tuple[str, int], ...], dict[str, int], frozenset[str] | None]:
    """Opens the request's session, its user and their permissions from one
    statement, with the versions of ``scopes`` and ``claims`` and the values of
    ``also`` (claims.versions.read); returns those, and the permissions the user
    holds (None where no one is logged in, or not the user the statement read).

    The session, its user, the values and the versions are read in one
    statement from the session cookie's key (accounts.roles.asker_sql); the
    session is opened from the data read (accounts.sessions.opened), its user
    made the request's by Django's authentication middleware and its checks,
    ``authenticate``, on the row read (accounts.backends.knowing), and their
    permissions taken from what the process keeps under the people counter read
    (claims.held), and kept on the user for the request as the backends keep
    them. The rest of the stack finds them there (Django's keeps the request's
    user once read)."""
    session_key = request.COOKIES[settings.SESSION_COOKIE_NAME]
    if versions.PEOPLE not in scopes:
        scopes = [*scopes, versions.PEOPLE]  # what the user's permissions are kept under (claims.held)
    current, counts, row = versions.read(scopes, claims, also=also, asker=session_key)
    request.session = sessions.opened(session_key, row[-1] if row else None)
    if row is None or row[0] is None or request.session.get(SESSION_KEY) != str(row[0]):
        return current, counts, None
    database = router.db_for_read(User)
    with backends.knowing(backends.user_from_row(database, row[:-1])):
        authenticate(request)
        user = request.user
        if not user.is_authenticated:
            return current, counts, None
    granted = held.permissions(database, user.pk, dict(current).get(versions.PEOPLE))
    if not user.is_superuser:
        user._perm_cache = set(granted)  # type: ignore[attr-defined]  # where the backends keep them for the request
    return current, counts, granted


def _digest(kind: str, parts: tuple[Any, ...]) -> str:
    return f"{kind}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _pieces(content: bytes) -> list[bytes | str]:
    """The page as kept: its bytes cut where each serve writes something afresh, a
    one-time token ("submission") or a header's count ("review", "mine"), so a serve
    joins the pieces rather than searching 30-130 KB again."""
    pieces: list[bytes | str] = []
    start = 0
    for match in _FRESH.finditer(content):
        pieces += [content[start : match.start()], match.group(1).decode() if match.group(1) else _TOKEN]
        start = match.end()
    pieces.append(content[start:])
    return pieces


def _frame(content: bytes) -> list[bytes | str] | None:
    """The page's frame: its pieces (``_pieces``) with each live part's name in
    its place (``live:<name>``); None for a page that shows none."""
    frame: list[bytes | str] = []
    start = 0
    for match in _LIVE.finditer(content):
        frame += [*_pieces(content[start : match.start()]), _LIVE_PIECE + match.group(1).decode()]
        start = match.end()
    if not frame:
        return None
    return [*frame, *_pieces(content[start:])]


def _filled(frame: list[bytes | str], drawn: dict[str, str]) -> list[bytes | str] | None:
    """The frame's pieces with its live parts as ``drawn``, adjacent bytes joined;
    None where what was drawn is not what the frame names."""
    names = [piece[len(_LIVE_PIECE) :] for piece in frame if isinstance(piece, str) and piece.startswith(_LIVE_PIECE)]
    if sorted(names) != sorted(drawn):
        return None
    pieces: list[bytes | str] = []
    for piece in frame:
        if isinstance(piece, str) and piece.startswith(_LIVE_PIECE):
            more = _pieces(drawn[piece[len(_LIVE_PIECE) :]].encode())
        else:
            more = [piece]
        for part in more:
            if pieces and isinstance(part, bytes) and isinstance(pieces[-1], bytes):
                pieces[-1] += part
            else:
                pieces.append(part)
    return pieces


def _serve(pieces: list[bytes | str], request: HttpRequest, counts: dict[str, int]) -> bytes:
    """The kept page with new one-time tokens and the header's counts as they are
    now: they follow writes the page itself does not depend on. The counts were read
    with the versions; asked again only for a count the user's role did not give
    then (-1), as when the role changed since."""
    asked = {_MARKED[piece][0] for piece in pieces if isinstance(piece, str) and piece in _MARKED}
    if any(counts.get(which, -1) < 0 for which in asked):
        pending, rejected = queries.nav_counts(request.user if "mine" in asked else None, review="review" in asked)  # type: ignore[arg-type]
        counts = {"review": pending, "mine": rejected}
    out = []
    for piece in pieces:
        if isinstance(piece, bytes):
            out.append(piece)
        elif piece == _TOKEN:
            out.append(b'name="submission" value="%s"' % str(uuid.uuid4()).encode())
        else:
            out.append(_marked_count(piece, counts[_MARKED[piece][0]]))
    return b"".join(out)


@functools.lru_cache(maxsize=512)
def _marked_count(piece: str, count: int) -> bytes:
    _, template, what = _MARKED[piece]
    return f"<!--nav:{piece}-->{render_to_string(template, {'count': count, 'what': what})}<!--/nav-->".encode()


def cached_page(perm: str, depends: Depends = everything, live: Live | None = None) -> Callable[[View], View]:
    """Marks a view whose page ``PageCacheMiddleware`` keeps while what it
    ``depends`` on is unchanged, for a user who holds ``perm`` now
    (accounts.roles.VIEW, EDIT, REVIEW), with its frame where it has ``live``
    parts. The role is asked before any stored page is served, of the
    permissions kept under the people counter read with the versions
    (claims.held): a role taken away, by whatever means (the admin, SQL outside
    Django), takes the page away at once.
    Otherwise the view answers, and refuses, itself."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if getattr(request, _KEEPING, False) and response.status_code == 200 and not response.streaming:
                _made_keepable(request, response, framed=live is not None)
            return response

        wrapper.kept_page = Kept(perm, depends, live)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _made_keepable(request: HttpRequest, response: HttpResponse, *, framed: bool = False) -> None:
    """Cuts the page the view drew for the middleware to keep (and its frame, for
    a view with live parts), and gives it an
    ETag where every serve is the same (no one-time token, no header count); a
    browser keeps and revalidates an htmx fragment with one (accounts.middleware
    makes whole pages no-store)."""
    pieces = _pieces(response.content)
    setattr(response, _KEEPING, pieces)
    if framed:
        setattr(response, _FRAMED, _frame(response.content))
    if len(pieces) == 1:
        response["ETag"] = _etag(response.content)
        if request.htmx:  # type: ignore[attr-defined]
            patch_cache_control(response, private=True, no_cache=True)


class PageCacheMiddleware:
    """Answers a GET of a desk page from its stored copy before the rest of the
    middleware runs, or keeps the page its view drew.

    A stored page needs to know who asks and their CSRF secret: this runs the
    request side of Django's CSRF middleware, reads the session, its user, the
    header's counts and the page's versions in one statement, on the primary as
    the desk's views read (the user's roles from what the process keeps under
    the versions read, claims.held), and runs the request side of Django's
    authentication middleware on the session and the user read (the very class,
    so the session is checked against the user's password and the user's
    ``is_active`` as on any request). The session opened here is the request's
    (accounts.middleware.SessionMiddleware keeps it): what Django's checks
    changed in it, such as a key cycled after a secret key's rotation, is saved.
    Where any of them says no (no session, no CSRF cookie yet, messages waiting,
    the role not held) the request goes on through the whole stack as any other.
    A stored page is answered with the headers the whole stack answered it with
    when it was drawn (Vary, Cache-Control, the content security policy), and its
    length counted again: the header's counts change it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response).process_request
        self.authenticate = AuthenticationMiddleware(get_response).process_request

    def __call__(self, request: HttpRequest) -> HttpResponse:
        page = _kept_page_asked(request)
        if page is None:
            if request.method == "POST" and settings.SESSION_COOKIE_NAME in request.COOKIES:
                # A write: its session, user and permissions opened as a stored page's are, in one
                # statement rather than Django's three (the session, the user, the permissions).
                with replicas.reading_primary():
                    _opened(request, self.authenticate, [])
            return self.get_response(request)
        kept, kwargs = page
        self.csrf(request)
        with replicas.reading_primary():  # as the desk's views read
            key, frame_key, counts = _key(request, kept, kwargs, self.authenticate)
        if key is None or settings.PAGE_CACHE_SECONDS <= 0:
            return self.get_response(request)
        cache = caches[CACHE_ALIAS]
        stored = cache.get(key)
        if stored is None and frame_key is not None and kept.live is not None:
            stored = _drawn_into_frame(request, cache.get(frame_key), kept.live, kwargs)
            if stored is not None:
                cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
        if stored is not None:
            pieces, headers = stored
            body = _serve(pieces, request, counts)
            response = HttpResponse(body, headers=headers)
            response["Content-Length"] = len(body)
            return _unless_unchanged(request, response)
        setattr(request, _KEEPING, True)
        response = self.get_response(request)
        pieces = getattr(response, _KEEPING, None)
        if pieces is not None and response.status_code == 200 and not _sets_cookies(request, response):
            headers = {name: value for name, value in response.items() if name != "Content-Length"}
            cache.set(key, (pieces, headers), settings.PAGE_CACHE_SECONDS)
            if (frame := getattr(response, _FRAMED, None)) is not None:
                cache.set(frame_key, (frame, headers), settings.PAGE_CACHE_SECONDS)
        return _unless_unchanged(request, response)


def _drawn_into_frame(
    request: HttpRequest, stored: tuple[list[bytes | str], dict[str, str]] | None, live: Live, kwargs: dict[str, Any]
) -> tuple[list[bytes | str], dict[str, str]] | None:
    """The page from its stored frame with its live parts drawn now, as kept
    (pieces and headers); None without a frame. The page's ETag, if it has one,
    is counted again from what it now shows."""
    if stored is None:
        return None
    frame, headers = stored
    with replicas.reading_primary():
        pieces = _filled(frame, live.draw(request, **kwargs))
    if pieces is None:
        return None
    headers = {name: value for name, value in headers.items() if name != "ETag"}
    if "ETag" in stored[1] and len(pieces) == 1 and isinstance(pieces[0], bytes):
        headers["ETag"] = _etag(pieces[0])
    return pieces, headers


def _etag(content: bytes) -> str:
    return quote_etag(hashlib.md5(content, usedforsecurity=False).hexdigest())


def _sets_cookies(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether the answer sets a cookie other than the CSRF cookie the browser
    already holds (Django sends it again with every page that has a form, to
    renew its expiry; a stored page goes without)."""
    renewed = (settings.CSRF_COOKIE_NAME, request.META.get("CSRF_COOKIE"))
    return any((name, morsel.value) != renewed for name, morsel in response.cookies.items())


def _unless_unchanged(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """304 Not Modified where the request names the page's ETag (a page served
    the same every time has one)."""
    if not response.has_header("ETag"):
        return response
    return get_conditional_response(request, etag=response["ETag"], response=response) or response


def _kept_page_asked(request: HttpRequest) -> tuple[Kept, dict[str, Any]] | None:
    """The page cache's terms of the view a GET with a session asks for, and the
    view's arguments; None for any other request."""
    if request.method != "GET":
        return None
    if settings.CSRF_USE_SESSIONS:
        return None  # the CSRF secret is kept in the session, which is read after it here
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    kept = _kept_view(request.path_info, getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
    return (kept[0], dict(kept[1])) if kept is not None else None


@functools.lru_cache(maxsize=4096)
def _kept_view(path: str, urlconf: str) -> tuple[Kept, tuple[tuple[str, Any], ...]] | None:
    """What ``_kept_page_asked`` finds for an address, kept for the process: an
    address resolves alike for as long as its URLconf is the same (a stored
    serve spent 50 µs of its 1.1 ms matching the address against every pattern)."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    kept = getattr(match.func, "kept_page", None)
    if any(isinstance(value, int) and value not in INT64 for value in match.kwargs.values()):
        return None  # no row's id: the view answers 404 (SQLite refuses such a number as a parameter)
    return (kept, tuple(match.kwargs.items())) if kept is not None else None


@receiver(setting_changed)
def _urls_changed(setting: str, **kwargs: Any) -> None:
    """As Django forgets its resolvers when a test changes the URLconf."""
    if setting == "ROOT_URLCONF":
        _kept_view.cache_clear()
