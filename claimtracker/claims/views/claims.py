"""Claims: the list, the claim page and its two forms, creating and editing a
claim, lookups, and the health check."""

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claimtracker.accounts.roles import VIEW, can_edit, can_publish, can_view
from claimtracker.claims import drafts, lookups, pagecache, queries, search, services, submissions, versions
from claimtracker.claims import summary as claim_summary
from claimtracker.claims.filters import ClaimFilter
from claimtracker.claims.forms import AttributionForm, ClaimForm, RelationForm, StatusChangeForm, already_recorded
from claimtracker.claims.models import Claim, Relation, Status
from claimtracker.claims.moment import PARAMETERS, PICKER_LABELS, TODAY, BadMoment, Moment
from claimtracker.claims.pagecache import cached_page
from claimtracker.claims.views.common import (
    KEPT_SECONDS,
    KeptParts,
    digest,
    is_htmx,
    kept,
    kept_key,
    list_filters,
    require,
)
from claimtracker.exports import jsonld
from claimtracker.lib import keyset
from claimtracker.lib.numbers import whole_number

PAGE_SIZE = 25
COUNT_CAP = 10_000  # the list counts matches up to here, then says "more than"


# --- Claim list ------------------------------------------------------------------------------------


@require_GET
@cached_page(VIEW, pagecache.listed)
def claim_list(request: HttpRequest) -> HttpResponse:
    require(request, can_view, "read claims")
    filterset = ClaimFilter(list_filters(request), queryset=queries.claims_for_list())
    query = request.GET.copy()
    for name in ("after", "before", "page"):
        query.pop(name, None)
    today = query.copy()
    for name in PARAMETERS:
        today.pop(name, None)
    context = {
        "filter": filterset,
        "count_cap": COUNT_CAP,
        "query": query.urlencode(),
        "today_url": f"{reverse('claims:list')}?{today.urlencode()}" if today else reverse("claims:list"),
    }
    # A history restore (back button after a cache miss) needs the whole page.
    partial = is_htmx(request) and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    if filterset.form.errors:  # a field's error may name other data: counted and drawn each time
        context |= _list_page(request, filterset) | {"count": filterset.count(COUNT_CAP)}
    else:
        # What lists show (the page cache's key of a list), the vocabulary, people's names, the role and
        # the day (overdue): the results, counted and drawn, are the same for every reader who asks alike.
        listed, _ = pagecache.listed(request)
        current = dict(versions.read([listed[0], versions.VOCABULARY, versions.PEOPLE])[0])
        drawn_from = (query.urlencode(), can_edit(request.user), timezone.localdate())
        # How many claims match: counting those of a past status reads every claim's changes (150 ms).
        context["count"] = kept(("list-count", drawn_from, current.get(listed[0])), lambda: filterset.count(COUNT_CAP))
        # The page of results: its query, its rows' counts of sides and their rendering.
        shown = (request.GET.get("after"), request.GET.get("before"), sorted(current.items()))
        context["results"] = mark_safe(  # the template escapes what it shows
            kept(
                ("list-results", drawn_from, shown),
                lambda: render_to_string(
                    "claims/claim_list.html#results", context | _list_page(request, filterset), request
                ),
            )
        )
        if partial:
            response = HttpResponse(context["results"])
            patch_vary_headers(response, ["HX-Request"])
            return response
        # The filters' fields show the query, the vocabulary's choices, the desk's pending filter.
        context["filter_form_key"] = digest(("filters", drawn_from, current.get(versions.VOCABULARY)))
    response = render(request, "claims/claim_list.html#results" if partial else "claims/claim_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _list_page(request: HttpRequest, filterset: ClaimFilter) -> dict[str, Any]:
    """The list's page of claims asked for, each with how many actors support and
    oppose it and its forecast."""
    cursor_error = ""
    try:
        page = keyset.paginate(
            filterset.qs,
            filterset.sort_keys,
            PAGE_SIZE,
            after=request.GET.get("after"),
            before=request.GET.get("before"),
        )
    except keyset.InvalidCursor as error:
        cursor_error = f"{error} Showing the first page."
        page = keyset.paginate(filterset.qs, filterset.sort_keys, PAGE_SIZE)
    moment = filterset.moment
    claims_shown = queries.claims_then(page.object_list) if moment.past else page.object_list
    counts = queries.side_counts([claim.pk for claim in claims_shown], moment)
    day = moment.judged_on()
    rows = [(claim, counts[claim.pk], claim.forecast_on(day)) for claim in claims_shown]
    # The moment is the one the filters read from the query, known once their queryset is built.
    return {"page": page, "rows": rows, "cursor_error": cursor_error, "moment": moment}


# --- Claim page --------------------------------------------------------------------------------------


def _claim_page_context(request: HttpRequest, pk: int, *, moment: Moment = TODAY, **forms: Any) -> dict[str, Any]:
    # The desk (editors and reviewers) sees work in review, marked; viewers see approved entries only.
    # A view of the past (claims.moment) shows what readers saw then, to everyone, with no forms.
    editor = can_edit(request.user)
    desk = editor and not moment.past
    try:
        claim = queries.claim_for_page(pk)
    except Claim.DoesNotExist:
        raise Http404("No claim with that number.") from None
    statuses = list(Status.objects.all())
    summary = claim_summary.summary(claim, moment)
    suggested_status = next((s for s in statuses if s.slug == summary.suggestion.slug), None)
    review = summary.review and summary.review | {"url": request.build_absolute_uri(claim.get_absolute_url())}
    links, link_count = queries.links(claim, moment)
    shown = _claim_then(claim, moment)
    context: dict[str, Any] = {
        "claim": shown,
        "moment": moment,
        "forecast": shown.forecast_on(moment.judged_on()),
        # The ClaimReview is today's assessment: a view of the past does not publish one.
        "jsonld": jsonld.script_tag(review) if review and not moment.past else "",
        "timeline": _timeline(request, claim, moment, editor),
        # Today's page marks the parts work in review changes, for the page cache (_live_parts).
        "live_parts": not moment.past,
        "sides": summary.sides,
        "chart_svg": summary.chart_svg,
        "figures": summary.figures,
        "suggestion": summary.suggestion,
        "suggested_status": suggested_status,
        "can_edit": desk,
        "can_publish": can_publish(request.user) and not moment.past,
        "links": links,
        "link_count": link_count,
        "refined": [(parent, _summary_of(parent.pk, moment).sides) for parent in queries.refined(links)],
    } | _history(claim, moment, editor)
    if desk:
        attribution_form = forms.get("attribution_form") or AttributionForm(initial=drafts.filled(request))
        status_form = forms.get("status_form") or StatusChangeForm(
            claim=claim, suggested=suggested_status, statuses=statuses
        )
        relation_form = forms.get("relation_form") or RelationForm(claim=claim)
        context |= {
            "attribution_form": attribution_form,
            "status_form": status_form,
            "relation_form": relation_form,
            # Their fields, rendered once for what their choices show (claim_detail.html): the status
            # form's apart, so that work sent for review re-renders only the evidence it offers.
            "form_keys": {
                "attribution": _blank_form_key(attribution_form),
                "status": _blank_form_key(status_form, claim.vocabulary_version, getattr(suggested_status, "pk", None)),  # type: ignore[attr-defined]
                "corrects": _blank_form_key(status_form, claim.pk, claim.approved_version, claim.vocabulary_version),  # type: ignore[attr-defined]
                "evidence": _evidence_key(status_form, claim),
                "relation": _blank_form_key(relation_form),
            },
        }
    context["kept_parts"] = _kept_parts(context)
    return context


def _kept_parts(context: dict[str, Any]) -> KeptParts:
    """The claim page's kept parts (claim_detail.html, by name), read in one
    round trip: the history of edits and the desk forms' parts the context
    gives keys for (the whole page's, or its live parts': a blank key is not asked)."""
    form_keys = context.get("form_keys", {})
    return KeptParts(
        {"claim-history": context["history_key"]}
        | {f"{form}-fields": form_keys.get(form, "") for form in ("relation", "attribution", "status")}
        | {"status-corrects": form_keys.get("corrects", ""), "status-evidence": form_keys.get("evidence", "")}
    )


def _render_claim_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The claim page (or a part of it), its kept parts drawn anew stored after it (views.common.KeptParts)."""
    response = render(request, template, context, status=status)
    context["kept_parts"].store()
    return response


def _claim_then(claim: Claim, moment: Moment) -> Claim:
    """The claim as it was in a view of the past (queries.claim_then), its status
    then kept under what it is drawn from: the claim's approved entries and the
    vocabulary (with its nested subqueries the ORM spent 10-15 ms of CPU building
    it, on every view of the past of a long story)."""
    if not moment.past:
        return claim
    drawn_from = (claim.pk, claim.approved_version, claim.vocabulary_version, moment.query())  # type: ignore[attr-defined]
    then, statuses = kept(("claim-then", drawn_from), lambda: queries.status_then(claim, moment))
    return queries.shown_then(copy.copy(claim), then, statuses)


def _history(claim: Claim, moment: Moment, editor: bool) -> dict[str, Any]:
    """The history of edits, today's alone, read only where its section is drawn
    anew: it is kept under the claim's data versions (an edit, and its entry's,
    bumps the claim's), people's names and what lists show (actors' names: an old
    edit may name one the claim no longer quotes), the desk's apart (it shows work
    in review)."""
    if moment.past:
        return {"history": [], "history_key": ""}
    drawn_from = (claim.pk, claim.claim_version, claim.people_version, claim.listed_version, editor)  # type: ignore[attr-defined]
    return {
        "history": SimpleLazyObject(lambda: queries.claim_history(claim, include_pending=editor)),
        "history_key": digest(("history", *drawn_from)),
    }


def _evidence_key(status_form: StatusChangeForm, claim: Claim) -> str:
    """The key the status form's evidence choices are kept under: the claim's
    entries, in review too, and people's names."""
    return _blank_form_key(status_form, claim.pk, claim.claim_version, claim.people_version)  # type: ignore[attr-defined]


