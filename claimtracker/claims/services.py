"""Every write to the domain, one function per action.

Views, the admin, imports and the demo loader all call these, so that the
rules hold whichever door the data comes through: each runs in a transaction,
records who acted (for the history tables), and keeps ``Claim.current_status``
in step with the approved status changes. Validation of user input belongs to
forms; these raise ``DomainError`` only for a broken rule of the domain.
"""

import contextlib
import datetime
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from claimtracker.claims import forecast, queries, versions
from claimtracker.claims.models import (
    CLAIM_HISTORY,
    Actor,
    Attribution,
    Certainty,
    Claim,
    Evidence,
    FigureBound,
    QuoteKind,
    Relation,
    RelationKind,
    ReviewState,
    Source,
    Status,
    StatusChange,
    Topic,
)
from claimtracker.lib.dates import Precision, after_today, fits
from claimtracker.lib.quotes import Haystack, locate, locate_near


class DomainError(Exception):
    """A write that would break a rule of the domain."""


class SelfReviewError(DomainError):
    pass


class NotPendingError(DomainError):
    pass


class EvidenceNotApprovedError(DomainError):
    """A status change is approved only on approved evidence."""


class FrozenError(DomainError):
    """An approved (or withdrawn) entry cannot be edited."""


class NotAuthorError(DomainError):
    pass


_FROZEN: dict[str, str] = {
    ReviewState.APPROVED: "This entry is approved and frozen; propose a correction instead.",
    ReviewState.WITHDRAWN: "This entry was withdrawn; it can no longer be edited.",
}


class StaleEditError(DomainError):
    """The claim changed since the editor loaded it."""

    def __init__(self, current: Claim) -> None:
        self.current = current
        super().__init__(
            f"This claim was changed by someone else (now at version {current.version}); "
            "reload it and make your edit again."
        )


def _require_fit(value: datetime.date, precision: str, what: str) -> None:
    if not fits(value, precision):
        raise DomainError(f"The {what} {value.isoformat()} does not fit {precision} precision.")


def _check_attribution(actor_id: int, via_id: int | None, stated_on: datetime.date, precision: str) -> None:
    """The rules every attribution keeps, added or revised."""
    _require_fit(stated_on, precision, "statement date")
    if after_today(stated_on):
        raise DomainError(
            f"The statement date {stated_on:%-d %b %Y} is after today: a quote is said on a day that has come."
        )
    if via_id is not None and via_id == actor_id:
        raise DomainError("The intermediary must be another actor than the speaker.")


def _checked_status_change(
    claim_id: int, effective_on: datetime.date, precision: str, rationale: str, evidence: Iterable[Attribution]
) -> list[Attribution]:
    """The rules every status change keeps, proposed or revised; its evidence as a list."""
    _require_fit(effective_on, precision, "effective date")
    if after_today(effective_on):
        raise DomainError(
            f"The effective date {effective_on:%-d %b %Y} is after today: a status takes effect on a day that has come."
        )
    if not rationale.strip():
        raise DomainError("A status change needs a rationale.")
    cited = list(evidence)
    if any(attribution.claim_id != claim_id for attribution in cited):
        raise DomainError("Evidence must be attributions of the same claim.")
    return cited


M = TypeVar("M", bound=Model)


