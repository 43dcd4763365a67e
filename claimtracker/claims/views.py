"""The editorial pages. Every view needs login (LoginRequiredMiddleware) and
checks the user's role itself; htmx requests get the named partial of the same
template, and every form also works as a plain POST with a redirect."""

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claimtracker.accounts.roles import can_edit, can_review, can_view
from claimtracker.claims import lookups, queries, search, services, submissions
from claimtracker.claims import summary as claim_summary
from claimtracker.claims.filters import ClaimFilter
from claimtracker.claims.forms import AttributionForm, ClaimForm, ReviewForm, StatusChangeForm
from claimtracker.claims.models import Actor, Attribution, Claim, Source, Status, StatusChange
from claimtracker.claims.pagecache import cached_page
from claimtracker.exports import jsonld
from claimtracker.lib import keyset
from claimtracker.lib.numbers import whole_number
from claimtracker.lib.retry import atomic_with_retry

PAGE_SIZE = 25
COUNT_CAP = 10_000  # the list counts matches up to here, then says "more than"
STANCES_PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has run: the user is authenticated.
    if not isinstance(request.user, User):
        raise PermissionDenied("Log in first.")
    return request.user


def _require(request: HttpRequest, check: Callable[[Any], bool], what: str) -> User:
    if not check(request.user):
        raise PermissionDenied(f"Your role does not allow you to {what}; ask an admin for one that does.")
    return _user(request)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --- Claim list ------------------------------------------------------------------------------------


@require_GET
@cached_page
def claim_list(request: HttpRequest) -> HttpResponse:
    _require(request, can_view, "read claims")
    filterset = ClaimFilter(request.GET, queryset=queries.claims_for_list())
    claims = filterset.qs
    cursor_error = ""
    try:
        page = keyset.paginate(
            claims, filterset.sort_keys, PAGE_SIZE, after=request.GET.get("after"), before=request.GET.get("before")
        )
    except keyset.InvalidCursor as error:
        cursor_error = f"{error} Showing the first page."
        page = keyset.paginate(claims, filterset.sort_keys, PAGE_SIZE)
    query = request.GET.copy()
    for name in ("after", "before", "page"):
        query.pop(name, None)
    context = {
        "filter": filterset,
        "page": page,
        "count": keyset.capped_count(claims, COUNT_CAP),
        "count_cap": COUNT_CAP,
        "cursor_error": cursor_error,
        "query": query.urlencode(),
    }
    # A history restore (back button after a cache miss) needs the whole page.
    partial = _is_htmx(request) and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    response = render(request, "claims/claim_list.html#results" if partial else "claims/claim_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Claim page --------------------------------------------------------------------------------------


def _claim_page_context(request: HttpRequest, pk: int, **forms: Any) -> dict[str, Any]:
    # The desk (editors and reviewers) sees work in review, marked; viewers see approved entries only.
    editor = can_edit(request.user)
    try:
        claim = queries.claim_for_page(pk)
    except Claim.DoesNotExist:
        raise Http404("No claim with that number.") from None
    statuses = list(Status.objects.all())
    summary = claim_summary.summary(claim, statuses)
    suggested_status = next((s for s in statuses if s.slug == summary.suggestion.slug), None)
    review = summary.review and summary.review | {"url": request.build_absolute_uri(claim.get_absolute_url())}
    events_page, events = queries.timeline_page(claim, request.GET.get("events"), include_pending=editor)
    context: dict[str, Any] = {
        "claim": claim,
        "jsonld": jsonld.script_tag(review) if review else "",
        "events": events,
        "events_page": events_page,
        "sides": summary.sides,
        "chart_svg": summary.chart_svg,
        "history": queries.claim_history(claim),
        "suggestion": summary.suggestion,
        "suggested_status": suggested_status,
        "can_edit": editor,
    }
    if editor:
        context["attribution_form"] = forms.get("attribution_form") or AttributionForm()
        context["status_form"] = forms.get("status_form") or StatusChangeForm(claim=claim, suggested=suggested_status)
    return context


@require_GET
@cached_page
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, can_view, "read claims")
    return render(request, "claims/claim_detail.html", _claim_page_context(request, pk))


