"""A claim as JSON (DESIGN 8.3): its status and forecast at a moment, its links
and its timeline's events. ``timeline.json`` and the read API's claim
(claimtracker.api) are both written from here."""

from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator

from claimtracker.claims import queries
from claimtracker.claims.models import Attribution, Claim, StatusChange
from claimtracker.claims.moment import TODAY, Moment
from claimtracker.claims.queries.common import ATTRIBUTION, CHANGE, entry_keys, ids_by_kind
from claimtracker.exports import timeline
from claimtracker.lib.dates import iso_date

FIGURE_COLUMNS = ("figure", "figure_bound", "figure_unit")
# Who recorded and reviewed an entry: the desk's names, not shown to a reader.
NAME_COLUMNS = ("recorded_by", "reviewed_by")


def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def event(row: dict[str, Any], *, names: bool = True) -> dict[str, Any]:
    """A timeline row as the JSON has it: the figure as one object or null, the
    evidence as a list; the claim's links are given once, with the claim. Without
    ``names``, who recorded and reviewed it is null."""
    shown = {name: value for name, value in row.items() if name not in FIGURE_COLUMNS and name != "relations"}
    shown["figure"] = (
        {"value": _number(row["figure"]), "bound": row["figure_bound"], "unit": row["figure_unit"]}
        if row["figure"]
        else None
    )
    shown["evidence"] = row["evidence"].split()
    if not names:
        shown.update(dict.fromkeys(NAME_COLUMNS))
    return shown


def events(claim: Claim, *, include_pending: bool, moment: Moment, names: bool = True) -> list[dict[str, Any]]:
    rows = timeline.as_dicts(Claim.objects.filter(pk=claim.pk), include_pending=include_pending, moment=moment)
    return [event(row, names=names) for row in rows]


def events_page(
    claim: Claim, number: int, size: int, *, include_pending: bool, moment: Moment, names: bool = True
) -> tuple[list[dict[str, Any]], Page]:  # type: ignore[type-arg]
    """One page of ``events``, in the same order: the page's ids are picked from the
    narrow keys of both kinds of entry first (queries.entry_keys), and only their
    rows read. Raises django.core.paginator.InvalidPage."""
    said = moment.listed(Attribution.objects.filter(claim=claim), include_pending)
    assessed = moment.listed(StatusChange.objects.filter(claim=claim), include_pending)
    page = Paginator(entry_keys(said, "stated_on", assessed, "effective_on"), size, allow_empty_first_page=True).page(
        number
    )
    wanted = ids_by_kind(page.object_list)
    rows = timeline.as_dicts(
        Claim.objects.filter(pk=claim.pk),
        include_pending=include_pending,
        moment=moment,
        only=(wanted[ATTRIBUTION], wanted[CHANGE]),
    )
    return [event(row, names=names) for row in rows], page


def relations(claim: Claim, moment: Moment = TODAY, *, published_only: bool = False) -> list[dict[str, Any]]:
    """The claim's links, read from it, each other claim with its status at the
    moment; with ``published_only``, those to published claims only."""
    links, _ = queries.links(claim, moment)
    return [
        {
            "kind": link.relation.kind,
            "direction": "outgoing" if link.outgoing else "incoming",
            "claim_id": link.other.pk,
            "claim": link.other.text,
            "status": link.other.current_status.slug if link.other.current_status else None,
        }
        for link in links
        if not published_only or link.other.published_at is not None
    ]


def status_fields(claim: Claim, moment: Moment) -> dict[str, Any]:
    """The claim's status at the moment (a claim read by queries.claim_then) and its forecast then."""
    status = claim.current_status
    forecast = claim.forecast_on(moment.judged_on())
    return {
        "current_status": status.label if status else None,
        "current_verdict": status.verdict if status else None,
        "status_since": iso_date(claim.status_since, claim.status_since_precision) or None,
        "status_since_precision": claim.status_since_precision if claim.status_since else None,
        "status": status.slug if status else None,
        "forecast": forecast.as_json() if forecast else None,
    }
