"""A published claim's stored page, served before the rest of the request is built.

Readers, search engines and CDNs ask for /public/claims/<id>/ far more often
than it changes. The page is kept under the data versions of what it shows
(claims.versions: the claim, the claims it links to, the vocabulary, read in
one prepared statement), so a write, through Django or not, shows on the next
read. ``PublicPageMiddleware`` sits just inside Django's security middleware
and serves a kept page without the session, CSRF, authentication, message,
history or lockout middleware and without resolving the URL: none of them has
anything to do for a public page, which reads no session and sets no cookie.
It keeps the page as the rest of the stack answered it, headers included (the
content security policy, X-Frame-Options), so a kept page is answered as a
drawn one is. The kept entries live in the ``pages`` cache, whose keys carry
the release (settings.RELEASE): a deploy never serves the last one's pages.

A page drawn anew is read under its own key (``key``), with the replica the
request was given: a page is never kept under versions newer than the data it
was drawn from.
"""

import functools
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.urls import resolve, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control

from claimtracker.claims import pagecache, versions
from claimtracker.claims.views.common import digest
from claimtracker.lib import replicas

KEPT_SECONDS = 24 * 3600
_KEY = "stored_as"  # the response attribute the view names its key by


def key(request: HttpRequest, pk: int) -> str:
    """The kept page's key: the versions of what it shows (what readers see of
    the claim: work in review on it leaves the page), and what else it is drawn
    from (its timeline's page, its own address, the day, the publisher)."""
    number = events_asked(request)
    drawn_from = versions.read([f"ca:{pk}", versions.VOCABULARY, versions.PEOPLE])[0]
    asked = (pk, number, request.build_absolute_uri("/"), timezone.localdate())
    organization = (settings.ORGANIZATION_NAME, settings.ORGANIZATION_URL)
    return "public-claim:" + digest((drawn_from, asked, organization))


def events_asked(request: HttpRequest) -> str:
    """The timeline's page asked for (``?events=``), or "" for the latest."""
    number = request.GET.get("events", "")
    return number if number.isdigit() and len(number) <= 6 else ""


def keep_as(response: HttpResponse, page_key: str) -> HttpResponse:
    """Marks a page the view drew for the middleware to keep under ``page_key``."""
    setattr(response, _KEY, page_key)
    return response


class PublicPageMiddleware:
    """Answers a GET or HEAD of a published claim's page from its kept copy, or
    keeps the page the view drew."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @functools.cached_property
    def route(self) -> RoutePattern:
        """The public claim page's route as the URLconf names it."""
        return RoutePattern(resolve(reverse("public:claim", args=[1])).route, is_endpoint=True)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pk = self._claim_asked(request)
        if pk is None:
            return self.get_response(request)
        cache = caches[pagecache.CACHE_ALIAS]
        with replicas.reading_for(request):
            stored = cache.get(key(request, pk))
        if stored is not None:
            body, headers = stored
            kept = HttpResponse(body, headers=headers)  # its ETag and Cache-Control among them
            return get_conditional_response(request, etag=kept["ETag"], response=kept) or kept
        response = self.get_response(request)
        page_key = getattr(response, _KEY, None)
        if page_key is not None and response.status_code == 200 and not response.cookies:
            cache.set(page_key, (response.content, list(response.items())), KEPT_SECONDS)
        return response

    def _claim_asked(self, request: HttpRequest) -> int | None:
        if settings.PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
            return None
        match = self.route.match(request.path_info[1:])
        return int(match[2]["pk"]) if match else None


def shared(request: HttpRequest, response: HttpResponse, etag: str) -> HttpResponse:
    """A public answer: shared caches may keep it PUBLIC_CACHE_SECONDS; its ETag is
    its content's, so a browser or CDN asking again with If-None-Match gets 304
    while it is unchanged."""
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
    return get_conditional_response(request, etag=etag, response=response) or response
