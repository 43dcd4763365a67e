"""Reads of the review queue and of an editor's own work (/mine/)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Greatest, Substr

from claimtracker.accounts.roles import EDIT, REVIEW
from claimtracker.claims.models import (
    Attribution,
    Claim,
    Evidence,
    QueueLength,
    ReviewState,
    StatusChange,
)
from claimtracker.claims.queries.common import _ATTRIBUTION, _CHANGE, Event, _has_text, entry_keys, ids_by_kind
from claimtracker.lib import prepared
from claimtracker.lib.prepared import literal

# --- Review queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewGroup:
    claim: Claim
    attributions: list[Attribution]
    changes: list[StatusChange]


REVIEW_CLAIMS = 20  # claims per page of the review queue
REVIEW_ITEMS = 200  # pending items per page at most, should a few claims hold many


def review_queue(after: int | None = None) -> tuple[list[ReviewGroup], int | None]:
    """A page of pending attributions and status changes, grouped by claim, oldest
    claim first, and the claim id to continue after (None on the last page)."""
    pending = ReviewState.PENDING
    with connections[router.db_for_read(Attribution)].cursor() as cursor:
        cursor.execute(*queue_claims(after))
        ids = [pk for (pk,) in cursor.fetchall()]
    next_after = ids[REVIEW_CLAIMS - 1] if len(ids) > REVIEW_CLAIMS else None
    ids = ids[:REVIEW_CLAIMS]
    attributions = list(
        _for_review(Attribution.objects.filter(review_state=pending, claim_id__in=ids)).order_by(
            "claim_id", "created_at", "id"
        )[:REVIEW_ITEMS]
    )
    changes = list(
        _changes_for_review(StatusChange.objects.filter(review_state=pending, claim_id__in=ids)).order_by(
            "claim_id", "recorded_at", "id"
        )[:REVIEW_ITEMS]
    )
    groups: dict[int, ReviewGroup] = {}
    for attribution in attributions:
        groups.setdefault(attribution.claim_id, ReviewGroup(attribution.claim, [], [])).attributions.append(attribution)
    for change in changes:
        groups.setdefault(change.claim_id, ReviewGroup(change.claim, [], [])).changes.append(change)
    return [groups[claim_id] for claim_id in sorted(groups)], next_after


def queue_claims(after: int | None) -> tuple[str, list[Any]]:
    """The claims of a page of the review queue, in order, as SQL (a column ``id``)
    with its parameters: the first REVIEW_CLAIMS with work in review after claim
    ``after``, and one more if there is one (there is a next page). Each table's
    first claims are read in order from its partial index of work in review by
    claim, reading no row (0.1 ms; merged after reading all 5,000 entries in
    review of the benchmark data, 1.2)."""
    pending, limit = literal(ReviewState.PENDING), REVIEW_CLAIMS + 1
    first = [
        f"SELECT claim_id FROM (SELECT DISTINCT claim_id FROM {model._meta.db_table}"
        f" WHERE review_state = {pending} AND claim_id > %s ORDER BY claim_id LIMIT {limit}) {alias}"
        for model, alias in ((Attribution, "a"), (StatusChange, "s"))
    ]
    return f"SELECT w.claim_id AS id FROM ({' UNION '.join(first)}) w ORDER BY w.claim_id LIMIT {limit}", [
        after or 0
    ] * 2


PASSAGE_CHARS = 160  # characters of the source shown on each side of a quote under review


def _earlier_note(model: type[Attribution] | type[StatusChange]) -> Subquery:
    """The note of the entry's last rejection, kept in its history: what a
    resubmitted entry was sent back for."""
    rejected = model.history.filter(id=OuterRef("pk"), review_state=ReviewState.REJECTED)
    return Subquery(rejected.order_by("-history_date").values("review_note")[:1])


def _for_review(attributions: QuerySet[Attribution]) -> QuerySet[Attribution]:
    """Attributions with what a reviewer needs: whether the source has text, and
    the passage around the quote, cut from the body in SQL (a body may be 500 KB)."""
    start, end = F("quote_start"), F("quote_end")
    lead = Greatest(start - PASSAGE_CHARS, Value(0))
    return (
        attributions.select_related(
            "claim__current_status", "actor", "via", "source", "created_by", "corrects__actor", "corrects__source"
        )
        .defer("source__body", "corrects__source__body")
        .annotate(
            earlier_note=_earlier_note(Attribution),
            source_has_text=_has_text(),
            passage_before=Substr("source__body", lead + 1, start - lead),
            passage_quote=Substr("source__body", start + 1, end - start),
            passage_after=Substr("source__body", end + 1, PASSAGE_CHARS),
        )
    )


def _changes_for_review(changes: QuerySet[StatusChange]) -> QuerySet[StatusChange]:
    evidence = Evidence.objects.select_related("attribution__actor").order_by("attribution__stated_on", "id")
    unreviewed = Evidence.objects.filter(status_change=OuterRef("pk")).exclude(
        attribution__review_state=ReviewState.APPROVED
    )
    return (
        changes.select_related("claim__current_status", "status", "recorded_by", "corrects__status")
        .prefetch_related(Prefetch("evidence_links", queryset=evidence))
        .annotate(evidence_unreviewed=Exists(unreviewed), earlier_note=_earlier_note(StatusChange))
    )


def review_item(item: Attribution | StatusChange) -> Attribution | StatusChange:
    """One item as the review queue shows it, read again after a decision."""
    if isinstance(item, Attribution):
        return _for_review(Attribution.objects.filter(pk=item.pk)).select_related("reviewed_by").get()
    return _changes_for_review(StatusChange.objects.filter(pk=item.pk)).select_related("reviewed_by").get()


def changes_citing(attribution: Attribution) -> list[StatusChange]:
    """The status changes in review that cite ``attribution`` as evidence, as the
    review queue shows them: a decision on it changes what they say of it."""
    citing = StatusChange.objects.filter(review_state=ReviewState.PENDING, evidence_links__attribution=attribution)
    return list(_changes_for_review(citing).order_by("pk"))


def pending_count() -> int:
    return nav_counts(None, review=True)[0]


def _pending_sql() -> str:
    """The review queue's length as the database keeps it (claims.versions: its
    triggers move it with every write of an entry, whatever wrote), read in one
    index lookup: counted, it read every entry in review, 0.3 ms of the
    database's time on every page. 0 where its row is missing (a flushed table:
    nothing waits, and the next write counts afresh)."""
    return f"COALESCE((SELECT pending FROM {QueueLength._meta.db_table} WHERE id = 1), 0)"


# The review state written into the statement (lib/prepared.literal): each count is read from its
# partial index in a plan PostgreSQL keeps for every user.
def _rejected_sql(user: str, params: list[Any]) -> tuple[str, list[Any]]:
    """How many entries of ``user`` (SQL, with its parameters) were sent back."""
    rejected = literal(ReviewState.REJECTED)
    return (
        f"(SELECT count(*) FROM {Attribution._meta.db_table} WHERE created_by_id = {user}"
        f" AND review_state = {rejected}) + (SELECT count(*) FROM {StatusChange._meta.db_table}"
        f" WHERE recorded_by_id = {user} AND review_state = {rejected})",
        [*params, *params],
    )


def nav_counts(user: User | None, *, review: bool) -> tuple[int, int]:
    """For the header, in one statement: how many entries wait for review (when
    ``review``), and how many of ``user``'s were sent back to them (with a user)."""
    rejected, params = _rejected_sql("%s", [user.pk]) if user is not None else ("0", [])
    sql = f"SELECT {_pending_sql() if review else '0'}, {rejected}"
    ((waiting, sent_back),) = prepared.rows(connections[router.db_for_read(Attribution)], sql, params)
    return int(waiting), int(sent_back)