def _for_update(queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows, to be locked when read: after the lock every writing transaction
    takes first (versions.begin_writing), so that writers never deadlock."""
    versions.begin_writing()
    return queryset.select_for_update()


def _lock_claim(claim_id: int) -> Claim:
    # Serialises every write that moves a claim's status (PostgreSQL row lock;
    # SQLite holds one writer at a time anyway).
    return _for_update(Claim.objects.all()).get(pk=claim_id)


# --- Sources and quotes ----------------------------------------------------------------


def _apply_quote_location(attribution: Attribution, body: str | Haystack, near: int | None = None) -> None:
    if isinstance(body, Haystack):
        selector = body.locate(attribution.quote)
    elif near is not None:
        selector = locate_near(body, attribution.quote, near)
    else:
        selector = locate(body, attribution.quote)
    if selector is None:
        attribution.quote_start = attribution.quote_end = None
        attribution.quote_prefix = attribution.quote_suffix = ""
        attribution.quote_case_differs = False
    else:
        attribution.quote_start, attribution.quote_end = selector.start, selector.end
        attribution.quote_prefix, attribution.quote_suffix = selector.prefix, selector.suffix
        attribution.quote_case_differs = selector.case_differs


@transaction.atomic
def save_source(source: Source, *, by: User) -> Source:
    """Create or update a source; when its body changed, locate its quotes anew."""
    body_changed = source.pk is None or Source.objects.filter(pk=source.pk).exclude(body=source.body).exists()
    source._history_user = by  # type: ignore[attr-defined]
    source.save()
    if body_changed:
        text = Haystack(source.body)  # normalised once for all its quotes
        for attribution in _for_update(source.attributions.all()):
            _apply_quote_location(attribution, text)
            attribution._history_user = by  # type: ignore[attr-defined]
            attribution.save(
                update_fields=["quote_start", "quote_end", "quote_prefix", "quote_suffix", "quote_case_differs"]
            )
    return source


@transaction.atomic
def save_actor(actor: Actor, *, by: User, aliases: Iterable[str] | None = None) -> Actor:
    """Create or update an actor; ``aliases``, when given, replaces its aliases."""
    actor._history_user = by  # type: ignore[attr-defined]
    actor.save()
    if aliases is not None:
        wanted = list(dict.fromkeys(alias.strip() for alias in aliases if alias.strip()))
        for alias in actor.aliases.exclude(name__in=wanted):
            alias._history_user = by  # type: ignore[attr-defined]
            alias.delete()
        existing = set(actor.aliases.values_list("name", flat=True))
        for name in wanted:
            if name not in existing:
                alias = actor.aliases.model(actor=actor, name=name)
                alias._history_user = by  # type: ignore[attr-defined]
                alias.save()
    refresh_search(
        Attribution.objects.filter(Q(actor=actor) | Q(via=actor)).values_list("claim_id", flat=True).distinct()
    )
    return actor


# --- Search documents ---------------------------------------------------------------------


# Claims whose search documents and current status wait to be rebuilt once, at
# the end of a bulk write (refreshed_once); None outside one.
_deferred: ContextVar[tuple[set[int], set[int]] | None] = ContextVar("deferred_refreshes", default=None)


@contextlib.contextmanager
def refreshed_once() -> Iterator[None]:
    """Within the block, rebuild each touched claim's search documents and
    current status once, at its end, instead of after every entry: a bulk
    write (the CSV import) of many entries per claim. Use it inside the
    bulk write's transaction; what the block reads of those two fields may be
    stale until it ends."""
    if _deferred.get() is not None:  # already inside one: the outer block refreshes
        yield
        return
    search: set[int] = set()
    status: set[int] = set()
    token = _deferred.set((search, status))
    try:
        yield
    finally:
        _deferred.reset(token)
    refresh_search(search)
    for claim in Claim.objects.filter(pk__in=status):
        refresh_current_status(claim)


def refresh_search(claim_ids: Iterable[int]) -> None:
    """Rebuild the claims' search documents from their approved attributions."""
    if (deferred := _deferred.get()) is not None:
        deferred[0].update(claim_ids)
        return
    for claim_id in set(claim_ids):
        attributions = (
            queries.standing_attributions()
            .filter(claim_id=claim_id)
            .select_related("actor", "via")
            .prefetch_related("actor__aliases", "via__aliases")
        )
        quotes: list[str] = []
        names: dict[str, None] = {}
        for attribution in attributions:
            if attribution.quote:
                quotes.append(attribution.quote)
            for actor in filter(None, (attribution.actor, attribution.via)):
                names |= dict.fromkeys([actor.name, actor.short_name, *(a.name for a in actor.aliases.all())])
        Claim.objects.filter(pk=claim_id).update(
            search_quotes="\n".join(quotes), search_actors="\n".join(name for name in names if name)
        )


# --- Claims ----------------------------------------------------------------------------


@transaction.atomic
def create_claim(
    *,
    text: str,
    by: User,
    context: str = "",
    topics: Iterable[Topic] = (),
    quantity: Decimal | None = None,
    quantity_unit: str = "",
    quantity_bound: str = "",
    due_on: datetime.date | None = None,
) -> Claim:
    claim = Claim(
        text=text.strip(),
        context=context,
        quantity=quantity,
        quantity_unit=quantity_unit,
        quantity_bound=quantity_bound,
        due_on=due_on,
        created_by=by,
    )
    claim._history_user = by  # type: ignore[attr-defined]
    # One record of the new claim, with its topics: setting them would add a "changed" record.
    claim.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        claim.save()
        claim.topics.set(topics)
    finally:
        del claim.skip_history_when_saving  # type: ignore[attr-defined]
    CLAIM_HISTORY.create_historical_record(claim, "+")
    return claim


_EDITABLE_CLAIM_FIELDS = frozenset({"text", "context", "quantity", "quantity_unit", "quantity_bound", "due_on"})


@transaction.atomic
def update_claim(
    claim: Claim, *, by: User, expected_version: int, topics: Iterable[Topic] | None = None, **changes: Any
) -> Claim:
    """Edit a claim's own fields, refusing a stale edit (optimistic lock on ``version``)."""
    unknown = set(changes) - _EDITABLE_CLAIM_FIELDS
    if unknown:
        raise DomainError(f"These claim fields cannot be edited here: {', '.join(sorted(unknown))}.")
    current = _lock_claim(claim.pk)
    if current.version != expected_version:
        raise StaleEditError(current)
    for name, value in changes.items():
        setattr(current, name, value)
    current.version = expected_version + 1
    current._history_user = by  # type: ignore[attr-defined]
    current.save()
    if topics is not None:
        current.topics.set(topics)
    return current


# --- Publishing -------------------------------------------------------------------------------


@transaction.atomic
def publish(claim: Claim, *, by: User) -> Claim:
    """Show the claim to anyone at /public/claims/<id>/ (DESIGN 8.4), recording who
    published it and when in its history. A claim with no approved status has
    nothing to publish yet. Publishing a published claim changes nothing."""
    current = _lock_claim(claim.pk)
    if current.current_status_id is None:
        raise DomainError("This claim has no approved status yet: there is nothing to publish.")
    if current.published_at is None:
        current.published_at, current.published_by = timezone.now(), by
        _save_publication(current, by, "published")
    return current


@transaction.atomic
def unpublish(claim: Claim, *, by: User) -> Claim:
    """Take the claim off /public/; its public page answers 404 again."""
    current = _lock_claim(claim.pk)
    if current.published_at is not None:
        current.published_at, current.published_by = None, None
        _save_publication(current, by, "unpublished")
    return current


def _save_publication(claim: Claim, by: User, reason: str) -> None:
    # Not an edit of what the claim says: ``version`` stays, so an edit form open
    # meanwhile is not refused as stale. The history says who and when, and why.
    claim._history_user = by  # type: ignore[attr-defined]
    claim._change_reason = reason  # type: ignore[attr-defined]
    claim.save(update_fields=["published_at", "published_by"])


# --- Relations between claims ----------------------------------------------------------------


def check_relation(from_claim_id: int, to_claim_id: int, kind: str) -> None:
    """Raise DomainError when the link may not be made: an unknown kind, a claim
    linked to itself, or two claims already linked (either way round)."""
    if kind not in RelationKind.values:
        raise DomainError(f"Unknown kind of link {kind!r}.")
    if from_claim_id == to_claim_id:
        raise DomainError("A claim cannot be linked to itself.")
    existing = Relation.objects.filter(
        Q(from_claim=from_claim_id, to_claim=to_claim_id) | Q(from_claim=to_claim_id, to_claim=from_claim_id)
    ).first()
    if existing is not None:
        reading = existing.get_kind_display().lower()
        raise DomainError(
            f"These claims are already linked (claim {existing.from_claim_id} {reading} claim {existing.to_claim_id}); "
            "remove that link first to change it."
        )


@transaction.atomic
def add_relation(from_claim: Claim, to_claim: Claim, *, kind: str, by: User) -> Relation:
    """Link two claims, read from the first: ``from_claim`` refines ``to_claim``.
    Two claims have one link, whichever way it is read."""
    # Lock both claims, in id order, so that two editors linking them at once are serialised.
    for pk in sorted([from_claim.pk, to_claim.pk]):
        _lock_claim(pk)
    check_relation(from_claim.pk, to_claim.pk, kind)
    relation = Relation(from_claim=from_claim, to_claim=to_claim, kind=kind, created_by=by)
    relation._history_user = by  # type: ignore[attr-defined]
    relation.save()
    return relation


@transaction.atomic
def remove_relation(relation: Relation, *, by: User) -> None:
    """Unlink two claims; the history keeps who removed the link and when."""
    relation._history_user = by  # type: ignore[attr-defined]
    relation.delete()


# --- Attributions ---------------------------------------------------------------------------


def _check_figure(attribution: Attribution) -> None:
    """A figure has its bound; a bound or unit has its figure."""
    if attribution.figure is None and (attribution.figure_bound or attribution.figure_unit):
        raise DomainError("A bound or a unit needs its figure: give the number, or clear them.")
    if attribution.figure is not None and attribution.figure_bound not in FigureBound.values:
        raise DomainError("Say how the figure is given: exactly, about, at least, more than or up to.")
    if attribution.figure is not None and attribution.figure < 0:
        raise DomainError("A figure cannot be negative.")


# The fields a caller gives add_attribution besides the claim and the author.
ATTRIBUTION_FIELDS = (
    "actor",
    "source",
    "stance",
    "certainty",
    "quote",
    "quote_kind",
    "via",
    "stated_on",
    "stated_on_precision",
    "figure",
    "figure_bound",
    "figure_unit",
)


@transaction.atomic
def add_attribution(
    claim: Claim,
    *,
    actor: Actor,
    source: Source,
    stance: str,
    stated_on: datetime.date,
    by: User,
    stated_on_precision: str = Precision.DAY,
    certainty: str = Certainty.UNSPECIFIED,
    quote: str = "",
    quote_kind: str = QuoteKind.DIRECT,
    via: Actor | None = None,
    quote_near: int | None = None,
    figure: Decimal | None = None,
    figure_bound: str = "",
    figure_unit: str = "",
) -> Attribution:
    """Record an actor's stance on a claim; it enters the review queue as pending.
    ``quote_near`` is where in the source's text the editor selected the quote,
    when they did: a passage found twice is anchored there."""
    _check_attribution(actor.pk, via.pk if via else None, stated_on, stated_on_precision)
    attribution = Attribution(
        claim=claim,
        actor=actor,
        source=source,
        stance=stance,
        certainty=certainty,
        quote=quote.strip(),
        quote_kind=quote_kind,
        via=via,
        stated_on=stated_on,
        stated_on_precision=stated_on_precision,
        figure=figure,
        figure_bound=figure_bound,
        figure_unit=figure_unit.strip(),
        created_by=by,
    )
    _check_figure(attribution)
    _apply_quote_location(attribution, source.body, quote_near)
    attribution._history_user = by  # type: ignore[attr-defined]
    attribution.save()
    return attribution


@transaction.atomic
def correct_attribution(original: Attribution, *, by: User, **fields: Any) -> Attribution:
    """Propose a correction of an approved attribution: a new attribution of the
    same claim, pending review, that replaces the original once approved. The
    original stays, struck through."""
    if not Attribution.objects.filter(pk=original.pk, review_state=ReviewState.APPROVED).exists():
        raise DomainError("Only an approved attribution can be corrected; edit or withdraw a pending one instead.")
    correction = add_attribution(original.claim, by=by, **fields)
    correction.corrects = original
    correction.save(update_fields=["corrects"])
    return correction


# --- Status changes ---------------------------------------------------------------------------


@transaction.atomic
def propose_status_change(
    claim: Claim,
    *,
    status: Status,
    effective_on: datetime.date,
    rationale: str,
    by: User,
    effective_on_precision: str = Precision.DAY,
    evidence: Iterable[Attribution] = (),
    corrects: StatusChange | None = None,
) -> StatusChange:
    """Propose a new entry in the claim's status timeline, pending review."""
    evidence = _checked_status_change(claim.pk, effective_on, effective_on_precision, rationale, evidence)
    if corrects is not None:
        if corrects.claim_id != claim.pk:
            raise DomainError("A correction must belong to the same claim as the entry it corrects.")
        # Ask the database: the caller's copy of the entry may predate its review.
        if not StatusChange.objects.filter(pk=corrects.pk, review_state=ReviewState.APPROVED).exists():
            raise DomainError("Only an approved entry can be corrected; edit or reject a pending one instead.")
    change = StatusChange(
        claim=claim,
        status=status,
        effective_on=effective_on,
        effective_on_precision=effective_on_precision,
        rationale=rationale.strip(),
        recorded_by=by,
        corrects=corrects,
    )
    change._history_user = by  # type: ignore[attr-defined]
    change.save()
    Evidence.objects.bulk_create(Evidence(status_change=change, attribution=a) for a in evidence)
    return change


def correct_status_change(
    original: StatusChange,
    *,
    status: Status,
    effective_on: datetime.date,
    rationale: str,
    by: User,
    effective_on_precision: str = Precision.DAY,
    evidence: Iterable[Attribution] = (),
) -> StatusChange:
    """Propose a correction of an approved entry. The original stays, and once the
    correction is approved it no longer counts for the current status."""
    return propose_status_change(
        original.claim,
        status=status,
        effective_on=effective_on,
        effective_on_precision=effective_on_precision,
        rationale=rationale,
        evidence=evidence,
        by=by,
        corrects=original,
    )


def refresh_current_status(claim: Claim) -> None:
    """Set the claim's denormalised current status from its timeline. Call inside
    the transaction (and under the claim lock) of the change that moves it."""
    if (deferred := _deferred.get()) is not None:
        deferred[1].add(claim.pk)
        return
    changes = list(
        queries.effective_changes(claim).values_list(
            "effective_on", "effective_on_precision", "status_id", "status__verdict"
        )
    )  # latest first
    latest = changes[0] if changes else None
    fields: dict[str, Any] = {
        "current_status": latest[2] if latest else None,
        "status_since": latest[0] if latest else None,
        "status_since_precision": latest[1] if latest else Precision.DAY,
        "resolved_on": forecast.resolved_on((day, verdict) for day, _, _, verdict in reversed(changes)),
    }
    Claim.objects.filter(pk=claim.pk).update(**fields)
    for name, value in fields.items():
        setattr(claim, "current_status_id" if name == "current_status" else name, value)


def refresh_claims_with_status(status: Status) -> None:
    """Refresh the claims whose timeline uses the status, after its verdict changed."""
    with transaction.atomic():
        using = StatusChange.objects.filter(status=status).values("claim_id")
        for claim in _for_update(Claim.objects.filter(pk__in=using)):
            refresh_current_status(claim)


# --- Review -----------------------------------------------------------------------------------


Reviewable = Attribution | StatusChange


def _author_id(item: Reviewable) -> int:
    return item.created_by_id if isinstance(item, Attribution) else item.recorded_by_id


def _review(item: Reviewable, *, by: User, state: str, note: str) -> Reviewable:
    model = type(item)
    with transaction.atomic():
        claim = _lock_claim(item.claim_id)
        locked = model.objects.select_for_update().get(pk=item.pk)  # after _lock_claim's begin_writing
        if locked.review_state != ReviewState.PENDING:
            raise NotPendingError(f"This item was already {locked.get_review_state_display().lower()}.")
        if _author_id(locked) == by.pk:
            raise SelfReviewError("You cannot review your own work; ask another reviewer.")
        if isinstance(locked, StatusChange) and state == ReviewState.APPROVED:
            unreviewed = locked.evidence.exclude(review_state=ReviewState.APPROVED).count()
            if unreviewed:
                raise EvidenceNotApprovedError(
                    f"{unreviewed} of the attributions it cites as evidence {'is' if unreviewed == 1 else 'are'} "
                    "not approved: review the evidence first, or send the change back to have it mended."
                )
        locked.review_state = state
        locked.reviewed_by = by
        locked.reviewed_at = timezone.now()
        locked.review_note = note.strip()
        locked._history_user = by  # type: ignore[union-attr]
        locked.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])
        if isinstance(locked, StatusChange) and state == ReviewState.APPROVED:
            refresh_current_status(claim)
        if isinstance(locked, Attribution):
            refresh_search([claim.pk])
    # Keep the caller's copy true too.
    item.review_state, item.reviewed_by, item.reviewed_at = locked.review_state, by, locked.reviewed_at
    item.review_note = locked.review_note
    return locked


