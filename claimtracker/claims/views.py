"""Claim pages. Every view needs login (LoginRequiredMiddleware) and a role."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from claimtracker.accounts.roles import can_view
from claimtracker.claims import queries
from claimtracker.claims.models import Claim, ReviewState

PAGE_SIZE = 50


def _require_viewer(request: HttpRequest) -> None:
    if not can_view(request.user):
        raise PermissionDenied("Your account has no role that can read claims; ask an admin for one.")


@require_GET
def claim_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    page = Paginator(queries.claims_for_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "claims/claim_list.html", {"page": page})


@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    include_pending = request.user.is_staff and request.GET.get("pending") == "1"
    try:
        claim = queries.claim_with_timeline(pk, request.user, include_pending=include_pending)
    except Claim.DoesNotExist:
        raise Http404("No claim with that number.") from None
    corrected_ids = {
        change.corrects_id
        for change in claim.timeline_changes  # type: ignore[attr-defined]
        if change.corrects_id and change.review_state == ReviewState.APPROVED
    }
    return render(
        request,
        "claims/claim_detail.html",
        {"claim": claim, "corrected_ids": corrected_ids, "include_pending": include_pending},
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 once the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
