"""Actors: the list, an actor's page (its stances and track record), and the
new and edit pages."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_http_methods

from claimtracker.accounts.roles import VIEW, can_edit, can_view
from claimtracker.claims import drafts, lookups, pagecache, queries, search, services, versions
from claimtracker.claims.forms import ActorForm
from claimtracker.claims.models import Actor
from claimtracker.claims.pagecache import cached_page
from claimtracker.claims.views.common import digest, kept, require
from claimtracker.claims.views.records import RecordPage, record_form, similar_ids
from claimtracker.lib.numbers import whole_number

STANCES_PAGE_SIZE = 25
SIMILAR = 8


@require_GET
@cached_page(VIEW, pagecache.listed)
def actor_list(request: HttpRequest) -> HttpResponse:
    require(request, can_view, "read actors")
    q = search.clean_query(request.GET.get("q", ""))
    page = Paginator(queries.actors_for_list(q).order_by("name"), 50).get_page(request.GET.get("page"))
    page.object_list = queries.with_stance_counts(list(page.object_list))
    return render(request, "claims/actor_list.html", {"page": page, "q": q})


@require_GET
@cached_page(VIEW, pagecache.actor)
def actor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, can_view, "read actors")
    actor = get_object_or_404(Actor.objects.select_related("parent").prefetch_related("aliases"), pk=pk)
    # The stances' count and the track record, kept under the actor's data and the vocabulary (the verdicts):
    # 16 and 36 ms for an actor of 10,000 stances.
    read = versions.read([f"a:{pk}", versions.VOCABULARY, versions.PEOPLE])[0]
    drawn_from = _counted_from(pk, read)
    stances = queries.actor_stances(actor)
    paginator = Paginator(stances, STANCES_PAGE_SIZE)
    paginator.count = kept(("actor-stances", drawn_from), stances.count)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "claims/actor_detail.html",
        {
            "actor": actor,
            "page": page,
            "record": kept_track_record(actor, read),
            # The page of stances and the history of edits drawn once for each version of what they show
            # (the history names people), and read only where drawn: 13 ms of a 10,000-stance actor's 24.
            "stances_key": digest(("actor-stances-page", drawn_from, page.number)),
            "history": SimpleLazyObject(lambda: queries.actor_history(actor)),
            "history_key": digest(("actor-history", pk, read)),
            "can_edit": can_edit(request.user),
        },
    )


def kept_track_record(actor: Actor, read: tuple[tuple[str, int], ...]) -> queries.TrackRecord:
    """The actor's track record (queries.track_record), kept under the versions
    ``read`` of the actor's data and the vocabulary (the verdicts): the actor's
    page and the read API's share it."""
    return kept(("track-record", _counted_from(actor.pk, read)), lambda: queries.track_record(actor))  # type: ignore[no-any-return]


def _counted_from(pk: int, read: tuple[tuple[str, int], ...]) -> tuple[Any, ...]:
    """What an actor's counts are kept under: its id and the versions read, but people's names."""
    return (pk, tuple((scope, value) for scope, value in read if scope != versions.PEOPLE))


@require_http_methods(["GET", "POST"])
def actor_create(request: HttpRequest) -> HttpResponse:
    return _actor_form(request, None)


@require_http_methods(["GET", "POST"])
def actor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _actor_form(request, get_object_or_404(Actor, pk=pk))


def _save(form: forms.ModelForm[Any], user: User) -> Actor:
    return services.save_actor(form.save(commit=False), by=user, aliases=form.cleaned_data["aliases"])


def _similar_to_typed(request: HttpRequest, actor: Any, initial: dict[str, Any]) -> list[Actor]:
    typed = request.POST.get("name", "") if request.method == "POST" else str(initial.get("name") or "")
    return _similar(typed, actor.pk if actor else None)


PAGE = RecordPage(
    model=Actor,
    form_class=ActorForm,
    template="claims/actor_form.html",
    noun="actor",
    list_url="claims:actor_list",
    save=_save,
    similar=_similar_to_typed,
)


def _actor_form(request: HttpRequest, actor: Actor | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if actor is None:
        draft = drafts.get(request, request.GET.get("draft", ""))
        initial["name"] = draft.typed if draft else drafts.typed_name(request)
        if (draft is not None and draft.field == "publisher") or drafts.in_dialog(request) == "id_publisher":
            initial["kind"] = Actor.Kind.MEDIA_OUTLET
    return record_form(request, PAGE, actor, initial)


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
    return render(request, "claims/actor_form.html#similar", {"similar": similar, "ids": similar_ids(request)})
