"""Reads of the claim list and the claim page. Every read of the claim page does
bounded work in Python, whatever the size of the claim: a claim with
thousands of events is paged, summarised or capped in SQL."""

import copy
import datetime
import functools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, FirstValue, RowNumber

from claimtracker.claims import assessment, chart, versions
from claimtracker.claims.assessment import MAX_AFFILIATION_DEPTH
from claimtracker.claims.models import (
    DESK_STATES,
    STANCE_POLARITY,
    Actor,
    Attribution,
    Certainty,
    Claim,
    DataVersion,
    Evidence,
    Polarity,
    Relation,
    ReviewState,
    Source,
    Stance,
    Status,
    StatusChange,
    Topic,
    Verdict,
    format_figure,
    is_hedged,
)
from claimtracker.claims.moment import TODAY, Moment
from claimtracker.claims.queries.common import (
    _ATTRIBUTION,
    _CHANGE,
    Event,
    _stances_of,
    entry_keys,
    ids_by_kind,
)
from claimtracker.claims.versions import LISTED, PEOPLE, VOCABULARY
from claimtracker.lib import prepared
from claimtracker.lib.dates import Precision, format_date
from claimtracker.lib.keyset import INT64


def claims_for_list() -> QuerySet[Claim]:
    return Claim.objects.select_related("current_status").prefetch_related("topics")


class SideCounts(NamedTuple):
    """How many actors stand on each side of a claim, as the list shows it."""

    supports: int = 0
    opposes: int = 0


def side_counts(claim_ids: Collection[int], moment: Moment = TODAY) -> dict[int, SideCounts]:
    """How many actors support and how many oppose each of a page of claims,
    counted as the claim page counts its sides (``sides``): each actor once, by
    its latest standing stance, so that an actor who denied and later confirmed
    supports, and one whose latest word is neutral is on neither side. Each
    actor is counted by itself, as the claim page lists it: not merged with the
    body it belongs to (that is for the suggestion, ``voices``), and not the
    intermediary of reported speech (``via``). In a view of the past, the sides
    of then (claims.moment).

    One query whatever the number of claims and of their stances: the database
    picks each actor's latest stance (a window over the claims' attributions)
    and returns one row of counts per claim."""
    ids = list(claim_ids)
    if not ids:
        return {}
    stances = [*_stances_of(Polarity.SUPPORTS), *_stances_of(Polarity.OPPOSES)]
    approved = ReviewState.APPROVED
    until: list[datetime.datetime] = [moment.known_until] * 2 if moment.known_until else []
    dated: list[datetime.date] = [moment.as_of] if moment.as_of else []
    params: list[str | int | datetime.date] = [*stances, *ids, approved, *dated, *until, *ids, approved, *until]
    with connections[router.db_for_read(Attribution)].cursor() as cursor:
        cursor.execute(_side_counts_sql(len(ids), bool(dated), bool(until)), params)
        counted = {pk: SideCounts(supports, opposes) for pk, supports, opposes in cursor.fetchall()}
    return {pk: counted.get(pk, SideCounts()) for pk in ids}


@functools.cache
def _side_counts_sql(claims: int, dated: bool = False, known: bool = False) -> str:
    """side_counts' statement for that many claims, as of a date (``dated``) and as
    known on one (``known``: recorded and approved before an instant), by the
    rules of Moment.standing. Written once rather than built by the ORM on every
    list, which cost more than the query on a page of ordinary claims (2 ms,
    against 0.3 ms), and which cannot sum over a window it filters on.

    The standing attributions of standing_attributions, with the corrections looked for
    among these claims' own attributions, since a correction is of the same claim
    (services, the admin's form and the importer all hold to it): the database hashes
    the few it finds instead of probing an index once per attribution, 4 ms less on a
    claim of 3,750. The latest stance is the last in date order, as in _latest_by."""
    attribution = Attribution._meta.db_table
    ids = ", ".join(["%s"] * claims)
    supporting = ", ".join(["%s"] * len(_stances_of(Polarity.SUPPORTS)))
    opposing = ", ".join(["%s"] * len(_stances_of(Polarity.OPPOSES)))
    by_then = " AND a.stated_on <= %s" if dated else ""
    known_then = " AND {0}.created_at < %s AND {0}.reviewed_at < %s" if known else ""
    return (
        f"SELECT claim_id, SUM(CASE WHEN stance IN ({supporting}) THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN stance IN ({opposing}) THEN 1 ELSE 0 END)"
        " FROM (SELECT a.claim_id, a.stance, ROW_NUMBER() OVER"
        " (PARTITION BY a.claim_id, a.actor_id ORDER BY a.stated_on DESC, a.id DESC) AS newest"
        f" FROM {attribution} a WHERE a.claim_id IN ({ids}) AND a.review_state = %s{by_then}{known_then.format('a')}"
        f" AND a.id NOT IN (SELECT c.corrects_id FROM {attribution} c WHERE c.claim_id IN ({ids})"
        f" AND c.review_state = %s{known_then.format('c')} AND c.corrects_id IS NOT NULL)) latest"
        " WHERE newest = 1 GROUP BY claim_id"
    )


# --- The claim page -------------------------------------------------------------------------------
# Every read below does bounded work in Python, whatever the size of the claim:
# a claim with thousands of events is paged, summarised or capped in SQL.

TIMELINE_PAGE_SIZE = 25
SIDE_LIMIT = 12  # actors shown per side; the rest are counted
SCHEMA_LIMIT = 25  # actors and sources named in the ClaimReview JSON-LD


# --- Rows read with prepared statements, made into model instances ---------------------------------