def _live_parts(request: HttpRequest, pk: int) -> dict[str, str]:
    """Today's claim page's live parts (pagecache.Live), each drawn alone as
    claim_detail draws it into the whole page: the timeline, the history of
    edits and, for the desk, the evidence the status form offers. Work in review
    changes these and nothing else of the page. Nothing for any other view of
    the claim: the page cache then draws the page whole."""
    try:
        moment = Moment.parse(request.GET)
    except BadMoment:
        return {}
    if moment.past:
        return {}
    editor = can_edit(request.user)
    claim = queries.claim_with_versions(pk)
    context: dict[str, Any] = {"live_parts": True, "timeline": _timeline(request, claim, moment, editor)} | _history(
        claim, moment, editor
    )
    names = ["timeline", "history"]
    if editor:
        status_form = StatusChangeForm(claim=claim)
        context |= {"status_form": status_form, "form_keys": {"evidence": _evidence_key(status_form, claim)}}
        names.append("evidence")
    # Their kept parts read in one round trip and stored in one, as the whole page's are.
    context["kept_parts"] = _kept_parts(context)
    drawn: dict[str, str] = {name: render_to_string(f"claims/claim_detail.html#live-{name}", context) for name in names}
    context["kept_parts"].store()
    return drawn


def _blank_form_key(form: Form, *drawn_from: Any) -> str:
    """The key a desk form's fields are kept under while they show nothing typed
    (no data, no draft): the same for every editor, drawn from ``drawn_from``
    (the claim's data for the status form's choices) and the form's own fields.
    A form with what someone typed, or its errors, renders each time: ""."""
    if form.is_bound or form.initial:
        return ""
    return digest((type(form).__name__, drawn_from))


