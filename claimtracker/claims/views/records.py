"""The new and edit pages of actors and sources: one flow for both.

A page, a dialog (htmx) or a step in a round trip without JavaScript
(claims/drafts.py); a one-time token so that a second click lands where the
first one went; a racing save refused as a form error, never a 500.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from claimtracker.accounts.roles import can_edit
from claimtracker.claims import drafts, submissions
from claimtracker.claims.models import Actor, Source
from claimtracker.claims.views.common import require

Record = Actor | Source


@dataclass(frozen=True)
class RecordPage:
    model: type[Actor] | type[Source]
    form_class: type[forms.ModelForm[Any]]
    template: str  # with a partial "form" for the dialog
    noun: str  # "actor", "source"
    list_url: str  # a URL name
    save: Callable[[forms.ModelForm[Any], User], Record]
    # Extra context: what resembles the record being typed (shown beside the form).
    similar: Callable[[HttpRequest, Record | None, dict[str, Any]], list[Any]]


def record_form(request: HttpRequest, page: RecordPage, record: Record | None, initial: dict[str, Any]) -> HttpResponse:
    user = require(request, can_edit, f"record {page.noun}s")
    draft = drafts.get(request, request.GET.get("draft", ""))
    initial = {**initial, **drafts.filled(request)}
    dialog = drafts.in_dialog(request)
    # In a dialog the form sits on a page that may hold the same form: its own ids.
    form = page.form_class(
        request.POST or None, auto_id="dialog_%s" if dialog else "id_%s", instance=record, initial=initial
    )
    if request.method == "POST":
        if drafts.wants_new(request):
            return drafts.stash(request, request.get_full_path(), f"{page.noun}-form")
        earlier = drafts.already_saved(request, page.model)
        if earlier is not None:
            return drafts.created(request, draft, earlier, f"{page.noun.capitalize()} saved.")
        if form.is_valid():
            saved = None
            try:
                with transaction.atomic():
                    if submissions.record(form.cleaned_data["submission"], user):
                        saved = page.save(form, user)
                        submissions.land(form.cleaned_data["submission"], saved.get_absolute_url())
            except IntegrityError:
                # A racing save took the name, URL or Wikidata id between the check and the write.
                form.add_error(None, f"Another {page.noun} like this one was saved meanwhile; check the list.")
            else:
                if saved is None:
                    return redirect(submissions.landing(form.cleaned_data["submission"]) or page.list_url)
                said = f"{page.noun.capitalize()} {'saved' if record else 'recorded'}."
                return drafts.created(request, draft, saved, said)
    context = {
        "form": form,
        page.noun: record,
        "draft": draft,
        "dialog": dialog,
        "ids": "dialog-" if dialog else "",
        "similar": page.similar(request, record, initial),
    }
    template = f"{page.template}#form" if dialog else page.template
    status = 400 if request.method == "POST" and not dialog else 200
    return render(request, template, context, status=status)


def similar_ids(request: HttpRequest) -> str:
    """The id prefix of the form the similar records are shown in (a dialog's own)."""
    return "dialog-" if request.GET.get("ids") == "dialog-" else ""