# What a timeline item shows of the rows an entry names, by model: the columns read (attnames, in the
# model's own order, as Model.from_db takes them).
_ACTOR_SHOWN = ("id", "name")
_SOURCE_SHOWN = ("id", "title", "url", "publisher_id")
_STATUS_SHOWN = ("id", "label", "color")
_USER_SHOWN = ("id", "username")
_EVIDENCE_SHOWN = ("id", "status_change_id", "attribution_id")
# An attribution given as evidence: what an item says of it.
_CITED_SHOWN = ("id", "review_state", "actor_id", "stance", "quote", "stated_on", "stated_on_precision")


def _until(connection: BaseDatabaseWrapper, moment: Moment) -> list[Any]:
    """The parameters of the ``corrected`` condition of a view of what was known
    on a day (Moment.corrected): the day's end twice, as the ORM writes it for
    the database; none for any other view."""
    until = moment.known_until
    return [] if until is None else [connection.ops.adapt_datetimefield_value(until)] * 2


def claim_for_page(pk: int) -> Claim:
    """The claim with ``reviewed_at`` (when the desk last approved a status change
    on it, the ClaimReview's date) and the data versions of the claim (with its
    work in review, and without: ``approved_version``), of the vocabulary, of
    people's names and of what lists show (claims.versions), which key the
    summary, the timeline and the history of edits in the cache, and whether it
    has links to other claims (``linked``: queries.links reads none when not), in
    one statement written once (``_claim_sql``, as the timeline's entries: the
    ORM spent 5-8 ms of CPU building it with its annotations), and its topics.
    Raises Claim.DoesNotExist."""
    connection = connections[router.db_for_read(Claim)]
    scopes = _version_scopes(pk)
    # No row has an id beyond 64 bits, and SQLite refuses one as a parameter (the ORM finds nothing).
    found = prepared.rows(connection, _claim_sql(), [*scopes.values(), pk]) if pk in INT64 else []
    if not found:
        raise Claim.DoesNotExist(f"No claim {pk}.")
    row = prepared.Row(connection, found[0])
    claim = row.model(Claim, _CLAIM_SHOWN)
    claim.reviewed_at = row.value(StatusChange, "recorded_at")  # type: ignore[attr-defined]
    for name in scopes:
        setattr(claim, name, row.value())
    claim.linked = bool(row.value())  # type: ignore[attr-defined]
    prepared.cache_related(claim, "current_status", row.model_or_none(Status))
    prepared.cache_related(claim, "created_by", row.model(User, _USER_SHOWN))
    topics = prepared.rows(connection, _topics_sql(), [pk])
    prepared.cache_prefetched(claim, "topics", [prepared.Row(connection, row).model(Topic) for row in topics])
    return claim


# A claim's columns but its search documents (claims.search reads those, and they hold every quote).
_CLAIM_SHOWN = tuple(name for name in prepared.attnames(Claim) if name not in ("search_quotes", "search_actors"))


@functools.cache
def _claim_sql() -> str:
    """claim_for_page's statement: the versions' scopes (in ``_version_scopes``' order), then the claim's id."""
    changes, relations = StatusChange._meta.db_table, Relation._meta.db_table
    approved = prepared.literal(ReviewState.APPROVED)
    versions = ", ".join(
        [f"(SELECT value FROM {DataVersion._meta.db_table} WHERE scope = %s)"] * len(_version_scopes(0))
    )
    return (
        f"SELECT {prepared.columns('c', Claim, _CLAIM_SHOWN)},"
        f" (SELECT recorded_at FROM {changes} WHERE claim_id = c.id AND review_state = {approved}"
        " ORDER BY recorded_at DESC LIMIT 1),"
        f" {versions},"
        f" EXISTS (SELECT 1 FROM {relations} WHERE from_claim_id = c.id)"
        f" OR EXISTS (SELECT 1 FROM {relations} WHERE to_claim_id = c.id),"
        f" {prepared.columns('s', Status)}, {prepared.columns('u', User, _USER_SHOWN)}"
        f" FROM {Claim._meta.db_table} c LEFT JOIN {Status._meta.db_table} s ON s.id = c.current_status_id"
        f" JOIN {User._meta.db_table} u ON u.id = c.created_by_id WHERE c.id = %s"
    )


@functools.cache
def _topics_sql() -> str:
    """A claim's topics, in their order (Topic.Meta.ordering: by name), as ``prefetch_related`` reads them."""
    through = Claim.topics.through._meta
    return (
        f"SELECT {prepared.columns('t', Topic)} FROM {Topic._meta.db_table} t"
        f" JOIN {through.db_table} ct ON ct.topic_id = t.id WHERE ct.claim_id = %s ORDER BY t.name, t.id"
    )


def claim_with_versions(pk: int) -> Claim:
    """An unsaved Claim of id ``pk`` with the data versions claim_for_page reads
    (``claim_version``, ``approved_version``, ``vocabulary_version``,
    ``people_version``, ``listed_version``) and nothing else: for what is drawn
    from the claim's entries alone, keyed on those (a stored page's live parts,
    claims.pagecache). One statement, prepared (claims.versions.read)."""
    scopes = _version_scopes(pk)
    current = dict(versions.read(list(scopes.values()))[0])
    claim = Claim(pk=pk)
    for name, scope in scopes.items():
        setattr(claim, name, current.get(scope))
    return claim


def _version_scopes(pk: int) -> dict[str, str]:
    """The data versions read with a claim, by the attribute each is read into."""
    return {
        "claim_version": f"c:{pk}",
        "approved_version": f"ca:{pk}",
        "vocabulary_version": VOCABULARY,
        "listed_version": LISTED,
        "people_version": PEOPLE,
    }


def timeline_page(
    claim: Claim, number: str | None, *, include_pending: bool = False, moment: Moment = TODAY
) -> tuple[Page[Any], list[Event]]:
    """One page of the claim's attributions and status changes in date order; on the
    same date, what was said comes before the desk's assessment of it. With no page
    number, the last page: the latest events. With ``include_pending``, entries in
    review (or rejected) as well; in a view of the past (``moment``), the approved
    entries of then."""
    page = timeline_keys(claim, number, include_pending=include_pending, moment=moment)
    return page, timeline_events(list(page.object_list), include_pending=include_pending, moment=moment)


