"""The read API (DESIGN 8.4): claims, actors and sources as JSON, under /api/v1/.

Roles are the pages' roles, asked in each view: a user who may read claims
(a viewer, editor or reviewer) reads every claim's approved record; the desk
(editors and reviewers) may add ``pending=1`` for work in review. Any other
caller, anonymous or logged in without a role, is a reader: published claims
only, with no user names and no links to unpublished claims; actors and
sources are the desk's working records and need a role.

Lists are keyset pages (``after`` / ``before`` cursors in the ``next`` and
``previous`` links), PAGE_SIZE long unless ``page_size`` asks for up to
MAX_PAGE_SIZE. Every error is ``{"detail": "..."}`` with its status.
"""

import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.paginator import InvalidPage
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, views
from rest_framework.exceptions import MethodNotAllowed, ParseError, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claimtracker.accounts.roles import can_edit, can_view
from claimtracker.api import serializers as api
from claimtracker.api.renderers import Written, written
from claimtracker.claims import lookups, queries, search, versions
from claimtracker.claims import summary as claim_summary
from claimtracker.claims.filters import SORTS, UnreadableFilters, read_filters
from claimtracker.claims.forecast import Outcome
from claimtracker.claims.models import Claim, Stance
from claimtracker.claims.moment import TODAY, BadMoment, Moment
from claimtracker.claims.views.actors import kept_track_record
from claimtracker.claims.views.common import kept
from claimtracker.exports import claim_json
from claimtracker.lib import keyset
from claimtracker.lib.keyset import Key
from claimtracker.lib.numbers import whole_number

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
EVENTS_PAGE_SIZE = 100  # events of a claim's timeline a page, oldest first
ACTOR_KEYS = [Key("name", kind=str), Key("id")]
SOURCE_KEYS = [Key("published_at", descending=True, nullable=True, kind=datetime.datetime), Key("id", descending=True)]


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FLAGS = {"": False, "0": False, "false": False, "1": True, "true": True}


class ApiView(APIView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # The API only reads: any other method is refused before a key or a session is looked at.
        if request.method not in SAFE_METHODS:
            raise MethodNotAllowed(str(request.method))
        # PostgreSQL text holds no NUL, so a filter carrying one could only fail in the database.
        if any("\x00" in value for _, values in request.query_params.lists() for value in values):
            raise ParseError("A query parameter holds a NUL character, which no filter can match.")
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        """An answer depends on who asks: shared caches keep it apart by key and
        session, and nobody keeps an answer to a caller who sent either. (Asked of
        the request, not of its user: an error such as a 406 answers before the
        caller is authenticated, and must not authenticate them now.)"""
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
            patch_cache_control(response, private=True, no_store=True)
        return response


class MayReadRecords(permissions.BasePermission):
    """Actors and sources: a user whose role may read claims."""

    message = "Your role does not allow you to read the desk's records; ask an admin for one that does."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and can_view(request.user)


# --- Pages of a list ------------------------------------------------------------------------------------


def _page(request: Request, queryset: QuerySet[Any], keys: list[Key]) -> keyset.Page[Any]:
    size = PAGE_SIZE
    if (asked := request.query_params.get("page_size")) is not None:
        number = whole_number(asked)
        if number is None or number < 1:
            raise ParseError(f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}, not {asked[:40]!r}.")
        size = min(number, MAX_PAGE_SIZE)
    try:
        after, before = request.query_params.get("after"), request.query_params.get("before")
        return keyset.paginate(queryset, keys, size, after=after, before=before)
    except keyset.InvalidCursor as error:
        raise ParseError(str(error)) from None


def _with(request: Request, name: str, value: object, dropped: tuple[str, ...] = ()) -> str:
    """The address asked, with ``name`` set to ``value`` (and ``dropped`` left out)."""
    query = request.query_params.copy()
    for other in dropped:
        query.pop(other, None)
    query[name] = str(value)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _paged_response(request: Request, page: keyset.Page[Any], results: Any) -> Response:
    def link(name: str, cursor: str | None) -> str | None:
        return None if cursor is None else _with(request, name, cursor, dropped=("after", "before"))

    return Response({"next": link("after", page.older), "previous": link("before", page.newer), "results": results})


def _page_of(name: str, item: serializers.Serializer[Any]) -> serializers.Serializer[Any]:
    return inline_serializer(
        name,
        fields={
            "next": serializers.URLField(allow_null=True, help_text="The next page; null on the last."),
            "previous": serializers.URLField(allow_null=True, help_text="The page before; null on the first."),
            "results": item,
        },
    )


PAGING = [
    OpenApiParameter("after", str, description="The cursor of the page after (from `next`)."),
    OpenApiParameter("before", str, description="The cursor of the page before (from `previous`)."),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, description=f"Items per page: {PAGE_SIZE} unless asked, at most {MAX_PAGE_SIZE}."
    ),
]
ERRORS = {
    400: OpenApiResponse(api.ErrorSerializer, description="A parameter could not be read; `detail` says which."),
    401: OpenApiResponse(api.ErrorSerializer, description="The API key is unknown or revoked."),
    403: OpenApiResponse(api.ErrorSerializer, description="The caller's role does not allow it."),
    429: OpenApiResponse(api.ErrorSerializer, description="Too many requests for this key; retry after Retry-After."),
}
NOT_FOUND = {404: OpenApiResponse(api.ErrorSerializer, description="No such item, or not one the caller may read.")}
MOMENT = [
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="A view of the past: what was so on that day."),
    OpenApiParameter("known", OpenApiTypes.DATE, description="What the desk had approved by the end of that day."),
]
QUERY = OpenApiParameter("q", str, description="Search.")
PENDING = OpenApiParameter("pending", OpenApiTypes.BOOL, description="Include work in review (the desk only).")