def _timeline(request: HttpRequest, claim: Claim, moment: Moment, editor: bool) -> str:
    """The timeline section: one page of events, rendered once for each version
    of the claim's data (claims.versions, read with the claim) and shared by every
    reader who sees it alike. The desk sees its entries in review, with links to
    edit its own; so an editor's is kept for them alone."""
    number = request.GET.get("events")
    drawn_from = (claim.pk, _versions_of(claim), moment.query(), number, editor, request.user.pk if editor else None)

    def draw() -> str:
        page = queries.timeline_keys(claim, number, include_pending=editor, moment=moment)
        context = {
            "items": _timeline_items(request, claim, list(page.object_list), moment, editor),
            "events_page": page,
            "moment": moment,
        }
        return mark_safe(render_to_string("claims/_timeline.html", context))  # the template escapes what it shows

    return str(kept(("timeline", drawn_from), draw))


def _timeline_items(
    request: HttpRequest, claim: Claim, keys: list[tuple[Any, int, int]], moment: Moment, editor: bool
) -> list[str]:
    """Each event of a timeline page drawn, in order. An approved entry's item is
    kept under what readers see of the claim (``ca:<id>``, which any change to an
    approved entry of the claim, or to the names and sources it shows, bumps), the
    vocabulary and people's names: work sent for review draws its own item and
    reads none of the others. An approved item shows nothing of who reads it but
    whether they are the desk. Entries in review or rejected are drawn each time,
    and so is an approved status change that cites evidence not approved (the
    services refuse it, a write past them may not): the desk sees that evidence
    change with no change to what readers see."""
    approved_under = (claim.pk, claim.approved_version, *_versions_of(claim)[1:], moment.query(), editor)  # type: ignore[attr-defined]
    names = {(kind, pk): kept_key(("timeline-item", approved_under, kind, pk)) for _, kind, pk in keys}
    found = cache.get_many(list(names.values()))
    items = {entry: found[name] for entry, name in names.items() if name in found}
    to_read = [key for key in keys if key[1:] not in items]
    drawn: dict[str, str] = {}
    for (_, kind, pk), event in zip(
        to_read, queries.timeline_events(to_read, include_pending=editor, moment=moment), strict=True
    ):
        # A view of the past is the same for everyone: no links to correct or edit an entry.
        context = {"event": event, "user": request.user, "user_can_edit": editor and not moment.past}
        items[kind, pk] = render_to_string("claims/_timeline_item.html", context)
        if _shows_approved_entries_alone(event):
            drawn[names[kind, pk]] = items[kind, pk]
    if drawn:
        cache.set_many(drawn, KEPT_SECONDS)
    return [mark_safe(items[kind, pk]) for _, kind, pk in keys]  # the template escapes what it shows