def timeline_keys(
    claim: Claim, number: str | None, *, include_pending: bool = False, moment: Moment = TODAY
) -> Page[Any]:
    """The page of timeline_page as the keys of its entries (entry_keys): (at, kind, pk)."""
    if not number:
        return _latest_page(claim, include_pending and not moment.past, moment)
    said = moment.listed(Attribution.objects.filter(claim=claim), include_pending)
    assessed = moment.listed(StatusChange.objects.filter(claim=claim), include_pending)
    keys = entry_keys(said, "stated_on", assessed, "effective_on")
    return Paginator(keys, TIMELINE_PAGE_SIZE).get_page(number)


def timeline_events(
    keys: Sequence[tuple[Any, int, int]], *, include_pending: bool = False, moment: Moment = TODAY
) -> list[Event]:
    """The events of entry keys (timeline_keys), in their order, each read with what
    its item shows; a status change's evidence as the reader sees it.

    Three statements written once (``_attributions_sql``, ``_changes_sql``,
    ``_evidence_sql``) and run through
    lib/prepared, the rows made into model instances as the ORM makes them (the
    related rows the items name cached on them): the ORM's ``in_bulk`` with
    ``select_related``, ``only``, the correction's ``Exists`` and the evidence's
    ``Prefetch`` spent 8-9 ms of CPU building its queries for a page of ten
    events, drawn on every first view of a claim, against 1 ms for the database."""
    wanted = ids_by_kind(keys)
    # Each kind read only where the page holds some (the view after a write reads one entry).
    found = {
        _ATTRIBUTION: _timeline_attributions(wanted[_ATTRIBUTION], moment) if wanted[_ATTRIBUTION] else {},
        _CHANGE: _timeline_changes(wanted[_CHANGE], include_pending, moment) if wanted[_CHANGE] else {},
    }
    return [found[kind][pk] for _, kind, pk in keys]


def _timeline_attributions(ids: list[int], moment: Moment) -> dict[int, Event]:
    connection = connections[router.db_for_read(Attribution)]
    found = {}
    until = _until(connection, moment)
    for read in prepared.rows(connection, _attributions_sql(len(ids), bool(until)), [*until, *ids]):
        row = prepared.Row(connection, read)
        attribution = row.model(Attribution)
        corrected = bool(row.value())
        attribution.source_has_text = bool(row.value())  # type: ignore[attr-defined]
        actor = row.model(Actor, _ACTOR_SHOWN)
        source = row.model(Source, _SOURCE_SHOWN)
        prepared.cache_related(source, "publisher", row.model_or_none(Actor, _ACTOR_SHOWN))
        prepared.cache_related(attribution, "via", row.model_or_none(Actor, _ACTOR_SHOWN))
        prepared.cache_related(attribution, "actor", actor)
        prepared.cache_related(attribution, "source", source)
        found[attribution.pk] = Event(attribution.stated_on, "attribution", attribution, corrected=corrected)
    return found


def _timeline_changes(ids: list[int], include_pending: bool, moment: Moment) -> dict[int, Event]:
    """The status changes of ``ids``, each with the evidence it cites as the reader sees it."""
    connection = connections[router.db_for_read(StatusChange)]
    until = _until(connection, moment)
    changes, corrected = {}, {}
    for read in prepared.rows(connection, _changes_sql(len(ids), bool(until)), [*until, *ids]):
        row = prepared.Row(connection, read)
        change = row.model(StatusChange)
        corrected[change.pk] = bool(row.value())
        prepared.cache_related(change, "status", row.model(Status, _STATUS_SHOWN))
        prepared.cache_related(change, "recorded_by", row.model(User, _USER_SHOWN))
        prepared.cache_related(change, "reviewed_by", row.model_or_none(User, _USER_SHOWN))
        changes[change.pk] = change
    # The desk sees evidence in review too; readers, and every view of the past, the approved alone.
    approved_only = not include_pending or moment.past
    evidence: dict[int, list[Evidence]] = {}
    for read in prepared.rows(connection, _evidence_sql(len(ids), approved_only), ids):
        row = prepared.Row(connection, read)
        link = row.model(Evidence, _EVIDENCE_SHOWN)
        cited = row.model(Attribution, _CITED_SHOWN)
        prepared.cache_related(cited, "actor", row.model(Actor, _ACTOR_SHOWN))
        prepared.cache_related(link, "attribution", cited)
        evidence.setdefault(link.status_change_id, []).append(link)
    return {
        pk: Event(change.effective_on, "status_change", change, corrected[pk], tuple(evidence.get(pk, ())))
        for pk, change in changes.items()
    }


def _visible_sql(model: type[Attribution] | type[StatusChange], dated: bool, known: bool) -> str:
    """The entries ``e`` of a view, as Moment.visible: approved (by the ``known``
    day's end), dated by the ``dated`` day; the parameters are ``_visible_params``'s."""
    conditions = [f"e.review_state = {prepared.literal(ReviewState.APPROVED)}"]
    if dated:
        conditions.append(f"e.{'stated_on' if model is Attribution else 'effective_on'} <= %s")
    if known:
        conditions.append(f"e.{_made(model)} < %s AND e.reviewed_at < %s")
    return " AND ".join(conditions)


def _visible_params(connection: BaseDatabaseWrapper, moment: Moment) -> list[Any]:
    """The parameters of ``_visible_sql`` for ``moment``, as the ORM writes them for the database."""
    dated = [] if moment.as_of is None else [connection.ops.adapt_datefield_value(moment.as_of)]
    return [*dated, *_until(connection, moment)]


