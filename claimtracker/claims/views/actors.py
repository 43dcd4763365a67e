"""Actors: the list, an actor's page (its stances and track record), and the
new and edit pages."""

from typing import Any

from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from claimtracker.accounts.roles import can_edit, can_view
from claimtracker.claims import drafts, lookups, queries, search, services, submissions
from claimtracker.claims.forms import ActorForm
from claimtracker.claims.models import Actor
from claimtracker.claims.pagecache import cached_page
from claimtracker.claims.views.common import require
from claimtracker.lib.numbers import whole_number

STANCES_PAGE_SIZE = 25
SIMILAR = 8


@require_GET
@cached_page
def actor_list(request: HttpRequest) -> HttpResponse:
    require(request, can_view, "read actors")
    q = search.clean_query(request.GET.get("q", ""))
    page = Paginator(queries.actors_for_list(q).order_by("name"), 50).get_page(request.GET.get("page"))
    return render(request, "claims/actor_list.html", {"page": page, "q": q})


@require_GET
@cached_page
def actor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, can_view, "read actors")
    actor = get_object_or_404(Actor.objects.select_related("parent").prefetch_related("aliases"), pk=pk)
    page = Paginator(queries.actor_stances(actor), STANCES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/actor_detail.html",
        {
            "actor": actor,
            "page": page,
            "record": queries.track_record(actor),
            "history": queries.actor_history(actor),
            "can_edit": can_edit(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def actor_create(request: HttpRequest) -> HttpResponse:
    return _actor_form(request, None)


@require_http_methods(["GET", "POST"])
def actor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _actor_form(request, get_object_or_404(Actor, pk=pk))


def _actor_form(request: HttpRequest, actor: Actor | None) -> HttpResponse:
    user = require(request, can_edit, "record actors")
    draft = drafts.get(request, request.GET.get("draft", ""))
    initial: dict[str, Any] = {}
    if actor is None:
        initial["name"] = draft.typed if draft else drafts.typed_name(request)
        if (draft is not None and draft.field == "publisher") or drafts.in_dialog(request) == "id_publisher":
            initial["kind"] = Actor.Kind.MEDIA_OUTLET
    initial.update(drafts.filled(request))
    # In a dialog the form sits on a page that may hold the same form: its own ids.
    auto_id = "dialog_%s" if drafts.in_dialog(request) else "id_%s"
    form = ActorForm(request.POST or None, auto_id=auto_id, instance=actor, initial=initial)
    if request.method == "POST":
        if drafts.wants_new(request):
            return drafts.stash(request, request.get_full_path(), "actor-form")
        earlier = drafts.already_saved(request, Actor)
        if isinstance(earlier, Actor):
            return drafts.created(request, draft, earlier, "Actor saved.")
        if form.is_valid():
            saved = None
            try:
                with transaction.atomic():
                    if submissions.record(form.cleaned_data["submission"], user):
                        saved = services.save_actor(
                            form.save(commit=False), by=user, aliases=form.cleaned_data["aliases"]
                        )
                        submissions.land(form.cleaned_data["submission"], saved.get_absolute_url())
            except IntegrityError:
                # A racing save took the name or the Wikidata id between the check and the write.
                form.add_error(None, "Another actor with this name or Wikidata id was saved meanwhile; check the list.")
            else:
                if saved is None:
                    return redirect(submissions.landing(form.cleaned_data["submission"]) or "claims:actor_list")
                return drafts.created(request, draft, saved, "Actor saved." if actor else "Actor recorded.")
    dialog = drafts.in_dialog(request)
    typed = request.POST.get("name", "") if request.method == "POST" else str(initial.get("name") or "")
    context = {
        "form": form,
        "actor": actor,
        "draft": draft,
        "dialog": dialog,
        "ids": "dialog-" if dialog else "",
        "similar": _similar(typed, actor.pk if actor else None),
    }
    template = "claims/actor_form.html#form" if dialog else "claims/actor_form.html"
    status = 400 if request.method == "POST" and not dialog else 200
    return render(request, template, context, status=status)


def _similar(text: str, exclude: int | None) -> list[Actor]:
    text = search.clean_query(text, 200)
    if len(text) < 2:
        return []
    matches = lookups.actors_matching(text).prefetch_related("aliases")
    if exclude is not None:
        matches = matches.exclude(pk=exclude)
    return list(matches[:SIMILAR])


@require_GET
def similar_actors(request: HttpRequest) -> HttpResponse:
    """Actors already recorded under a like name or alias, shown as the editor types."""
    require(request, can_edit, "record actors")
    similar = _similar(request.GET.get("name", ""), whole_number(request.GET.get("exclude", "")))
    ids = "dialog-" if request.GET.get("ids") == "dialog-" else ""
    return render(request, "claims/actor_form.html#similar", {"similar": similar, "ids": ids})