@require_POST
def add_attribution(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require(request, can_edit, "add attributions")
    claim = get_object_or_404(Claim, pk=pk)
    form = AttributionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            if submissions.record(data["submission"], user, claim.get_absolute_url()):
                services.add_attribution(claim, by=user, **{name: data[name] for name in services.ATTRIBUTION_FIELDS})
                messages.success(request, "Attribution added; it waits for a reviewer.")
        return _back_to_claim(request, claim, "attribution-form")
    return _claim_form_errors(request, pk, "claims/claim_detail.html#attribution-form", attribution_form=form)


@require_POST
def propose_status_change(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require(request, can_edit, "propose status changes")
    claim = get_object_or_404(Claim, pk=pk)
    form = StatusChangeForm(request.POST, claim=claim)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if submissions.record(data["submission"], user, claim.get_absolute_url()):
                    services.propose_status_change(
                        claim,
                        status=data["status"],
                        effective_on=data["effective_on"],
                        effective_on_precision=data["effective_on_precision"],
                        rationale=data["rationale"],
                        evidence=data["evidence"],
                        corrects=data["corrects"],
                        by=user,
                    )
                    messages.success(request, "Status change proposed; it waits for a reviewer.")
        except services.DomainError as error:
            form.add_error(None, str(error))
        else:
            return _back_to_claim(request, claim, "status-form")
    return _claim_form_errors(request, pk, "claims/claim_detail.html#status-form", status_form=form)


def _back_to_claim(request: HttpRequest, claim: Claim, anchor: str) -> HttpResponse:
    url = f"{claim.get_absolute_url()}#{anchor}"
    if _is_htmx(request):
        # Reload the page in place so the timeline, the chart and the form all show the change.
        response = render(request, "claims/claim_detail.html#claim-body", _claim_page_context(request, claim.pk))
        response["HX-Retarget"] = "#claim-body"
        response["HX-Reswap"] = "outerHTML"
        return response
    return HttpResponseRedirect(url)


def _claim_form_errors(request: HttpRequest, pk: int, partial: str, **forms: Any) -> HttpResponse:
    context = _claim_page_context(request, pk, **forms)
    template = partial if _is_htmx(request) else "claims/claim_detail.html"
    return render(request, template, context, status=200 if _is_htmx(request) else 400)


# --- Create and edit claims ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def claim_create(request: HttpRequest) -> HttpResponse:
    user = _require(request, can_edit, "create claims")
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            claim = None
            if submissions.record(data["submission"], user):
                claim = services.create_claim(
                    text=data["text"],
                    context=data["context"],
                    topics=data["topics"],
                    quantity=data["quantity"],
                    quantity_unit=data["quantity_unit"],
                    quantity_bound=data["quantity_bound"],
                    due_on=data["due_on"],
                    by=user,
                )
                submissions.land(data["submission"], claim.get_absolute_url())
        if claim is None:
            return redirect(submissions.landing(data["submission"]) or "claims:list")
        messages.success(request, "Claim created.")
        return redirect(claim)
    similar = search.similar_claims(request.POST.get("text", "")) if request.method == "POST" else []
    return render(
        request,
        "claims/claim_form.html",
        {"form": form, "similar": similar, "claim": None},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require(request, can_edit, "edit claims")
    claim = get_object_or_404(Claim, pk=pk)
    form = ClaimForm(request.POST or None, instance=claim)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            name: data[name] for name in ("text", "context", "quantity", "quantity_unit", "quantity_bound", "due_on")
        }
        try:
            services.update_claim(
                claim, by=user, expected_version=data["version"] or 0, topics=data["topics"], **fields
            )
        except services.StaleEditError as error:
            conflict = error.current
            form.add_error(None, str(error))
        else:
            messages.success(request, "Claim saved.")
            return redirect(claim)
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return render(
        request,
        "claims/claim_form.html",
        {"form": form, "claim": claim, "conflict": conflict, "similar": []},
        status=status,
    )


@require_GET
def similar_claims(request: HttpRequest) -> HttpResponse:
    _require(request, can_edit, "create claims")
    exclude = request.GET.get("exclude")
    similar = search.similar_claims(request.GET.get("text", ""), exclude_pk=whole_number(exclude or ""))
    return render(request, "claims/claim_form.html#similar", {"similar": similar})


# --- Review queue -------------------------------------------------------------------------------------


@require_GET
@cached_page
def review_queue(request: HttpRequest) -> HttpResponse:
    _require(request, can_review, "review")
    after = request.GET.get("after", "")
    groups, next_after = queries.review_queue(whole_number(after))
    return render(
        request,
        "claims/review.html",
        {"groups": groups, "next_after": next_after, "paged": bool(after), "form": ReviewForm()},
    )


_REVIEWABLE = {"attribution": Attribution, "status-change": StatusChange}


@require_POST
def review_item(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = _require(request, can_review, "review")
    model = _REVIEWABLE.get(kind)
    if model is None:
        raise Http404("Nothing to review there.")
    item = cast(Attribution | StatusChange, get_object_or_404(model, pk=pk))
    form = ReviewForm(request.POST)
    error = None
    if form.is_valid():
        decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
        try:
            review = services.approve if decision == "approve" else services.reject
            # Reviewers of one claim queue on its row lock; a transaction the
            # database aborts to break a conflict is run again.
            atomic_with_retry(partial(review, item, by=user, note=note))
        except services.DomainError as refused:
            error = str(refused)
    else:
        error = " ".join(str(e) for e in form.non_field_errors()) or "Choose approve or reject."
    item.refresh_from_db()
    if _is_htmx(request):
        return render(request, "claims/review.html#item", {"item": item, "kind": kind, "error": error, "form": form})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{item.get_review_state_display()}: {item}")
    return redirect("claims:review")


# --- Actors and sources ---------------------------------------------------------------------------------


@require_GET
@cached_page
def actor_list(request: HttpRequest) -> HttpResponse:
    _require(request, can_view, "read actors")
    q = search.clean_query(request.GET.get("q", ""))
    page = Paginator(queries.actors_for_list(q).order_by("name"), 50).get_page(request.GET.get("page"))
    return render(request, "claims/actor_list.html", {"page": page, "q": q})


@require_GET
@cached_page
def actor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, can_view, "read actors")
    actor = get_object_or_404(Actor.objects.select_related("parent").prefetch_related("aliases", "members"), pk=pk)
    page = Paginator(queries.actor_stances(actor), STANCES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/actor_detail.html",
        {"actor": actor, "page": page, "record": queries.track_record(actor)},
    )


@require_GET
@cached_page
def source_list(request: HttpRequest) -> HttpResponse:
    _require(request, can_view, "read sources")
    page = Paginator(queries.sources_for_list().order_by("-published_at", "title"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "claims/source_list.html", {"page": page})


@require_GET
@cached_page
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, can_view, "read sources")
    source = get_object_or_404(Source.objects.select_related("publisher"), pk=pk)
    attributions = list(
        source.attributions.filter(review_state="approved")
        .select_related("actor", "claim", "via")
        .order_by("quote_start")
    )
    return render(
        request,
        "claims/source_detail.html",
        {
            "source": source,
            "attributions": attributions,
            "segments": queries.highlighted_body(source.body, attributions),
            "not_found": [a for a in attributions if a.quote and a.quote_start is None],
        },
    )


@require_GET
def lookup(request: HttpRequest, kind: str) -> HttpResponse:
    """Suggestions for an actor or source field, as <option>s of its <datalist>."""
    _require(request, can_view, "look up actors and sources")
    text = search.clean_query(request.GET.get(request.GET.get("field", ""), "") or request.GET.get("q", ""))
    labels: list[str] = []
    if len(text) >= 2:
        if kind == "actors":
            labels = [actor.name for actor in lookups.actors_matching(text)[: lookups.SUGGESTIONS]]
        elif kind == "sources":
            labels = [lookups.source_label(s) for s in lookups.sources_matching(text)[: lookups.SUGGESTIONS]]
        else:
            raise Http404("Nothing to look up there.")
    return render(request, "claims/lookup_options.html", {"labels": labels})


# --- Health ------------------------------------------------------------------------------------------


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