def _standing_sql(model: type[Attribution] | type[StatusChange], dated: bool, known: bool) -> str:
    """The entries ``e`` a view counts, as Moment.standing: those of ``_visible_sql``
    that no correction approved by then replaces; the parameters are ``_standing_params``'s."""
    return f"{_visible_sql(model, dated, known)} AND NOT {_corrected_sql(model, _made(model), known)}"


def _standing_params(connection: BaseDatabaseWrapper, moment: Moment) -> list[Any]:
    return [*_visible_params(connection, moment), *_until(connection, moment)]


def _made(model: type[Model]) -> str:
    """When an entry was made, as Moment._recorded reads it."""
    return "created_at" if model is Attribution else "recorded_at"


def _corrected_sql(model: type[Model], made: str, known: bool) -> str:
    """Whether the entry ``e`` is replaced by an approved correction: as
    Moment.corrected, in a view of what was known on a day (``known``) only one
    made (its ``made`` time) and approved before that day's end (two
    parameters, ``_until``)."""
    then = f" AND c.{made} < %s AND c.reviewed_at < %s" if known else ""
    return (
        f"EXISTS (SELECT 1 FROM {model._meta.db_table} c WHERE c.corrects_id = e.id"
        f" AND c.review_state = {prepared.literal(ReviewState.APPROVED)}{then})"
    )


# The statements of _timeline_attributions and _timeline_changes, for ``count`` ids (a page's at most:
# one statement for each count); the parameters of ``_until`` before the ids where ``known``.


@functools.cache
def _attributions_sql(count: int, known: bool) -> str:
    actors = Actor._meta.db_table
    return (
        f"SELECT {prepared.columns('e', Attribution)}, {_corrected_sql(Attribution, 'created_at', known)},"
        f" s.body <> '', {prepared.columns('a', Actor, _ACTOR_SHOWN)}, {prepared.columns('s', Source, _SOURCE_SHOWN)},"
        f" {prepared.columns('p', Actor, _ACTOR_SHOWN)}, {prepared.columns('v', Actor, _ACTOR_SHOWN)}"
        f" FROM {Attribution._meta.db_table} e JOIN {actors} a ON a.id = e.actor_id"
        f" JOIN {Source._meta.db_table} s ON s.id = e.source_id LEFT JOIN {actors} p ON p.id = s.publisher_id"
        f" LEFT JOIN {actors} v ON v.id = e.via_id WHERE e.id IN ({_placeholders(count)})"
    )


@functools.cache
def _changes_sql(count: int, known: bool) -> str:
    users = User._meta.db_table
    return (
        f"SELECT {prepared.columns('e', StatusChange)}, {_corrected_sql(StatusChange, 'recorded_at', known)},"
        f" {prepared.columns('st', Status, _STATUS_SHOWN)}, {prepared.columns('r', User, _USER_SHOWN)},"
        f" {prepared.columns('v', User, _USER_SHOWN)}"
        f" FROM {StatusChange._meta.db_table} e JOIN {Status._meta.db_table} st ON st.id = e.status_id"
        f" JOIN {users} r ON r.id = e.recorded_by_id LEFT JOIN {users} v ON v.id = e.reviewed_by_id"
        f" WHERE e.id IN ({_placeholders(count)})"
    )


@functools.cache
def _evidence_sql(count: int, approved_only: bool) -> str:
    """The evidence the changes of ``count`` ids cite, in date order: the approved alone, or in review too."""
    approved = f" AND e.review_state = {prepared.literal(ReviewState.APPROVED)}" if approved_only else ""
    return (
        f"SELECT {prepared.columns('l', Evidence, _EVIDENCE_SHOWN)},"
        f" {prepared.columns('e', Attribution, _CITED_SHOWN)}, {prepared.columns('a', Actor, _ACTOR_SHOWN)}"
        f" FROM {Evidence._meta.db_table} l"
        f" JOIN {Attribution._meta.db_table} e ON e.id = l.attribution_id"
        f" JOIN {Actor._meta.db_table} a ON a.id = e.actor_id"
        f" WHERE l.status_change_id IN ({_placeholders(count)}){approved} ORDER BY e.stated_on, l.id"
    )


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def offered_evidence(claim_pk: int, limit: int) -> list[Attribution]:
    """The claim's ``limit`` latest attributions approved or in review, newest
    first, with their actors' names: what the status form offers as evidence.
    One statement written once, as the timeline's entries (the ORM's query cost
    2-3 ms of CPU to build, on every first view of a claim at the desk)."""
    connection = connections[router.db_for_read(Attribution)]
    found = prepared.rows(connection, _offered_sql("evidence"), [claim_pk, limit])
    offered = []
    for read in found:
        row = prepared.Row(connection, read)
        attribution = row.model(Attribution, _OFFERED_EVIDENCE)
        prepared.cache_related(attribution, "actor", row.model(Actor, _ACTOR_SHOWN))
        offered.append(attribution)
    return offered


def offered_corrections(claim_pk: int, limit: int) -> list[StatusChange]:
    """The claim's ``limit`` latest approved status changes, newest first, with
    their statuses: what the status form offers to correct (as offered_evidence)."""
    connection = connections[router.db_for_read(StatusChange)]
    offered = []
    for read in prepared.rows(connection, _offered_sql("corrections"), [claim_pk, limit]):
        row = prepared.Row(connection, read)
        change = row.model(StatusChange, _OFFERED_CHANGE)
        prepared.cache_related(change, "status", row.model(Status, _STATUS_SHOWN))
        offered.append(change)
    return offered


# What the status form's choices name: an attribution's actor, stance and date; a change's status,
# date and rationale.
_OFFERED_EVIDENCE = ("id", "claim_id", "actor_id", "stance", "stated_on", "stated_on_precision")
_OFFERED_CHANGE = ("id", "claim_id", "status_id", "effective_on", "effective_on_precision", "rationale")