def _shows_approved_entries_alone(event: queries.Event) -> bool:
    """Whether an event's item shows approved entries alone: the entry, and a status change's evidence."""
    if not event.item.is_approved:
        return False
    return event.kind == "attribution" or all(link.attribution.is_approved for link in event.evidence)


def _versions_of(claim: Claim) -> tuple[int, int, int]:
    """The data versions claim_for_page read with the claim: its own, the vocabulary's, people's names."""
    return (claim.claim_version, claim.vocabulary_version, claim.people_version)  # type: ignore[attr-defined]


def _summary_of(pk: int, moment: Moment = TODAY) -> claim_summary.Summary:
    """Another claim's summary (the sides of a claim this one refines), from the cache when unchanged."""
    return claim_summary.summary(queries.claim_for_page(pk), moment)


@require_GET
@cached_page(VIEW, pagecache.claim, pagecache.Live(pagecache.claim_scope, _live_parts))
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, can_view, "read claims")
    try:
        moment = Moment.parse(request.GET, PICKER_LABELS)
    except BadMoment as error:
        # Today's page, with the reason beside the date picker and what was typed in it.
        typed = {name: request.GET.get(name, "") for name in PARAMETERS}
        context = _claim_page_context(request, pk) | {"moment_error": str(error), "moment_typed": typed}
        return _render_claim_page(request, "claims/claim_detail.html", context, status=400)
    return _render_claim_page(request, "claims/claim_detail.html", _claim_page_context(request, pk, moment=moment))


@require_POST
def add_attribution(request: HttpRequest, pk: int) -> HttpResponse:
    user = require(request, can_edit, "add attributions")
    claim = get_object_or_404(Claim, pk=pk)
    if drafts.wants_new(request):
        return drafts.stash(request, claim.get_absolute_url(), "attribution-form")
    form = AttributionForm(request.POST)
    # The same attribution sent again by a second click is landed where the first went, not refused.
    if (
        form.is_valid()
        and (error := already_recorded(claim, form.cleaned_data))
        and not submissions.is_repeat(request.POST)
    ):
        form.add_error(None, error)
    if form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            if submissions.record(data["submission"], user, claim.get_absolute_url()):
                services.add_attribution(claim, by=user, **{name: data[name] for name in services.ATTRIBUTION_FIELDS})
        return _back_to_claim(request, claim, "attribution-form", "Attribution added; it waits for a reviewer.")
    return _claim_form_errors(request, pk, "claims/claim_detail.html#attribution-form", attribution_form=form)


@require_POST
def propose_status_change(request: HttpRequest, pk: int) -> HttpResponse:
    user = require(request, can_edit, "propose status changes")
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
        except services.DomainError as error:
            form.add_error(None, str(error))
        else:
            return _back_to_claim(request, claim, "status-form", "Status change proposed; it waits for a reviewer.")
    return _claim_form_errors(request, pk, "claims/claim_detail.html#status-form", status_form=form)


