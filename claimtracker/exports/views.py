"""Export endpoints: a claim's timeline as CSV, JSON or XLSX, and the timelines
of every claim the list's filters select, as one streamed CSV or one workbook."""

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET

from claimtracker.accounts.roles import can_edit, can_view
from claimtracker.claims import queries
from claimtracker.claims.filters import UnreadableFilters, chosen_claims
from claimtracker.claims.models import Claim
from claimtracker.claims.moment import BadMoment, Moment
from claimtracker.claims.views.common import list_filters
from claimtracker.exports import claim_json, stream, timeline, xlsx
from claimtracker.lib import safejson

FLAG_VALUES = {"", "0", "1"}
EXPORT_OPTIONS = ("bom", "pending")


class BadExportRequest(Exception):
    pass


def _flags(request: HttpRequest) -> tuple[bool, bool, Moment]:
    """``bom``, ``pending`` and the view of the past (``as_of``, ``known``) from
    the query string, for a user who may export; only the desk may ask for
    pending work, and a view of the past has none."""
    if not can_view(request.user):
        raise PermissionDenied("Your role does not allow you to export claims.")
    for name in EXPORT_OPTIONS:
        if request.GET.get(name, "") not in FLAG_VALUES:
            raise BadExportRequest(f"{name} must be 1 or 0, not {request.GET.get(name)!r}.")
    try:
        moment = Moment.parse(request.GET)
    except BadMoment as error:
        raise BadExportRequest(str(error)) from None
    pending = request.GET.get("pending") == "1"
    if pending and not can_edit(request.user):
        raise PermissionDenied("Only the desk may export entries still in review.")
    if pending and moment.past:
        raise BadExportRequest("A view of the past shows approved entries only: leave out pending=1.")
    return request.GET.get("bom") == "1", pending, moment


def _dated(moment: Moment) -> str:
    """The day a file's name gives: today's, or the view of the past it holds
    ("as-of-2024-10-24", "known-2024-10-25"), so that files of two views differ."""
    if not moment.past:
        return f"{timezone.localdate():%Y-%m-%d}"
    return "-".join(f"{name.replace('_', '-')}-{day:%Y-%m-%d}" for name, day in moment.items())


def _csv_response(lines: Iterator[bytes], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _claim(pk: int) -> Claim:
    claim = Claim.objects.filter(pk=pk).select_related("current_status").first()
    if claim is None:
        raise Http404("No claim with that number.")
    return claim


@require_GET
def timeline_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    try:
        bom, pending, moment = _flags(request)
    except BadExportRequest as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    claim = _claim(pk)
    lines = stream.timeline_csv(Claim.objects.filter(pk=claim.pk), include_pending=pending, bom=bom, moment=moment)
    return _csv_response(lines, f"claim-{claim.pk}-timeline-{_dated(moment)}.csv")


@require_GET
def timeline_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The claim's timeline as an Excel workbook: the CSV's rows, in typed cells (exports.xlsx)."""
    try:
        _, pending, moment = _flags(request)
    except BadExportRequest as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    claim = _claim(pk)
    rows = timeline.rows(Claim.objects.filter(pk=claim.pk), include_pending=pending, moment=moment)
    return _xlsx_response(rows, f"claim-{claim.pk}-timeline-{_dated(moment)}.xlsx")


def _xlsx_response(rows: Iterable[timeline.Row], filename: str) -> FileResponse:
    response = FileResponse(xlsx.spooled(rows), as_attachment=True, filename=filename, content_type=xlsx.CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def timeline_json(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        _, pending, moment = _flags(request)
    except BadExportRequest as error:
        return safejson.response({"error": str(error)}, status=400)
    claim = queries.claim_then(_claim(pk), moment)
    return safejson.response(
        {
            "as_of": moment.as_of.isoformat() if moment.as_of else None,
            "known": moment.known.isoformat() if moment.known else None,
            "claim": {
                "id": claim.pk,
                "text": claim.text,
                "url": request.build_absolute_uri(claim.get_absolute_url()),
                **claim_json.status_fields(claim, moment),
                "relations": claim_json.relations(claim, moment),
            },
            "events": claim_json.events(claim, include_pending=pending, moment=moment),
        }
    )


@require_GET
def export_csv(request: HttpRequest) -> HttpResponseBase:
    try:
        bom, pending, moment = _flags(request)
        claims = _chosen_claims(request)
    except BadExportRequest as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    lines = stream.timeline_csv(claims, include_pending=pending, bom=bom, moment=moment)
    return _csv_response(lines, f"claim-timelines-{_dated(moment)}.csv")


def _chosen_claims(request: HttpRequest) -> QuerySet[Claim]:
    """The claims the list's filters select (as of the view's date, if any)."""
    try:
        return chosen_claims(list_filters(request))
    except UnreadableFilters as error:
        raise BadExportRequest(str(error)) from None


@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponseBase:
    """The timelines of the claims the list's filters select, as an Excel workbook."""
    try:
        _, pending, moment = _flags(request)
        claims = _chosen_claims(request)
    except BadExportRequest as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    if (size := timeline.count(claims, include_pending=pending, moment=moment)) > settings.XLSX_MAX_ROWS:
        return HttpResponseBadRequest(
            f"These filters select {size:,} rows: a workbook of more than {settings.XLSX_MAX_ROWS:,} rows "
            "takes longer to write than a page may wait. Narrow the filters, download the CSV (any size), or "
            "write the workbook with `manage.py export_timelines --format xlsx -o FILE`.",
            content_type="text/plain",
        )
    rows = timeline.rows(claims, include_pending=pending, moment=moment)
    return _xlsx_response(rows, f"claim-timelines-{_dated(moment)}.xlsx")