def approve(item: Reviewable, *, by: User, note: str = "") -> Reviewable:
    """Approve another person's pending attribution or status change."""
    return _review(item, by=by, state=ReviewState.APPROVED, note=note)


def reject(item: Reviewable, *, by: User, note: str) -> Reviewable:
    """Send back another person's pending attribution or status change, saying why."""
    if not note.strip():
        raise DomainError("Say why it is rejected, so that its author can mend it.")
    return _review(item, by=by, state=ReviewState.REJECTED, note=note)


# --- The life of an entry: the author edits, resubmits or withdraws ------------------------------------


def _lock_own(item: Reviewable, by: User) -> Reviewable:
    """The author's entry, locked, when it may still be changed: pending or rejected."""
    versions.begin_writing()  # before any row lock (versions.begin_writing)
    locked = type(item).objects.select_for_update().get(pk=item.pk)
    if _author_id(locked) != by.pk:
        raise NotAuthorError("Only its author can change this entry; propose a correction or ask them.")
    if locked.review_state in _FROZEN:
        raise FrozenError(_FROZEN[locked.review_state])
    return locked


def _resubmit(locked: Reviewable) -> None:
    """A rejected entry goes back to the queue for a new review round. The
    earlier round's decision and note stay in the entry's history."""
    if locked.review_state == ReviewState.REJECTED:
        locked.review_state = ReviewState.PENDING
        locked.reviewed_by = None
        locked.reviewed_at = None
        locked.review_note = ""
        locked.review_round += 1


