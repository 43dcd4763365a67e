"""My work: an editor's own entries in review, rejected and withdrawn, and the
pages to edit, resubmit or withdraw one (the life of an entry, DESIGN 8.2)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from claimtracker.accounts.roles import EDIT, can_edit
from claimtracker.claims import queries, services, submissions
from claimtracker.claims.forms import AttributionForm, StatusChangeForm
from claimtracker.claims.models import Attribution, ReviewState, StatusChange
from claimtracker.claims.pagecache import cached_page
from claimtracker.claims.views.common import require

MINE_STATES = {
    "rejected": ReviewState.REJECTED,
    "pending": ReviewState.PENDING,
    "withdrawn": ReviewState.WITHDRAWN,
}
_KINDS: dict[str, type[Attribution] | type[StatusChange]] = {"attribution": Attribution, "status-change": StatusChange}


@require_GET
@cached_page(EDIT)
def my_work(request: HttpRequest) -> HttpResponse:
    user = require(request, can_edit, "record work of your own")
    counts = queries.my_counts(user)
    state = request.GET.get("state", "")
    if state not in MINE_STATES:
        state = "rejected" if counts["rejected"] else "pending"
    page, entries = queries.my_entries(user, MINE_STATES[state], request.GET.get("page"))
    return render(
        request,
        "claims/mine.html",
        {"counts": counts, "state": state, "page": page, "entries": entries},
    )


def _own(user: User, kind: str, pk: int) -> Attribution | StatusChange:
    model = _KINDS.get(kind)
    if model is None:
        raise Http404("No such kind of entry.")
    related = ["claim", "actor", "via", "source"] if model is Attribution else ["claim", "status"]
    item: Attribution | StatusChange | None = model.objects.select_related(*related).filter(pk=pk).first()
    if item is None:
        raise Http404("No such entry.")
    author = item.created_by_id if isinstance(item, Attribution) else item.recorded_by_id
    if author != user.pk:
        raise PermissionDenied("Only its author can edit or withdraw this entry.")
    return item


def _form_for(item: Attribution | StatusChange, data: Any = None) -> AttributionForm | StatusChangeForm:
    if isinstance(item, Attribution):
        return AttributionForm(data, instance=item)
    initial = {
        "status": item.status_id,
        "effective_on": item.effective_on,
        "effective_on_precision": item.effective_on_precision,
        "rationale": item.rationale,
        "evidence": list(item.evidence_links.values_list("attribution_id", flat=True)),
    }
    form = StatusChangeForm(data, claim=item.claim, initial=initial)
    del form.fields["corrects"]  # what an entry corrects is set when it is proposed
    return form


@require_http_methods(["GET", "POST"])
def edit_entry(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = require(request, can_edit, "edit your entries")
    item = _own(user, kind, pk)
    if item.review_state not in (ReviewState.PENDING, ReviewState.REJECTED):
        messages.error(request, f"This entry is {item.get_review_state_display().lower()} and can no longer be edited.")
        return redirect("claims:mine")
    form = _form_for(item, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        was_rejected = item.review_state == ReviewState.REJECTED
        try:
            if isinstance(item, Attribution):
                services.revise_attribution(item, by=user, **{n: data[n] for n in services.ATTRIBUTION_FIELDS})
            else:
                services.revise_status_change(
                    item,
                    by=user,
                    status=data["status"],
                    effective_on=data["effective_on"],
                    effective_on_precision=data["effective_on_precision"],
                    rationale=data["rationale"],
                    evidence=data["evidence"],
                )
        except services.DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "Resubmitted: it waits for a reviewer again."
                if was_rejected
                else "Saved; it still waits for a reviewer.",
            )
            return redirect("claims:mine")
    history = queries.entry_history(item)
    return render(
        request,
        "claims/entry_form.html",
        {"item": item, "kind": kind, "form": form, "history": history},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def correct_attribution(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose a correction of an approved attribution: a new entry, reviewed like
    any other, that replaces the original once approved."""
    user = require(request, can_edit, "propose corrections")
    item = Attribution.objects.select_related("claim", "actor", "via", "source").filter(pk=pk).first()
    if item is None:
        raise Http404("No such attribution.")
    if not item.is_approved:
        messages.error(request, "Only an approved attribution is corrected; one in review is edited by its author.")
        return redirect(item.claim)
    form = AttributionForm(request.POST or None, instance=item if request.method == "GET" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if submissions.record(data["submission"], user, item.claim.get_absolute_url()):
                    fields = {name: data[name] for name in services.ATTRIBUTION_FIELDS}
                    services.correct_attribution(item, by=user, **fields)
                    messages.success(request, "Correction proposed; it waits for a reviewer.")
        except services.DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect(f"{item.claim.get_absolute_url()}#a{item.pk}")
    return render(
        request,
        "claims/entry_form.html",
        {"item": item, "kind": "attribution", "form": form, "history": [], "correcting": True},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def withdraw_entry(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """GET asks to confirm (there is no undo on the pages); POST withdraws."""
    user = require(request, can_edit, "withdraw your entries")
    item = _own(user, kind, pk)
    if request.method == "GET":
        return render(request, "claims/withdraw_confirm.html", {"item": item, "kind": kind})
    try:
        services.withdraw(item, by=user)
    except services.DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Withdrawn. It is kept in your list and its history, and counts nowhere else.")
    return redirect("claims:mine")
