"""Sources: the list, new and edit pages, and the source page, which is also
the editors' workbench: select a passage of the text and record who said it."""

from typing import Any, NamedTuple

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claimtracker.accounts.roles import VIEW, can_edit, can_view
from claimtracker.claims import drafts, pagecache, queries, search, services, submissions, versions
from claimtracker.claims.forms import SourceForm, WorkbenchForm, already_recorded
from claimtracker.claims.models import Claim, Source
from claimtracker.claims.pagecache import cached_page
from claimtracker.claims.views.common import digest, is_htmx, require
from claimtracker.claims.views.records import RecordPage, record_form, similar_ids
from claimtracker.lib.numbers import whole_number


@require_GET
@cached_page(VIEW, pagecache.listed)
def source_list(request: HttpRequest) -> HttpResponse:
    require(request, can_view, "read sources")
    q = search.clean_query(request.GET.get("q", ""), 500)
    sources = queries.sources_for_list(q).order_by("-published_at", "title", "id")  # source_published_idx
    page = Paginator(sources, 50).get_page(request.GET.get("page"))
    page.object_list = queries.with_attribution_counts(list(page.object_list))
    return render(request, "claims/source_list.html", {"page": page, "q": q})


class Quoted(NamedTuple):
    """What the workbench shows of the source's attributions: its text with every
    quote highlighted, the first of them listed, those not found in the text."""

    attributions: list[Any]
    total: int
    body_html: str
    not_found: list[Any]
    not_found_count: int


def _quoted(source: Source, editor: bool) -> Quoted:
    attributions, total = queries.source_attributions(source, include_pending=editor)
    spans = queries.source_spans(source, include_pending=editor)
    not_found, not_found_count = queries.source_not_found(source, include_pending=editor)
    return Quoted(attributions, total, queries.highlighted_body(source.body, spans), not_found, not_found_count)


def _workbench_context(request: HttpRequest, source: Source, form: WorkbenchForm | None = None) -> dict[str, Any]:
    editor = can_edit(request.user)
    # The text and who it quotes, drawn once for each version of the source's data (its row, its
    # attributions, in review too, and the names they show): 40 ms of a 1,000-quote source's 90, read only
    # where drawn.
    read = versions.read([f"s:{source.pk}"])[0]
    context: dict[str, Any] = {
        "source": source,
        "quoted": SimpleLazyObject(lambda: _quoted(source, editor)),
        "quoted_key": digest(("workbench-text", source.pk, read, editor)),
        "history": queries.source_history(source),
        "can_edit": editor,
    }
    if editor:
        context["form"] = form or WorkbenchForm(initial=_next_passage_initial(request, source), source=source)
    return context


def _next_passage_initial(request: HttpRequest, source: Source, keep: dict[str, Any] | None = None) -> dict[str, Any]:
    initial: dict[str, Any] = {"stated_on": source.published_on}
    claim_id = whole_number(request.GET.get("claim", ""))
    if claim_id is not None and (claim := Claim.objects.filter(pk=claim_id).first()) is not None:
        initial["claim"] = claim
    initial.update(drafts.filled(request))
    if keep:
        initial.update(keep)
    return initial


@require_GET
@cached_page(VIEW, pagecache.source)
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, can_view, "read sources")
    source = get_object_or_404(Source.objects.select_related("publisher"), pk=pk)
    return render(request, "claims/source_detail.html", _workbench_context(request, source))


@require_POST
def record_from_source(request: HttpRequest, pk: int) -> HttpResponse:
    """The workbench's form: an attribution from a passage of this source."""
    user = require(request, can_edit, "record attributions")
    source = get_object_or_404(Source.objects.select_related("publisher"), pk=pk)
    if drafts.wants_new(request):
        return drafts.stash(request, source.get_absolute_url(), "workbench")
    if submissions.is_repeat(request.POST):
        # A second click of the same form: the first one saved; show the workbench as it is.
        if is_htmx(request):
            return render(request, "claims/source_detail.html#workbench", _workbench_context(request, source))
        return redirect(f"{source.get_absolute_url()}#record-form")
    form = WorkbenchForm(request.POST, source=source)
    if form.is_valid() and (
        error := already_recorded(form.cleaned_data["claim"], form.cleaned_data | {"source": source})
    ):
        form.add_error(None, error)
    if form.is_valid():
        data = form.cleaned_data
        claim = data["claim"]
        saved = ""
        with transaction.atomic():
            if submissions.record(data["submission"], user, source.get_absolute_url()):
                claim = claim or services.create_claim(text=data["new_claim"], by=user)
                services.add_attribution(
                    claim,
                    by=user,
                    source=source,
                    quote_near=data["quote_at"],
                    **{name: data[name] for name in services.ATTRIBUTION_FIELDS if name != "source"},
                )
                saved = f"Attribution recorded on “{claim}”; it waits for a reviewer."
        # Ready for the next passage of the same source: the same claim; the date back to
        # the source's own, the rest cleared.
        keep = {"claim": claim}
        if is_htmx(request):
            fresh = WorkbenchForm(initial=_next_passage_initial(request, source, keep), source=source)
            context = _workbench_context(request, source, fresh) | {"saved": saved}
            return render(request, "claims/source_detail.html#workbench", context)
        if saved:
            messages.success(request, saved)
        # Without JavaScript too, the next passage starts on the same claim.
        return redirect(f"{source.get_absolute_url()}?claim={claim.pk}#record-form")
    context = _workbench_context(request, source, form)
    if is_htmx(request):
        return render(request, "claims/source_detail.html#workbench", context)
    return render(request, "claims/source_detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def source_create(request: HttpRequest) -> HttpResponse:
    return _source_form(request, None)


@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _source_form(request, get_object_or_404(Source, pk=pk))


def _save(form: forms.ModelForm[Any], user: User) -> Source:
    return services.save_source(form.save(commit=False), by=user)


def _similar_to_typed(request: HttpRequest, source: Any, initial: dict[str, Any]) -> list[Source]:
    if request.method != "POST":
        return []
    exclude = source.pk if source else None
    return queries.sources_like(request.POST.get("title", ""), request.POST.get("url", ""), exclude=exclude)


PAGE = RecordPage(
    model=Source,
    form_class=SourceForm,
    template="claims/source_form.html",
    noun="source",
    list_url="claims:source_list",
    save=_save,
    similar=_similar_to_typed,
)


def _source_form(request: HttpRequest, source: Source | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if source is None:
        draft = drafts.get(request, request.GET.get("draft", ""))
        initial["title"] = draft.typed if draft else drafts.typed_name(request)
    return record_form(request, PAGE, source, initial)


@require_GET
def similar_sources(request: HttpRequest) -> HttpResponse:
    """Sources already recorded with this URL or a like title, shown as the editor types."""
    require(request, can_edit, "record sources")
    matches = queries.sources_like(
        request.GET.get("title", ""), request.GET.get("url", ""), exclude=whole_number(request.GET.get("exclude", ""))
    )
    return render(request, "claims/source_form.html#similar", {"similar": matches, "ids": similar_ids(request)})