@transaction.atomic
def revise_attribution(attribution: Attribution, *, by: User, **fields: Any) -> Attribution:
    """The author edits a pending attribution (it stays pending) or mends a
    rejected one (it is pending again, in a new review round)."""
    locked = _lock_own(attribution, by)
    assert isinstance(locked, Attribution)
    unknown = set(fields) - set(ATTRIBUTION_FIELDS)
    if unknown:
        raise DomainError(f"These attribution fields cannot be edited: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(locked, name, value.strip() if name == "quote" else value)
    _check_attribution(locked.actor_id, locked.via_id, locked.stated_on, locked.stated_on_precision)
    _check_figure(locked)
    _resubmit(locked)
    _apply_quote_location(locked, locked.source.body)
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    return locked


@transaction.atomic
def revise_status_change(
    change: StatusChange,
    *,
    by: User,
    status: Status,
    effective_on: datetime.date,
    rationale: str,
    effective_on_precision: str = Precision.DAY,
    evidence: Iterable[Attribution] = (),
) -> StatusChange:
    """The author edits a pending status change or mends a rejected one, as
    revise_attribution does; its evidence is replaced."""
    locked = _lock_own(change, by)
    assert isinstance(locked, StatusChange)
    evidence = _checked_status_change(locked.claim_id, effective_on, effective_on_precision, rationale, evidence)
    locked.status = status
    locked.effective_on, locked.effective_on_precision = effective_on, effective_on_precision
    locked.rationale = rationale.strip()
    _resubmit(locked)
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    locked.evidence_links.exclude(attribution__in=evidence).delete()
    kept = set(locked.evidence_links.values_list("attribution_id", flat=True))
    Evidence.objects.bulk_create(Evidence(status_change=locked, attribution=a) for a in evidence if a.pk not in kept)
    return locked


@transaction.atomic
def withdraw(item: Reviewable, *, by: User) -> Reviewable:
    """The author takes back a pending or rejected entry. It is kept, but out of
    the queue, the counts, the pages and the exports."""
    locked = _lock_own(item, by)
    locked.review_state = ReviewState.WITHDRAWN
    locked._history_user = by  # type: ignore[union-attr]
    locked.save(update_fields=["review_state"])
    item.review_state = locked.review_state
    return locked
