"""Creating a missing actor or source without leaving the form that needs it.

With JavaScript, the "New actor…" button opens the actor form in a dialog
(htmx); once saved, the dialog closes and the new name fills the field
(``created`` answers with an ``HX-Trigger`` event that static/js/app.js reads).

Without it, the button submits the half-filled form to its own view, which
keeps what was typed in the session (``stash``) and sends the editor to the
new actor or source page with ``?draft=<key>``. Once that is saved
(``created``), the editor is sent back with ``?filled=<key>``, and the form
is shown again as it was, with the new name in its field (``filled``).
"""

import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from claimtracker.claims import submissions
from claimtracker.claims.lookups import source_label
from claimtracker.claims.models import Actor, Source

SESSION_KEY = "drafts"
KEEP = 10  # drafts kept per session; older ones are dropped
# The button's value: the field the new record goes into, and what it is.
FIELDS = {"actor": "actor", "via": "actor", "publisher": "actor", "parent": "actor", "source": "source"}
_NOT_DATA = {"csrfmiddlewaretoken", "submission", "create", "draft", "filled"}


@dataclass(frozen=True)
class Draft:
    key: str
    data: dict[str, str]
    field: str
    return_to: str
    anchor: str

    @property
    def typed(self) -> str:
        return self.data.get(self.field, "")


def wants_new(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("create", "") in FIELDS


def stash(request: HttpRequest, return_to: str, anchor: str) -> HttpResponse:
    """Keep the posted form and send the editor to the page that creates what it lacks."""
    field = request.POST["create"]
    data = {name: value for name, value in request.POST.items() if name not in _NOT_DATA}
    key = secrets.token_urlsafe(8)
    stored: dict[str, Any] = request.session.get(SESSION_KEY, {})
    stored[key] = {"data": data, "field": field, "return_to": return_to, "anchor": anchor}
    request.session[SESSION_KEY] = dict(list(stored.items())[-KEEP:])
    page = "claims:actor_create" if FIELDS[field] == "actor" else "claims:source_create"
    return HttpResponseRedirect(f"{reverse(page)}?draft={key}")


def get(request: HttpRequest, key: str) -> Draft | None:
    entry = request.session.get(SESSION_KEY, {}).get(key) if key else None
    if not isinstance(entry, dict):
        return None
    return Draft(key, dict(entry["data"]), entry["field"], entry["return_to"], entry["anchor"])


def filled(request: HttpRequest) -> dict[str, str]:
    """The form data kept by ``stash`` when the page is shown again (``?filled=<key>``)."""
    draft = get(request, request.GET.get("filled", ""))
    return draft.data if draft else {}


def in_dialog(request: HttpRequest) -> str:
    """The id of the field a dialog form fills, when the form is shown in a dialog."""
    if not getattr(request, "htmx", False):
        return ""
    return (request.POST.get("dialog") or request.GET.get("dialog") or "")[:50]


def typed_name(request: HttpRequest) -> str:
    """What the editor had typed in the field that opened the dialog."""
    for name in FIELDS:
        if request.GET.get(name):
            return request.GET[name][:200]
    return ""


def already_saved(request: HttpRequest, model: type[Actor] | type[Source]) -> Actor | Source | None:
    """The record a first click of this form's one-time token saved, when this
    POST is a second click (claims/submissions.py): it lands where the first did."""
    landing = submissions.landing(submissions.parse(request.POST.get("submission")))
    if not landing:
        return None
    try:
        match = resolve(landing.split("#")[0])
    except Resolver404:
        return None
    pk = match.kwargs.get("pk")
    return model.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def label(record: Actor | Source) -> str:
    return record.name if isinstance(record, Actor) else source_label(record)


def created(request: HttpRequest, draft: Draft | None, record: Actor | Source, message: str) -> HttpResponse:
    """Where to go once the new actor or source is saved."""
    dialog = in_dialog(request)
    if dialog:
        response = HttpResponse("")
        response["HX-Trigger"] = json.dumps({"ct:created": {"input": dialog, "value": label(record)}})
        return response
    messages.success(request, message)
    if draft is None:
        return HttpResponseRedirect(record.get_absolute_url())
    stored: dict[str, Any] = request.session.get(SESSION_KEY, {})
    stored[draft.key]["data"][draft.field] = label(record)
    request.session[SESSION_KEY] = stored
    request.session.modified = True
    joiner = "&" if "?" in draft.return_to else "?"
    return HttpResponseRedirect(f"{draft.return_to}{joiner}filled={draft.key}#{draft.anchor}")