@functools.cache
def _offered_sql(what: str) -> str:
    """The statement of offered_evidence ("evidence") or offered_corrections: the claim's id, then the limit."""
    approved, pending = prepared.literal(ReviewState.APPROVED), prepared.literal(ReviewState.PENDING)
    if what == "evidence":
        return (
            f"SELECT {prepared.columns('e', Attribution, _OFFERED_EVIDENCE)},"
            f" {prepared.columns('a', Actor, _ACTOR_SHOWN)} FROM {Attribution._meta.db_table} e"
            f" JOIN {Actor._meta.db_table} a ON a.id = e.actor_id"
            f" WHERE e.claim_id = %s AND e.review_state IN ({pending}, {approved})"
            " ORDER BY e.stated_on DESC, e.id DESC LIMIT %s"
        )
    return (
        f"SELECT {prepared.columns('e', StatusChange, _OFFERED_CHANGE)}, {prepared.columns('s', Status, _STATUS_SHOWN)}"
        f" FROM {StatusChange._meta.db_table} e JOIN {Status._meta.db_table} s ON s.id = e.status_id"
        f" WHERE e.claim_id = %s AND e.review_state = {approved}"
        " ORDER BY e.effective_on DESC, e.recorded_at DESC, e.id DESC LIMIT %s"
    )


def _latest_page(claim: Claim, desk: bool, moment: Moment) -> Page[Any]:
    """The last page of the claim's timeline (the desk's, with work in review,
    where ``desk``), read with the count of its entries in one statement written
    once (``_latest_keys_sql``; the ORM's union cost 1.5-2 ms of CPU to build on
    every first view). Pages run from the oldest, so the last holds what is left
    over, the newest of those read. (Paginator asks the count and then the page:
    two queries, and the keys sorted twice.) Its keys carry no date: the entries do."""
    connection = connections[router.db_for_read(Attribution)]
    listed = [] if desk else _visible_params(connection, moment)
    sql = _latest_keys_sql(desk, moment.as_of is not None, moment.known is not None)
    newest = prepared.rows(connection, sql, [claim.pk, *listed, claim.pk, *listed, TIMELINE_PAGE_SIZE])
    paginator: Paginator[Any] = Paginator([], TIMELINE_PAGE_SIZE)
    paginator.count = newest[0][2] if newest else 0
    last = paginator.num_pages
    left_over = paginator.count - (last - 1) * TIMELINE_PAGE_SIZE
    return Page([(None, kind, pk) for kind, pk, _ in reversed(newest[:left_over])], last, paginator)


@functools.cache
def _latest_keys_sql(desk: bool, dated: bool, known: bool) -> str:
    """The newest keys (kind, id) of a claim's entries, as entry_keys orders them, with their count."""

    def listed(model: type[Attribution] | type[StatusChange]) -> str:  # as Moment.listed
        if desk:
            return f"e.review_state IN ({', '.join(prepared.literal(state) for state in DESK_STATES)})"
        return _visible_sql(model, dated, known)

    return (
        "SELECT k.kind, k.pk, COUNT(*) OVER () FROM ("
        f"SELECT e.stated_on AS at, {_ATTRIBUTION} AS kind, e.id AS pk FROM {Attribution._meta.db_table} e"
        f" WHERE e.claim_id = %s AND {listed(Attribution)}"
        f" UNION ALL SELECT e.effective_on, {_CHANGE}, e.id FROM {StatusChange._meta.db_table} e"
        f" WHERE e.claim_id = %s AND {listed(StatusChange)}"
        ") k ORDER BY k.at DESC, k.kind DESC, k.pk DESC LIMIT %s"
    )


STANCE_LABELS: dict[str, str] = dict(Stance.choices)


class Said(NamedTuple):
    """An approved stance on the claim as the claim page reads it: a plain row,
    not a model instance, so that thousands of them cost milliseconds."""

    pk: int
    stated_on: datetime.date
    stated_on_precision: str
    stance: str
    certainty: str
    actor_id: int
    actor_name: str
    source_id: int
    figure: Decimal | None
    figure_bound: str
    figure_unit: str
    root_id: int  # the top of the actor's affiliations, at most MAX_AFFILIATION_DEPTH up

    @property
    def polarity(self) -> str:
        return STANCE_POLARITY[self.stance]

    @property
    def stated_on_display(self) -> str:
        return format_date(self.stated_on, self.stated_on_precision)

    def get_stance_display(self) -> str:
        return STANCE_LABELS[self.stance]

    @property
    def figure_display(self) -> str:
        return format_figure(self.figure, self.figure_bound, self.figure_unit)

    @property
    def figure_hedged(self) -> bool:
        return is_hedged(self.figure, self.figure_bound)


def figures(stances: list[Said]) -> list[Said]:
    """The stances that give a figure, in date order: the estimates over time."""
    return [stance for stance in stances if stance.figure is not None]


def approved_stances(claim: Claim, moment: Moment = TODAY) -> list[Said]:
    """The claim's approved attributions in date order (those of then, in a view
    of the past), in one statement written once (``_stances_sql``: the ORM spent
    1.5-2 ms of CPU building its query, on every first view of a claim) and one
    for affiliations; the sides, the suggestion, the chart and the JSON-LD are
    all drawn from them."""
    connection = connections[router.db_for_read(Attribution)]
    sql = _stances_sql(moment.as_of is not None, moment.known is not None)
    rows = [
        prepared.as_read(connection, Attribution, _SAID_COLUMNS, read)
        for read in prepared.rows(connection, sql, [claim.pk, *_standing_params(connection, moment)])
    ]
    parents = _parents_above(claim.pk) if rows else {}
    roots: dict[int, int] = {}

    def root(actor_id: int) -> int:
        if actor_id not in roots:
            top = actor_id
            for _ in range(MAX_AFFILIATION_DEPTH):
                if top not in parents:
                    break
                top = parents[top]
            roots[actor_id] = top
        return roots[actor_id]

    # The statement reads the actor's name last, after the attribution's own columns.
    return [
        Said(pk, day, precision, stance, certainty, actor_id, name, source_id, figure, bound, unit, root(actor_id))
        for pk, day, precision, stance, certainty, actor_id, source_id, figure, bound, unit, name in rows
    ]