@require_POST
def add_relation(request: HttpRequest, pk: int) -> HttpResponse:
    user = require(request, can_edit, "link claims")
    claim = get_object_or_404(Claim, pk=pk)
    form = RelationForm(request.POST, claim=claim)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if submissions.record(data["submission"], user, claim.get_absolute_url()):
                    services.add_relation(claim, data["other"], kind=data["kind"], by=user)
        except services.DomainError as error:
            form.add_error(None, str(error))
        else:
            return _back_to_claim(request, claim, "relations", "Link added.")
    return _claim_form_errors(request, pk, "claims/claim_detail.html#relations", relation_form=form)


@require_POST
def remove_relation(request: HttpRequest, pk: int, relation_pk: int) -> HttpResponse:
    user = require(request, can_edit, "unlink claims")
    claim = get_object_or_404(Claim, pk=pk)
    relation = Relation.objects.filter(Q(from_claim=claim) | Q(to_claim=claim), pk=relation_pk).first()
    if relation is None:
        # Removed already (another tab, another editor): say so instead of failing.
        return _back_to_claim(request, claim, "relations", "That link was already removed.")
    services.remove_relation(relation, by=user)
    return _back_to_claim(request, claim, "relations", "Link removed.")


@require_POST
def publish_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the claim at /public/claims/<id>/ (a reviewer's decision, kept in its history)."""
    user = require(request, can_publish, "publish claims")
    claim = get_object_or_404(Claim, pk=pk)
    try:
        services.publish(claim, by=user)
    except services.DomainError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(f"{claim.get_absolute_url()}#publication")
    return _back_to_claim(request, claim, "publication", "Published: anyone can read it at its public page.")


@require_POST
def unpublish_claim(request: HttpRequest, pk: int) -> HttpResponse:
    user = require(request, can_publish, "unpublish claims")
    claim = get_object_or_404(Claim, pk=pk)
    services.unpublish(claim, by=user)
    return _back_to_claim(request, claim, "publication", "Unpublished: its public page answers “not found”.")


def _back_to_claim(request: HttpRequest, claim: Claim, anchor: str, said: str) -> HttpResponse:
    url = f"{claim.get_absolute_url()}#{anchor}"
    if is_htmx(request):
        # Reload the page in place so the timeline, the chart and the form all show the
        # change; what was saved is said beside the form, where focus goes.
        context = _claim_page_context(request, claim.pk) | {"saved": said, "saved_in": anchor}
        response = _render_claim_page(request, "claims/claim_detail.html#claim-body", context)
        response["HX-Retarget"] = "#claim-body"
        response["HX-Reswap"] = "outerHTML"
        return response
    messages.success(request, said)
    return HttpResponseRedirect(url)


def _claim_form_errors(request: HttpRequest, pk: int, partial: str, **forms: Any) -> HttpResponse:
    context = _claim_page_context(request, pk, **forms)
    template = partial if is_htmx(request) else "claims/claim_detail.html"
    return _render_claim_page(request, template, context, status=200 if is_htmx(request) else 400)


# --- Create and edit claims ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def claim_create(request: HttpRequest) -> HttpResponse:
    user = require(request, can_edit, "create claims")
    if request.method == "POST" and submissions.is_repeat(request.POST):
        return redirect(submissions.landing(submissions.parse(request.POST.get("submission"))) or "claims:list")
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
    user = require(request, can_edit, "edit claims")
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
    require(request, can_edit, "create claims")
    exclude = request.GET.get("exclude")
    similar = search.similar_claims(request.GET.get("text", ""), exclude_pk=whole_number(exclude or ""))
    return render(request, "claims/claim_form.html#similar", {"similar": similar})


@require_GET
def lookup(request: HttpRequest, kind: str) -> HttpResponse:
    """Suggestions for an actor, source or claim field, as <option>s of its <datalist>."""
    require(request, can_view, "look up actors and sources")
    text = search.clean_query(request.GET.get(request.GET.get("field", ""), "") or request.GET.get("q", ""))
    labels: list[str] = []
    if len(text) >= 2:
        if kind == "actors":
            labels = [actor.name for actor in lookups.actors_matching(text)[: lookups.SUGGESTIONS]]
        elif kind == "sources":
            labels = [lookups.source_label(s) for s in lookups.sources_matching(text)[: lookups.SUGGESTIONS]]
        elif kind == "claims":
            labels = [lookups.claim_label(c) for c in lookups.claims_matching(text)[: lookups.SUGGESTIONS]]
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
