"""The published fact-checks (DESIGN 8.4): /public/, /public/claims/<id>/ and the
sitemap, shown to anyone without login.

A public page shows approved entries only and no user names or forms; it reads
no session and sets no cookie, so that a shared cache or a CDN may keep it.
A claim a reviewer has not published, or has taken down, answers 404.
"""

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.sitemaps import Sitemap
from django.contrib.sites.requests import RequestSite
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import set_response_etag
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from claimtracker.claims import publiccache, queries, search
from claimtracker.claims import summary as claim_summary
from claimtracker.claims.models import Attribution, Claim, ReviewState, StatusChange
from claimtracker.exports import jsonld
from claimtracker.lib import keyset
from claimtracker.lib.keyset import Key

PAGE_SIZE = 25
KEYS = [Key("published_at", descending=True, kind=datetime.datetime), Key("id", descending=True)]


def published() -> QuerySet[Claim]:
    return Claim.objects.filter(published_at__isnull=False)


@login_not_required
@require_safe
def public_list(request: HttpRequest) -> HttpResponse:
    """Published claims, the latest published first, a page at a time; a search narrows them."""
    query = request.GET.get("q", "").strip()[:200]
    claims = published().select_related("current_status")
    if query:
        claims = search.search(claims, query)
    error = ""
    try:
        page = keyset.paginate(claims, KEYS, PAGE_SIZE, after=request.GET.get("after"))
    except keyset.InvalidCursor as bad:
        error = f"{bad} Showing the first page."
        page = keyset.paginate(claims, KEYS, PAGE_SIZE)
    context = {"page": page, "q": query, "error": error}
    return _respond(request, "public/list.html", context, status=400 if error else 200)


@login_not_required
@require_safe
def public_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """A published claim's page. Kept under the data versions of what it shows
    and served again by ``publiccache.PublicPageMiddleware`` until one of them
    changes, through Django or not, on this server or another."""
    page_key = publiccache.key(request, pk) if settings.PAGE_CACHE_SECONDS > 0 else None
    if not published().filter(pk=pk).exists():
        raise Http404("No published claim with that number.")
    context = _claim_context(request, pk, publiccache.events_asked(request)) | _organization()
    # Kept as bytes: encoded once, not on every serve.
    body = render_to_string("public/claim.html", context).encode()
    etag = quote_etag(hashlib.md5(body, usedforsecurity=False).hexdigest())
    response = publiccache.shared(request, HttpResponse(body), etag)
    return publiccache.keep_as(response, page_key) if page_key else response


def _claim_context(request: HttpRequest, pk: int, number: str) -> dict[str, Any]:
    claim = queries.claim_for_page(pk)
    summary = claim_summary.summary(claim)
    events_page, events = queries.timeline_page(claim, number or None)
    url = request.build_absolute_uri(claim.get_public_url())
    review = summary.review and summary.review | {"url": url}
    status = claim.current_status
    description = f"Status: {status.label if status else 'not yet assessed'}"
    if claim.status_since:
        description += f" since {claim.status_since_display}"
    if claim.due_on and (forecast := claim.forecast):
        description += f"; the forecast {forecast}"
    return {
        "claim": claim,
        "url": url,
        "description": description + ".",
        "forecast": claim.forecast,
        "jsonld": jsonld.script_tag(review) if review else "",
        "events": events,
        "events_page": events_page,
        "sides": summary.sides,
        "chart_svg": summary.chart_svg,
        "figures": summary.figures,
        "sources": summary.sources,
    }


def _organization() -> dict[str, str]:
    return {"organization": settings.ORGANIZATION_NAME, "organization_url": settings.ORGANIZATION_URL}


def _respond(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The page, rendered without the request's context processors, which read
    the session (the user, their role, their messages): a public answer is the
    same for everyone, sets no cookie and does not vary on one."""
    response = HttpResponse(render_to_string(template, context | _organization()), status=status)
    if status != 200:
        return response
    set_response_etag(response)
    return publiccache.shared(request, response, response["ETag"])


class PublishedClaims(Sitemap[Claim]):
    """The sitemap at /sitemap.xml: every published claim's public page."""

    changefreq = "daily"
    limit = 10_000

    def items(self) -> QuerySet[Claim]:
        def reviewed(model: type[Attribution] | type[StatusChange]) -> Coalesce:
            approved = model.objects.filter(claim=OuterRef("pk"), review_state=ReviewState.APPROVED)
            latest = Subquery(approved.order_by("-reviewed_at").values("reviewed_at")[:1])
            return Coalesce(latest, F("published_at"))

        # Its page changed when it was published or when an entry of it was last approved since.
        changed = Greatest(F("published_at"), reviewed(Attribution), reviewed(StatusChange))
        return published().order_by("-published_at", "-id").only("pk").annotate(changed=changed)

    def location(self, item: Claim) -> str:
        return item.get_public_url()

    def lastmod(self, item: Claim) -> datetime.datetime | None:
        changed: datetime.datetime | None = item.changed  # type: ignore[attr-defined]
        return changed


@login_not_required
@require_safe
def public_sitemap(request: HttpRequest) -> HttpResponse:
    """/sitemap.xml: the published claims' pages (``?p=2`` and on past 10,000), as
    Django's sitemap view writes them, but rendered without the request's context
    processors, so that, like every public answer, it reads no session and may be
    kept by a shared cache."""
    try:
        urls = PublishedClaims().get_urls(
            page=request.GET.get("p", 1), site=RequestSite(request), protocol=request.scheme
        )
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page of the sitemap.") from None
    response = HttpResponse(render_to_string("sitemap.xml", {"urlset": urls}), content_type="application/xml")
    set_response_etag(response)
    return publiccache.shared(request, response, response["ETag"])