def _moment(request: Request) -> Moment:
    try:
        return Moment.parse(request.query_params)
    except BadMoment as error:
        raise ParseError(str(error)) from None


# --- Claims ----------------------------------------------------------------------------------------------


def _readable_claims(request: Request) -> QuerySet[Claim]:
    """Every claim for a user who may read claims; published ones for anyone else."""
    claims = queries.claims_for_list()
    return claims if can_view(request.user) else claims.filter(published_at__isnull=False)


def _context(request: Request) -> dict[str, Any]:
    return {"request": request, "desk_urls": can_view(request.user)}


class ClaimList(ApiView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="claims_list",
        summary="Claims, with the claim list's filters",
        parameters=[
            QUERY,
            OpenApiParameter("status", str, many=True, explode=True, description="Status slugs (any of them)."),
            OpenApiParameter("actor", str, description="An actor's id, name, short name or alias."),
            OpenApiParameter("stance", str, enum=Stance.values, description="A stance an actor took on it."),
            OpenApiParameter("topic", str, description="A topic's slug."),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="Said or changed on or after."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Said or changed on or before."),
            OpenApiParameter("pending", OpenApiTypes.BOOL, description="Has work in review (the desk only)."),
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Forecasts past their due date."),
            OpenApiParameter("outcome", str, enum=Outcome.values, description="The forecast's outcome."),
            OpenApiParameter("sort", str, enum=list(SORTS), description="newest unless searching (relevance)."),
            *MOMENT,
            *PAGING,
        ],
        responses={200: _page_of("ClaimPage", api.ClaimSerializer(many=True)), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        try:
            filterset = read_filters(_claim_filters(request), _readable_claims(request))
        except UnreadableFilters as error:
            raise ParseError(str(error)) from None
        page = _page(request, filterset.qs, filterset.sort_keys)
        moment = filterset.moment
        shown: list[Claim] = queries.claims_then(page.object_list) if moment.past else page.object_list
        counts = queries.side_counts([claim.pk for claim in shown], moment)
        day = moment.judged_on()
        for claim in shown:
            claim.api_forecast = claim.forecast_on(day)  # type: ignore[attr-defined]
            claim.api_side_counts = counts[claim.pk]  # type: ignore[attr-defined]
        return _paged_response(request, page, api.ClaimSerializer(shown, many=True, context=_context(request)).data)


def _claim_filters(request: Request) -> QueryDict:
    """The list's filters as asked, read strictly: a yes-or-no filter is 1, 0,
    true or false; work in review is the desk's to filter by (403 to others, as
    on the claim page); a reader names an actor among those who took a side on a
    published claim, with no hint of any other."""
    data = request.query_params.copy()
    for name in ("pending", "overdue"):
        if (asked := data.get(name, "")) not in FLAGS:
            raise ParseError(f"{name} must be true or false, not {asked[:40]!r}.")
        data[name] = "on" if FLAGS[asked] else ""
    if data["pending"] and not can_edit(request.user):
        raise PermissionDenied("Only the desk may filter by work in review.")
    if (named := str(data.get("actor", ""))).strip() and not can_view(request.user):
        try:
            data["actor"] = str(lookups.find_actor(named, lookups.public_actors(), suggest=False).pk)
        except ValidationError as error:
            raise ParseError(f"actor: {' '.join(error.messages)}") from None
    return data


class ClaimDetail(ApiView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="claims_retrieve",
        summary="A claim: its status, forecast, sides, links and timeline",
        parameters=[
            *MOMENT,
            PENDING,
            OpenApiParameter(
                "events",
                OpenApiTypes.INT,
                description=f"The page of the timeline, from 1: {EVENTS_PAGE_SIZE} events each.",
            ),
        ],
        responses={200: api.ClaimDetailSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        moment = _moment(request)
        pending = _pending(request, moment)
        reader = not can_view(request.user)
        claim = _readable_claims(request).filter(pk=pk).first()
        if claim is None:
            raise Http404("No claim with that number." if not reader else "No published claim with that number.")
        shown = queries.claim_then(claim, moment)
        drawn = queries.claim_for_page(claim.pk)  # with the versions of its data
        # Every actor's latest stance, kept written beside the claim's summary (claims.summary), under its key.
        sides, side_counts = claim_summary.everyone(drawn, moment, api.sides_written)
        number = whole_number(asked := request.query_params.get("events", "1"))
        if number is None or number < 1:
            raise ParseError(f"events must be a page number from 1, not {asked[:40]!r}.")
        timeline = _timeline_page(drawn, number, moment, pending=pending, names=not reader)
        if timeline is None:
            raise ParseError(f"events: there is no page {number} of this claim's timeline.")
        extra: dict[str, Any] = {
            "as_of": moment.as_of,
            "known": moment.known,
            "api_forecast": shown.forecast_on(moment.judged_on()),
            "api_sides": sides,
            "api_side_counts": side_counts,
            "api_relations": claim_json.relations(claim, moment, published_only=reader),
            "api_timeline": timeline.events,
            "timeline_count": timeline.total,
            "timeline_next": _with(request, "events", number + 1) if timeline.more else None,
            "timeline_previous": _with(request, "events", number - 1) if number > 1 else None,
        }
        for name, value in extra.items():
            setattr(shown, name, value)
        return Response(api.ClaimDetailSerializer(shown, context=_context(request)).data)


class TimelinePage(NamedTuple):
    events: Written  # the page's events, written
    total: int  # events in the whole timeline
    more: bool  # whether a page follows


def _timeline_page(claim: Claim, number: int, moment: Moment, *, pending: bool, names: bool) -> TimelinePage | None:
    """A page of the claim's timeline (claim_json.events_page), written, and kept
    for each version of what it shows (the claim's data with its work in review,
    the vocabulary, people's names: read with the claim by queries.claim_for_page),
    as the claim page keeps its own; None for a page past the last. The busiest
    claim's page of 100 events took 45 ms to read and write."""
    versions_read = (claim.claim_version, claim.vocabulary_version, claim.people_version)  # type: ignore[attr-defined]
    drawn_from = ("api-timeline", claim.pk, versions_read, moment.query(), number, EVENTS_PAGE_SIZE, pending, names)

    def draw() -> TimelinePage | bool:
        try:
            events, page = claim_json.events_page(
                claim, number, EVENTS_PAGE_SIZE, include_pending=pending, moment=moment, names=names
            )
        except InvalidPage:
            return False  # kept too: no such page for as long as the claim is as it is
        return TimelinePage(written(events), page.paginator.count, page.has_next())

    page = kept(drawn_from, draw)
    return page or None


def _pending(request: Request, moment: Moment) -> bool:
    asked = request.query_params.get("pending", "")
    if asked not in FLAGS:
        raise ParseError(f"pending must be true or false, not {asked[:40]!r}.")
    if not FLAGS[asked]:
        return False
    if not can_edit(request.user):
        raise PermissionDenied("Only the desk may read entries still in review.")
    if moment.past:
        raise ParseError("A view of the past shows approved entries only: leave out pending.")
    return True


# --- Actors and sources ------------------------------------------------------------------------------------


class ActorList(ApiView):
    permission_classes = [MayReadRecords]

    @extend_schema(
        operation_id="actors_list",
        summary="Actors, by name",
        parameters=[QUERY, *PAGING],
        responses={200: _page_of("ActorPage", api.ActorSerializer(many=True)), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        actors = queries.actors_for_list(search.clean_query(request.query_params.get("q", "")))
        page = _page(request, actors, ACTOR_KEYS)
        shown = queries.with_stance_counts(page.object_list)
        data = api.ActorSerializer(shown, many=True, context=_context(request)).data
        return _paged_response(request, page, data)


class ActorDetail(ApiView):
    permission_classes = [MayReadRecords]

    @extend_schema(
        operation_id="actors_retrieve",
        summary="An actor, with its track record",
        responses={200: api.ActorDetailSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = queries.actors_for_list().prefetch_related("aliases").filter(pk=pk).first()
        if actor is None:
            raise Http404("No actor with that number.")
        queries.with_stance_counts([actor])
        # As the actor's page keeps it (49 ms of SQL for an actor of 10,000 stances), under versions read
        # from the database this request reads.
        read = versions.read([f"a:{pk}", versions.VOCABULARY])[0]
        actor.api_track_record = kept_track_record(actor, read)  # type: ignore[attr-defined]
        return Response(api.ActorDetailSerializer(actor, context=_context(request)).data)


class SourceList(ApiView):
    permission_classes = [MayReadRecords]

    @extend_schema(
        operation_id="sources_list",
        summary="Sources, the latest published first",
        parameters=[QUERY, *PAGING],
        responses={200: _page_of("SourcePage", api.SourceSerializer(many=True)), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        sources = queries.sources_for_list(search.clean_query(request.query_params.get("q", ""), 500))
        page = _page(request, sources, SOURCE_KEYS)
        shown = queries.with_attribution_counts(page.object_list)
        data = api.SourceSerializer(shown, many=True, context=_context(request)).data
        return _paged_response(request, page, data)


class SourceDetail(ApiView):
    permission_classes = [MayReadRecords]

    @extend_schema(
        operation_id="sources_retrieve",
        summary="A source, with its text and the attributions recorded from it",
        parameters=[PENDING],
        responses={200: api.SourceDetailSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        pending = _pending(request, TODAY)
        source = queries.sources_for_list().defer(None).filter(pk=pk).first()
        if source is None:
            raise Http404("No source with that number.")
        queries.with_attribution_counts([source])
        source.api_attributions, _ = queries.source_attributions(source, include_pending=pending)  # type: ignore[attr-defined]
        return Response(api.SourceDetailSerializer(source, context=_context(request)).data)


class NoSuchAddress(ApiView):
    """404 in JSON for any address under /api/v1/ that names no operation."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.path.endswith("/") and _names_a_view(request.path + "/"):
            # As Django's APPEND_SLASH would, which this catch-all comes before.
            query = request.META.get("QUERY_STRING", "")
            return Response(status=301, headers={"Location": request.path + "/" + (f"?{query}" if query else "")})
        raise Http404("No such address in the API: see /api/v1/docs/.")


def _names_a_view(path: str) -> bool:
    try:
        return resolve(path).url_name != "not_found"
    except Resolver404:
        return False


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's, and a request Django finds suspicious (too many parameters, say) answered as a 400 in JSON."""
    if isinstance(error, SuspiciousOperation):
        error = ParseError(str(error) or "This request could not be read.")
    return views.exception_handler(error, context)