def nav_count_rows() -> list[tuple[str, str, list[Any]]]:
    """The header's counts as rows to ask inside another statement (claims.versions.read,
    for the user who asks: accounts.roles.asker_sql): the review queue's length ("review")
    and the user's entries sent back ("mine"). Read them with ``nav_counts_read``."""
    return [("review", _pending_sql(), []), ("mine", *_rejected_sql("(SELECT id FROM asker)", []))]


def nav_counts_read(read: dict[str, int], holds: Callable[[str], bool]) -> dict[str, int]:
    """The header's counts from the values ``nav_count_rows`` asked for, as
    base.html shows them: the queue's length where the user ``holds`` the
    reviewer's permission now, their entries sent back where they hold the
    editor's, else -1."""
    return {
        "review": read["review"] if holds(REVIEW) else -1,
        "mine": read["mine"] if holds(EDIT) else -1,
    }


# --- My work -------------------------------------------------------------------------------------------

MINE_PAGE_SIZE = 25


def my_counts(user: User) -> dict[str, int]:
    """How many of the user's entries are in review, rejected and withdrawn (two queries)."""
    counts = dict.fromkeys(["pending", "rejected", "withdrawn"], 0)
    for model, author in ((Attribution, "created_by"), (StatusChange, "recorded_by")):
        found = model.objects.filter(**{author: user}).aggregate(
            **{state: Count("pk", filter=Q(review_state=state)) for state in counts}
        )
        for state in counts:
            counts[state] += found[state] or 0
    return counts


def my_entries(user: User, state: str, number: str | None) -> tuple[Page[Any], list[Event]]:
    """One page of the user's entries in ``state``, newest first, attributions and
    status changes together (keys paged in SQL, then the page's rows read)."""
    said = Attribution.objects.filter(created_by=user, review_state=state)
    assessed = StatusChange.objects.filter(recorded_by=user, review_state=state)
    keys = entry_keys(said, "created_at", assessed, "recorded_at", newest_first=True)
    page = Paginator(keys, MINE_PAGE_SIZE).get_page(number)
    wanted = ids_by_kind(page.object_list)
    attributions = (
        Attribution.objects.select_related("claim", "actor", "via", "source", "reviewed_by")
        .defer("source__body", "claim__search_quotes", "claim__search_actors")
        .annotate(source_has_text=_has_text())
        .in_bulk(wanted[_ATTRIBUTION])
    )
    changes = (
        StatusChange.objects.select_related("claim", "status", "reviewed_by")
        .defer("claim__search_quotes", "claim__search_actors")
        .in_bulk(wanted[_CHANGE])
    )
    events = [
        Event(at.date(), "attribution", attributions[pk])
        if kind == _ATTRIBUTION
        else Event(at.date(), "status_change", changes[pk])
        for at, kind, pk in page.object_list
    ]
    return page, events