# A Said's columns of the attribution, in its order (as_read converts them in turn), the actor's name apart.
_SAID_COLUMNS = (
    "id",
    "stated_on",
    "stated_on_precision",
    "stance",
    "certainty",
    "actor_id",
    "source_id",
    "figure",
    "figure_bound",
    "figure_unit",
)


@functools.cache
def _stances_sql(dated: bool, known: bool) -> str:
    return (
        f"SELECT {prepared.in_order('e', Attribution, _SAID_COLUMNS)}, a.name"
        f" FROM {Attribution._meta.db_table} e JOIN {Actor._meta.db_table} a ON a.id = e.actor_id"
        f" WHERE e.claim_id = %s AND {_standing_sql(Attribution, dated, known)} ORDER BY e.stated_on, e.id"
    )


def _parents_above(claim_id: int) -> dict[int, int]:
    """The parent of each actor the claim quotes and of their ancestors, as far
    up as approved_stances walks (MAX_AFFILIATION_DEPTH steps: the parents of the
    actor and of its first MAX_AFFILIATION_DEPTH - 1 ancestors), in one query; not
    every actor's parent, which a newsroom's thousands of affiliations would make
    a long read on every claim page drawn."""
    actor, attribution = Actor._meta.db_table, Attribution._meta.db_table
    sql = (
        f"WITH RECURSIVE up (id, parent_id, steps) AS (SELECT id, parent_id, 0 FROM {actor}"
        f" WHERE id IN (SELECT actor_id FROM {attribution} WHERE claim_id = %s)"
        f" UNION ALL SELECT a.id, a.parent_id, up.steps + 1 FROM {actor} a JOIN up ON a.id = up.parent_id"
        " WHERE up.steps < %s) SELECT DISTINCT id, parent_id FROM up WHERE parent_id IS NOT NULL"
    )
    connection = connections[router.db_for_read(Actor)]
    return dict(prepared.rows(connection, sql, [claim_id, MAX_AFFILIATION_DEPTH - 1]))


def _latest_by(stances: list[Said], key: Callable[[Said], int]) -> list[Said]:
    """The latest stance for each value of ``key``, newest first."""
    latest: dict[int, Said] = {}
    for stance in stances:  # in date order: later ones replace earlier ones
        latest[key(stance)] = stance
    return sorted(latest.values(), key=lambda s: (s.stated_on, s.pk), reverse=True)


@dataclass(frozen=True)
class Side:
    shown: list[Said]
    more: int


def by_side(stances: list[Said]) -> dict[str, list[Said]]:
    """Each actor's latest stance, by polarity, newest first."""
    grouped: dict[str, list[Said]] = {p: [] for p in Polarity.values}
    for stance in _latest_by(stances, lambda s: s.actor_id):
        grouped[stance.polarity].append(stance)
    return grouped


def sides(stances: list[Said]) -> dict[str, Side]:
    """The sides as the claim page shows them: each shows SIDE_LIMIT actors and counts the rest."""
    return {p: Side(items[:SIDE_LIMIT], max(len(items) - SIDE_LIMIT, 0)) for p, items in by_side(stances).items()}


def voices(stances: list[Said]) -> assessment.Voices:
    """The independent sides (assessment.Voices): the latest stance under each affiliation root."""
    latest = _latest_by(stances, lambda s: s.root_id)
    supporters = [s for s in latest if s.polarity == Polarity.SUPPORTS]
    opponents = [s for s in latest if s.polarity == Polarity.OPPOSES]
    return assessment.Voices(
        supporters=len(supporters),
        opponents=len(opponents),
        retracting_opponents=sum(s.stance == Stance.RETRACTS for s in opponents),
        definite_supporters=sum(
            s.stance != Stance.ACKNOWLEDGES and s.certainty == Certainty.DEFINITE for s in supporters
        ),
    )


def effective_changes(claim: Claim, moment: Moment = TODAY) -> QuerySet[StatusChange]:
    """The claim's approved status changes that no approved correction replaces,
    latest first: the first one is the claim's current status (or its status
    then, in a view of the past)."""
    return moment.standing(StatusChange.objects.filter(claim=claim)).order_by("-effective_on", "-recorded_at", "-id")


def claim_then(claim: Claim, moment: Moment) -> Claim:
    """A copy of the claim with the status it had then (and since when, and when
    it came true), for a view of the past; the claim itself, today."""
    if not moment.past:
        return claim
    return shown_then(copy.copy(claim), *status_then(claim, moment))


def status_then(claim: Claim, moment: Moment) -> tuple[dict[str, Any], dict[int, Status]]:
    """What the claim was in a view of the past (the THEN values of with_then) and
    its status then, by id: what shown_then shows. Drawn from the claim's approved
    status changes and the vocabulary alone."""
    then = with_then(Claim.objects.filter(pk=claim.pk), moment).values(*THEN)[0]
    return then, Status.objects.in_bulk([then["then_status_id"]] if then["then_status_id"] else [])


THEN = ("then_status_id", "then_since", "then_since_precision", "then_resolved")


def with_then(claims: QuerySet[Claim], moment: Moment, names: Collection[str] = THEN) -> QuerySet[Claim]:
    """The claims with what they were in a view of the past (the THEN values asked
    for), in SQL so that the list filters and sorts by it: ``then_status_id`` and
    ``then_since``, from the latest of the changes that stood then
    (effective_changes), and ``then_resolved``, the day the run of true verdicts
    that held then began (the rule of claims.forecast.resolved_on: the first true
    change with no change of another verdict after it, in timeline order)."""
    annotations: dict[str, Subquery] = {}
    latest = _standing_changes(moment, claim=OuterRef("pk")).order_by("-effective_on", "-recorded_at", "-id")
    for name, field in zip(THEN[:3], ("status_id", "effective_on", "effective_on_precision"), strict=True):
        if name in names:
            annotations[name] = Subquery(latest.values(field)[:1])
    if "then_resolved" in names:
        annotations["then_resolved"] = _resolved_then(moment)
    return claims.annotate(**annotations)


def _resolved_then(moment: Moment) -> Subquery:
    # The last change of another verdict, then the first true change after it (in
    # timeline order): each read from the claim's index, from one end, in one pass.
    untrue = (
        _standing_changes(moment, claim=OuterRef(OuterRef("pk")))
        .exclude(status__verdict=Verdict.TRUE)
        .order_by("-effective_on", "-recorded_at", "-id")
    )
    day, recorded, pk = (Subquery(untrue.values(name)[:1]) for name in ("effective_on", "recorded_at", "pk"))
    run = (
        _standing_changes(moment, claim=OuterRef("pk"), status__verdict=Verdict.TRUE)
        .filter(
            Q(effective_on__gt=Coalesce(day, Value(datetime.date.min)))
            | Q(effective_on=day, recorded_at__gt=recorded)
            | Q(effective_on=day, recorded_at=recorded, pk__gt=pk)
        )
        .order_by("effective_on", "recorded_at", "id")
    )
    return Subquery(run.values("effective_on")[:1])


def holding(moment: Moment, statuses: Collection[int]) -> Q:
    """The claims whose status in the view is one of ``statuses`` (ids): today the
    one they hold; in a view of the past the latest change that stood then (as
    with_then reads it), found in one pass over the changes of then, where
    asking claim by claim cost a probe per claim."""
    ids = list(statuses)
    if not moment.past:
        return Q(current_status__in=ids)
    order = [F("effective_on").desc(), F("recorded_at").desc(), F("id").desc()]
    latest = (
        _standing_changes(moment)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("claim_id"), order_by=order),
            held=Window(FirstValue("status_id"), partition_by=F("claim_id"), order_by=order),
        )
        .filter(rank=1, held__in=ids)  # ids: Django 5.2 misplaces a subquery filtered against a window
        .values("claim_id")
    )
    return Q(pk__in=latest)


def _standing_changes(moment: Moment, **where: Any) -> QuerySet[StatusChange]:
    return moment.standing(StatusChange.objects.filter(**where))


def said_by(moment: Moment) -> Q:
    """The claims of a view of the past: those with an entry of then, something
    said or assessed by then (and approved by then, for ``known``)."""
    said = moment.visible(Attribution.objects.filter(claim=OuterRef("pk"))).values("claim")
    assessed = moment.visible(StatusChange.objects.filter(claim=OuterRef("pk"))).values("claim")
    # One EXISTS over both: probed from the claims' indexes, claim by claim, where
    # two EXISTS joined by OR had the database read every status change into a hash.
    return Q(Exists(said.union(assessed, all=True)))


def shown_then(claim: Claim, then: dict[str, Any], statuses: dict[int, Status]) -> Claim:
    """The claim made to show what it was then (``then``: the THEN values of
    with_then), for the templates that show a claim's status."""
    claim.current_status = statuses.get(then["then_status_id"])
    claim.status_since = then["then_since"]
    claim.status_since_precision = then["then_since_precision"] or Precision.DAY
    claim.resolved_on = then["then_resolved"]
    return claim


def claims_then(claims: list[Claim]) -> list[Claim]:
    """A page of claims read with with_then, each made to show what it was then."""
    statuses = Status.objects.in_bulk({claim.then_status_id for claim in claims} - {None})  # type: ignore[attr-defined]
    return [shown_then(claim, {name: getattr(claim, name) for name in THEN}, statuses) for claim in claims]


def chart_changes(claim: Claim, moment: Moment = TODAY) -> list[chart.Change]:
    """The approved status changes that no approved correction replaces (the same
    entries the current status moves by: effective_changes), in timeline order;
    in one statement written once, as approved_stances."""
    connection = connections[router.db_for_read(StatusChange)]
    sql = _chart_changes_sql(moment.as_of is not None, moment.known is not None)
    found = prepared.rows(connection, sql, [claim.pk, *_standing_params(connection, moment)])
    return [chart.Change(*prepared.as_read(connection, StatusChange, ("effective_on",), read)) for read in found]


@functools.cache
def _chart_changes_sql(dated: bool, known: bool) -> str:
    return (
        f"SELECT e.effective_on, e.effective_on_precision, st.label, st.color"
        f" FROM {StatusChange._meta.db_table} e JOIN {Status._meta.db_table} st ON st.id = e.status_id"
        f" WHERE e.claim_id = %s AND {_standing_sql(StatusChange, dated, known)}"
        " ORDER BY e.effective_on, e.recorded_at, e.id"
    )


def chart_stances(stances: list[Said]) -> list[chart.Stance]:
    return [
        chart.Stance(
            s.stated_on, s.stated_on_precision, s.polarity, f"{s.actor_name} {s.get_stance_display()}", f"a{s.pk}"
        )
        for s in stances
    ]


def chart_figures(stances: list[Said]) -> list[chart.Figure]:
    """The figures series: each figure given, in date order."""
    return [
        chart.Figure(
            s.stated_on,
            s.stated_on_precision,
            float(s.figure),
            s.figure_display,
            s.actor_name,
            s.figure_hedged,
            f"a{s.pk}",
        )
        for s in figures(stances)
        if s.figure is not None
    ]


class FirstAppearance(NamedTuple):
    """Where and when the claim was first said, as far as the record shows."""

    day: datetime.date
    precision: str
    source: Source


def schema_sources(stances: list[Said]) -> tuple[list[Actor], list[Source], FirstAppearance | None]:
    """For the ClaimReview: the actors who supported the claim (by name), the
    sources it appeared in (the latest cited first), SCHEMA_LIMIT of each, and
    where and when it was first said (the earliest stance's date and source),
    the sources read in one query."""
    names = {s.actor_id: s.actor_name for s in stances if s.polarity == Polarity.SUPPORTS}
    actor_ids = sorted(names, key=lambda pk: (names[pk], pk))[:SCHEMA_LIMIT]
    source_ids = list(dict.fromkeys(s.source_id for s in reversed(stances)))[:SCHEMA_LIMIT]
    connection = connections[router.db_for_read(Source)]
    actors = _read_by_ids(connection, Actor, _SCHEMA_ACTOR, actor_ids, "e.name, e.id")
    if not stances:
        return actors, [], None
    first = stances[0]
    # The sources with a date, the latest first, then those without, as the ORM's nulls_last orders them.
    read = _read_by_ids(
        connection,
        Source,
        _SCHEMA_SOURCE,
        [*source_ids, first.source_id],
        "e.published_at IS NULL, e.published_at DESC, e.id",
    )
    sources = [source for source in read if source.pk in source_ids]
    by_id = {source.pk: source for source in read}
    return actors, sources, FirstAppearance(first.stated_on, first.stated_on_precision, by_id[first.source_id])


_Read = TypeVar("_Read", bound=Model)

# What the ClaimReview names of an actor and of a source (exports.jsonld).
_SCHEMA_ACTOR = ("id", "name", "kind", "wikidata_id")
_SCHEMA_SOURCE = ("id", "title", "url", "published_at")


def _read_by_ids(
    connection: BaseDatabaseWrapper, model: type[_Read], names: tuple[str, ...], ids: list[int], order: str
) -> list[_Read]:
    """The rows of ``ids`` (columns ``names``, the others deferred), in ``order``
    (SQL over the table as ``e``), in one statement written once for each count of ids."""
    if not ids:
        return []
    unique = list(dict.fromkeys(ids))
    found = prepared.rows(connection, _by_ids_sql(model, names, len(unique), order), unique)
    return [prepared.Row(connection, read).model(model, names) for read in found]


@functools.cache
def _by_ids_sql(model: type[Model], names: tuple[str, ...], count: int, order: str) -> str:
    return (
        f"SELECT {prepared.columns('e', model, names)} FROM {model._meta.db_table} e"
        f" WHERE e.id IN ({_placeholders(count)}) ORDER BY {order}"
    )


HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}  # simple-history's history_type


class HistoryLine(NamedTuple):
    """One edit of a claim's history as its page shows it: plain values, not a
    historical row with its user and actor built as models."""

    history_date: datetime.datetime
    history_type: str
    username: str | None  # None: made by no user (a command, psql)
    history_change_reason: str | None
    attribution: bool  # an edit of one of the claim's attributions, not of the claim
    actor_name: str | None = None  # None: the actor has since been deleted
    review_state: str = ""

    @property
    def action(self) -> str:
        return HISTORY_TYPES.get(self.history_type, self.history_type)


def claim_history(claim: Claim, *, include_pending: bool = False, limit: int = 30) -> list[HistoryLine]:
    """Edits of the claim and of its attributions, newest first. Viewers see the
    history of approved attributions only: nothing of work in review, rejected
    or withdrawn. One statement written once (_history_sql): the ORM took longer
    to build its two queries than the database took to run them, on every page
    drawn after a write."""
    historical = Claim.history.model
    connection = connections[router.db_for_read(historical)]
    also = [] if include_pending else [claim.pk]
    found = []
    for row in prepared.rows(connection, _history_sql(include_pending), [claim.pk, limit, claim.pk, *also, limit]):
        date, kind, username, reason, attribution, actor_name, state = prepared.as_read(
            connection, historical, ["history_date"], row
        )
        found.append(HistoryLine(date, kind, username, reason, bool(attribution), actor_name, state or ""))
    # Newest first; where an edit of the claim and one of an attribution share a time, the claim's first.
    return sorted(found, key=lambda h: (h.history_date, not h.attribution), reverse=True)[:limit]


@functools.cache
def _history_sql(include_pending: bool) -> str:
    """The claim's ``limit`` latest edits, then its attributions' (those approved
    now, in their approved versions, unless ``include_pending``), each with the
    name of the user who made it and an attribution's actor's name now."""
    claims, attributions = Claim.history.model._meta.db_table, Attribution.history.model._meta.db_table
    users, actors = User._meta.db_table, Actor._meta.db_table
    approved = prepared.literal(ReviewState.APPROVED)
    # Of an entry approved now, its approved versions alone: not the rounds of review before.
    approved_only = (
        ""
        if include_pending
        else f" AND h.review_state = {approved} AND h.id IN"
        f" (SELECT id FROM {Attribution._meta.db_table} WHERE claim_id = %s AND review_state = {approved})"
    )
    return (
        "SELECT * FROM (SELECT h.history_date, h.history_type, u.username, h.history_change_reason,"
        f" 0 AS attribution, NULL AS actor_name, NULL AS review_state FROM {claims} h"
        f" LEFT JOIN {users} u ON u.id = h.history_user_id WHERE h.id = %s ORDER BY h.history_date DESC LIMIT %s) c"
        " UNION ALL SELECT * FROM (SELECT h.history_date, h.history_type, u.username, h.history_change_reason,"
        f" 1, a.name, h.review_state FROM {attributions} h LEFT JOIN {users} u ON u.id = h.history_user_id"
        f" LEFT JOIN {actors} a ON a.id = h.actor_id WHERE h.claim_id = %s{approved_only}"
        " ORDER BY h.history_date DESC LIMIT %s) e"
    )
