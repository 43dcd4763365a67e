"""Bulk entry from a timeline CSV (the format of the exports, edited in a
spreadsheet or written by hand): claims, attributions with their actors and
sources, and status changes.

Two passes. ``check`` reads the whole file and reports every bad row by line
number with its reason; it writes nothing. ``load`` runs ``check`` and, only
when the whole file is valid, writes every row through claims.services in one
transaction. Neutralised cells (a leading apostrophe before =, +, -, @, tab or
CR) are read back as they were.

The file's ids tie its rows together and are not kept: ``event_id`` names a
row for the ``evidence`` and ``corrects`` of other rows, ``claim_id`` names a
claim for the ``relations`` of others; each must name a row (or claim) of the
same file, and the entries and links are made between what the file's rows
become. ``quote_check``, ``reviewed_by`` and ``reviewed_at`` are the exporting
database's own findings and records, read over (DESIGN 8.3; docs/decisions.md).

Approval is given only by the importing user, in their own name (DESIGN 8.2):
rows load as pending unless the importing user may review. A reviewer's import
approves (or rejects) the rows so marked, each as the work of the user its
``recorded_by`` names; a row that names the importer, or no other existing
user, is the importer's own work and stays pending. The report counts what
stayed pending and why.
"""

import csv
import datetime
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.dateparse import parse_datetime

from claimtracker.accounts.roles import can_review
from claimtracker.claims import services
from claimtracker.claims.models import (
    Actor,
    ActorKind,
    Attribution,
    Certainty,
    Claim,
    FigureBound,
    QuoteKind,
    RelationKind,
    ReviewState,
    Source,
    Stance,
    Status,
    StatusChange,
)
from claimtracker.exports.csv import BOM, unneutralise
from claimtracker.exports.timeline import COLUMNS
from claimtracker.lib.dates import fits

_EVENT_ID = re.compile(r"[as][1-9][0-9]{0,18}")
_CLAIM_ID = re.compile(r"[1-9][0-9]{0,18}")
_FIGURE = re.compile(r"[0-9]{1,16}(\.[0-9]{1,4})?")  # as Attribution.figure holds it

REQUIRED = ("claim", "event_date", "date_precision", "event")
# Withdrawn entries are their author's to take back, and the exports leave them out.
IMPORTED_STATES = (ReviewState.APPROVED, ReviewState.PENDING, ReviewState.REJECTED)
MAX_BYTES = 50 * 1024 * 1024
MAX_CELL = 10_000
MAX_PROBLEMS = 200  # kept and shown; the rest are counted


@dataclass
class Problem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


# Why a row marked approved or rejected stays pending.
CANNOT_REVIEW = "{user} may not review"
OWN_WORK = "their recorded_by is {user}, and nobody reviews their own work"
NO_OTHER_AUTHOR = (
    "their recorded_by names no existing user, so {user} is their author, and nobody reviews their own work"
)


@dataclass
class Report:
    # The first MAX_PROBLEMS problems, in the order of the file; problem_count counts them all.
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows: int = 0  # valid rows
    claims: int = 0
    attributions: int = 0
    status_changes: int = 0
    # Valid rows by what they are marked (review_state) and who recorded them (recorded_by).
    marks: Counter[tuple[str, str]] = field(default_factory=Counter)
    # What the rows become for the importing user (known when check is given one).
    importer: str = ""
    approved: int = 0
    rejected: int = 0
    pending: int = 0
    held: dict[str, int] = field(default_factory=dict)  # reason -> rows marked reviewed that stay pending

    @property
    def ok(self) -> bool:
        return not self.problem_count

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    @property
    def unshown(self) -> int:
        """Problems counted but not kept."""
        return self.problem_count - len(self.problems)

    def summary(self) -> str:
        if self.problem_count:
            return f"{self.problem_count} problem(s); nothing was imported."
        text = (
            f"{self.rows} rows: {self.claims} new claim(s), {self.attributions} attribution(s), "
            f"{self.status_changes} status change(s)."
        )
        return f"{text} {self.outcome()}" if self.importer else text

    def outcome(self) -> str:
        """What the rows become: who approves, and why rows stay pending."""
        text = (
            f"{self.approved} approved and {self.rejected} rejected by {self.importer}, {self.pending} pending review."
        )
        for reason, count in self.held.items():
            text += f" {count} row(s) marked approved or rejected stay pending: {reason}."
        return text


def size_of(file: IO[bytes]) -> int:
    """The length of a seekable file, which is left at its start."""
    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    return size


def _lines(file: IO[bytes], report: Report) -> Iterator[str]:
    """The file's lines, decoded one at a time (a lone CR ends a line too), until
    the first line that is not UTF-8 or holds a NUL byte, which is reported."""
    number = 0
    for raw in file:
        if number == 0:
            raw = raw.removeprefix(BOM.encode())
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            report.add(
                Problem(number + 1, "wrong encoding: the file is not UTF-8 (save it from the spreadsheet as CSV UTF-8)")
            )
            return
        for line in filter(None, _LONE_CR.split(text)) if "\r" in text else (text,):
            number += 1
            if "\x00" in line:
                report.add(Problem(number, "NUL bytes are not allowed"))
                return
            yield line


_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


def _read(file: IO[bytes], report: Report) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows with the line each starts on, read as they come: memory
    stays flat whatever the file's size. Bad rows are reported and skipped."""
    file.seek(0)
    if size_of(file) > MAX_BYTES:
        report.add(Problem(1, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB"))
        return
    reader = csv.reader(_lines(file, report), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            if not report.problem_count:
                report.add(Problem(1, "the file is empty"))
            return
        missing = [name for name in REQUIRED if name not in header]
        unknown = [name for name in header if name not in COLUMNS]
        if missing or unknown:
            parts = [f"missing {', '.join(missing)}"] if missing else []
            parts += [f"unknown {', '.join(unknown)}"] if unknown else []
            detail = "; ".join(parts)
            report.add(Problem(1, f"the header does not match the export's columns ({detail})"))
            return
        start = reader.line_num + 1
        for cells in reader:
            if len(cells) != len(header):
                report.add(Problem(start, f"expected {len(header)} cells, found {len(cells)}"))
            else:
                yield start, {name: unneutralise(value) for name, value in zip(header, cells, strict=True)}
            start = reader.line_num + 1
    except csv.Error as error:
        report.add(Problem(reader.line_num, f"broken quoting ({error})"))


def _date(value: str, precision: str) -> datetime.date:
    parts = value.split("-")
    expected = {"year": 1, "month": 2, "day": 3}.get(precision)
    if expected is None:
        raise ValueError(f"bad date precision {precision!r} (day, month or year)")
    if len(parts) != expected or not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(f"bad date {value!r} for {precision} precision")
    numbers = [int(part) for part in parts] + [1] * (3 - expected)
    try:
        day = datetime.date(*numbers)
    except ValueError:
        raise ValueError(f"bad date {value!r}: no such day") from None
    if not fits(day, precision):
        raise ValueError(f"bad date {value!r} for {precision} precision")
    return day


@dataclass
class _Context:
    create_missing: bool
    actors: dict[str, Actor]
    statuses: dict[str, Status]
    seen: set[bytes]  # a digest of each row's identity, to find duplicates
    events: dict[str, str] = field(default_factory=dict)  # event_id -> its row's claim
    claim_ids: dict[str, str] = field(default_factory=dict)  # claim_id -> the claim it names in the file
    # (line, what, event or claim id, the claim of the row that refers): checked once the whole file is read.
    references: list[tuple[int, str, str, str]] = field(default_factory=list)


def _figure(row: dict[str, str]) -> tuple[Decimal | None, str, str]:
    """The row's figure, how it is given and its unit: all three, or none."""
    text, bound, unit = row.get("figure", ""), row.get("figure_bound", ""), row.get("figure_unit", "")
    if not text:
        if bound or unit:
            raise ValueError("figure_bound and figure_unit need a figure")
        return None, "", ""
    if not _FIGURE.fullmatch(text):
        raise ValueError(f"bad figure {text[:40]!r} (a number such as 10000 or 2.5, no separators)")
    if bound not in FigureBound.values:
        raise ValueError(f"bad figure_bound {bound!r} ({', '.join(FigureBound.values)})")
    if len(unit) > 50:
        raise ValueError("figure_unit is longer than 50 characters")
    return Decimal(text), bound, unit  # the pattern admits only numbers


def _event_ids(text: str) -> list[str]:
    ids = text.split()
    if not all(_EVENT_ID.fullmatch(i) for i in ids):
        raise ValueError(f"bad event ids {text[:60]!r} (such as a12 or s3, separated by spaces)")
    return ids


def _relations(text: str) -> list[tuple[str, str]]:
    """``kind:claim_id`` pairs, separated by spaces."""
    pairs = []
    for token in text.split():
        kind, _, claim_id = token.partition(":")
        if kind not in RelationKind.values or not _CLAIM_ID.fullmatch(claim_id):
            raise ValueError(
                f"bad relation {token[:60]!r} (kind:claim_id, the kind one of {', '.join(RelationKind.values)})"
            )
        pairs.append((kind, claim_id))
    return pairs


def _check_ids(row: dict[str, str], event: str, line: int, context: _Context) -> None:
    """The row's own ids, and the ids it refers to (checked at the end of the file)."""
    claim = row["claim"]
    if claim_id := row.get("claim_id", ""):
        if not _CLAIM_ID.fullmatch(claim_id):
            raise ValueError(f"bad claim_id {claim_id[:40]!r}")
        if context.claim_ids.setdefault(claim_id, claim) != claim:
            raise ValueError(f"claim_id {claim_id} names another claim on an earlier row")
    if event_id := row.get("event_id", ""):
        if not _EVENT_ID.fullmatch(event_id) or event_id[0] != event[0]:
            raise ValueError(f"bad event_id {event_id[:40]!r} ({event[0]} and a number, for a row of {event})")
        if event_id in context.events:
            raise ValueError(f"event_id {event_id} is given to an earlier row")
        context.events[event_id] = claim
    if corrects := row.get("corrects", ""):
        if not _EVENT_ID.fullmatch(corrects) or corrects[0] != event[0] or corrects == event_id:
            raise ValueError(f"bad corrects {corrects[:40]!r} (the event_id of another {event} of the claim)")
        context.references.append((line, "corrects", corrects, claim))
    if evidence := row.get("evidence", ""):
        if event != "status_change" or any(i[0] != "a" for i in _event_ids(evidence)):
            raise ValueError("evidence names attributions (a12 a15), and only on a status change")
        context.references.extend((line, "evidence", i, claim) for i in evidence.split())
    for _kind, claim_id in _relations(row.get("relations", "")):
        if claim_id == row.get("claim_id"):
            raise ValueError("a claim cannot be related to itself")
        context.references.append((line, "relations", claim_id, claim))


def _check_references(context: _Context, report: Report) -> None:
    for line, what, target, claim in context.references:
        named = context.claim_ids if what == "relations" else context.events
        if target not in named:
            kind = "claim_id" if what == "relations" else "event_id"
            report.add(Problem(line, f"{what} names {target}, which no row of the file has as its {kind}"))
        elif what != "relations" and named[target] != claim:
            report.add(Problem(line, f"{what} names {target}, an entry of another claim"))


def _actors_by_name() -> dict[str, Actor]:
    """Every actor under its name and each alias, case-folded."""
    actors: dict[str, Actor] = {}
    for actor in Actor.objects.prefetch_related("aliases"):
        for name in (actor.name, *(alias.name for alias in actor.aliases.all())):
            actors.setdefault(name.casefold(), actor)
    return actors


def _statuses_by_name() -> dict[str, Status]:
    """Every status under its label (case-folded) and its slug."""
    statuses = list(Status.objects.all())
    return {s.label.casefold(): s for s in statuses} | {s.slug: s for s in statuses}


def _actor(name: str, context: _Context, what: str) -> None:
    if name and name.casefold() not in context.actors and not context.create_missing:
        raise ValueError(f"unknown {what} {name!r} (add the actor first, or allow creating missing actors)")


def _check_row(row: dict[str, str], line: int, context: _Context) -> str:
    for name, value in row.items():
        if len(value) > MAX_CELL:
            raise ValueError(f"{name} is longer than {MAX_CELL} characters")
    if not row["claim"].strip():
        raise ValueError("claim is empty")
    _date(row["event_date"], row["date_precision"])
    state = row.get("review_state") or ReviewState.APPROVED
    if state not in IMPORTED_STATES:
        raise ValueError(f"bad review_state {state!r} (approved, pending or rejected)")
    event = row["event"]
    key: tuple[Any, ...]
    if event == "attribution":
        _actor(row.get("actor", ""), context, "actor")
        if not row.get("actor"):
            raise ValueError("actor is empty")
        _actor(row.get("via", ""), context, "intermediary")
        for name, choices in (("stance", Stance), ("certainty", Certainty), ("quote_kind", QuoteKind)):
            value = row.get(name, "")
            if value not in choices.values and not (name != "stance" and value == ""):
                raise ValueError(f"bad {name} {value!r} ({', '.join(choices.values)})")
        if not row.get("source_title"):
            raise ValueError("source_title is empty")
        if row.get("source_url"):
            try:
                URLValidator(schemes=["http", "https"])(row["source_url"])
            except ValidationError:
                raise ValueError(f"bad source_url {row['source_url']!r}") from None
        if row.get("source_published_at") and parse_datetime(row["source_published_at"]) is None:
            raise ValueError(f"bad source_published_at {row['source_published_at']!r}")
        _actor(row.get("source_publisher", ""), context, "publisher")
        _figure(row)
        key = (
            "a",
            row["claim"],
            row["actor"],
            row.get("source_title"),
            row["stance"],
            row["event_date"],
            row.get("quote"),
            row.get("figure"),
            row.get("figure_bound"),
            row.get("figure_unit"),
            row.get("corrects"),
        )
    elif event == "status_change":
        if row.get("status", "").casefold() not in context.statuses:
            raise ValueError(f"unknown status {row.get('status')!r}")
        if not row.get("rationale", "").strip():
            raise ValueError("rationale is empty: a status change needs one")
        if row.get("figure") or row.get("figure_bound") or row.get("figure_unit"):
            raise ValueError("a status change gives no figure")
        key = ("s", row["claim"], row["status"], row["event_date"], row["rationale"], row.get("corrects"))
    else:
        raise ValueError(f"bad event {event!r} (attribution or status_change)")
    _check_ids(row, event, line, context)
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).digest()
    if digest in context.seen:
        raise ValueError("duplicate of an earlier row")
    context.seen.add(digest)
    return event


def check(file: IO[bytes] | bytes, *, create_missing: bool = False, by: User | None = None) -> Report:
    """Read and validate the whole file; write nothing. Given the importing
    user, the report also says what the rows would become for them."""
    if isinstance(file, bytes):
        file = io.BytesIO(file)
    report = Report()
    context = _Context(create_missing, _actors_by_name(), _statuses_by_name(), set())
    claims: set[str] = set()
    for line, row in _read(file, report):
        try:
            event = _check_row(row, line, context)
        except ValueError as error:
            report.add(Problem(line, str(error)))
            continue
        report.rows += 1
        report.marks[row.get("review_state") or ReviewState.APPROVED, row.get("recorded_by", "")] += 1
        claims.add(row["claim"])
        if event == "attribution":
            report.attributions += 1
        else:
            report.status_changes += 1
    _check_references(context, report)
    report.claims = len(claims) - _existing(claims)
    if not report.rows and not report.problem_count:
        report.add(Problem(2, "the file has no rows"))
    if by is not None and report.ok:
        _plan(report, by)
    return report


def _existing(texts: set[str]) -> int:
    """How many of the claims are already stored (asked in batches)."""
    ordered = sorted(texts)
    return sum(
        Claim.objects.filter(text__in=ordered[at : at + 500]).values("text").distinct().count()
        for at in range(0, len(ordered), 500)
    )


@dataclass
class _Plan:
    """Who is each row's author and what it becomes when ``by`` imports it.
    Only ``by`` approves or rejects, and never their own work."""

    by: User
    reviews: bool
    users: dict[str, User]

    def entry(self, marked: str, recorded_by: str) -> tuple[User, str, str | None]:
        """The row's author, the state it gets, and why it stays pending when it is marked reviewed."""
        author = self.users.get(recorded_by, self.by)
        reason = None
        if not self.reviews:
            author, reason = self.by, CANNOT_REVIEW
        elif author.pk == self.by.pk:
            reason = OWN_WORK if recorded_by == self.by.get_username() else NO_OTHER_AUTHOR
        return author, marked if reason is None else ReviewState.PENDING, reason


def _plan(report: Report, by: User) -> _Plan:
    """The plan for ``by``, with what the rows become counted in the report."""
    reviews = can_review(by)
    named = {recorded_by for _, recorded_by in report.marks} - {""}
    users = {user.get_username(): user for user in User.objects.filter(username__in=named)} if reviews else {}
    plan = _Plan(by, reviews, users)
    report.importer = by.get_username()
    report.approved = report.rejected = report.pending = 0
    report.held = {}
    for (marked, recorded_by), count in report.marks.items():
        _author, state, reason = plan.entry(marked, recorded_by)
        if marked != ReviewState.PENDING and reason is not None:
            held = reason.format(user=report.importer)
            report.held[held] = report.held.get(held, 0) + count
        report.approved += count * (state == ReviewState.APPROVED)
        report.rejected += count * (state == ReviewState.REJECTED)
        report.pending += count * (state == ReviewState.PENDING)
    return plan


def load(file: IO[bytes] | bytes, *, by: User, create_missing: bool = False) -> Report:
    """Import the file when every row is valid, through the services, in one
    transaction, as ``by``: rows marked approved or rejected are reviewed by
    ``by`` when they may review and the row is another user's work (its
    ``recorded_by``); every other row stays pending. The file is read twice
    (checked, then written), never held whole."""
    if isinstance(file, bytes):
        file = io.BytesIO(file)
    report = check(file, create_missing=create_missing)
    if not report.ok:
        return report
    plan = _plan(report, by)
    try:
        with transaction.atomic(), services.refreshed_once():
            _write(_read(file, Report()), plan, by=by)
    except _Failed as failed:
        report.add(failed.problem)
    return report


class _Failed(Exception):
    """A row the services refused while writing: the whole import is undone."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _write(rows: Iterator[tuple[int, dict[str, str]]], plan: _Plan, *, by: User) -> None:
    claims: dict[str, Claim] = {}
    actors = _actors_by_name()
    statuses = _statuses_by_name()
    sources: dict[tuple[str, str], Source] = {}
    # What the file's ids became, and the rows waiting for an entry they refer to.
    entries: dict[str, Attribution | StatusChange] = {}
    waiting: dict[str, list[tuple[int, dict[str, str]]]] = {}
    links: dict[tuple[str, str], str] = {}  # (claim_id, claim_id) -> kind, in the file's ids
    file_claims: dict[str, Claim] = {}

    def get_actor(name: str, kind: str = ActorKind.OTHER) -> Actor:
        if name.casefold() not in actors:
            actors[name.casefold()] = services.save_actor(Actor(name=name, kind=kind), by=by)
        return actors[name.casefold()]

    def get_source(row: dict[str, str]) -> Source:
        key = (row["source_title"], row.get("source_url", ""))
        if key not in sources:
            found = (
                Source.objects.filter(url=key[1]).first()
                if key[1]
                else Source.objects.filter(title=key[0], url="").first()
            )
            if found is None:
                publisher = row.get("source_publisher", "")
                published = row.get("source_published_at", "")
                found = services.save_source(
                    Source(
                        title=key[0],
                        url=key[1],
                        publisher=get_actor(publisher, ActorKind.MEDIA_OUTLET) if publisher else None,
                        published_at=parse_datetime(published) if published else None,
                    ),
                    by=by,
                )
            sources[key] = found
        return sources[key]

    def get_claim(row: dict[str, str]) -> Claim:
        claim = claims.get(row["claim"])
        if claim is None:
            claim = Claim.objects.filter(text=row["claim"]).first() or services.create_claim(text=row["claim"], by=by)
            claims[row["claim"]] = claim
        if row.get("claim_id"):
            file_claims[row["claim_id"]] = claim
            for kind, other in _relations(row.get("relations", "")):
                links[row["claim_id"], other] = kind
        return claim

    def write(line: int, row: dict[str, str]) -> None:
        claim = claims[row["claim"]]
        author, state, _reason = plan.entry(row.get("review_state") or ReviewState.APPROVED, row.get("recorded_by", ""))
        precision = row["date_precision"]
        day = _date(row["event_date"], precision)
        corrects = entries.get(row.get("corrects", ""))
        item: Attribution | StatusChange
        if row["event"] == "attribution":
            figure, bound, unit = _figure(row)
            fields: dict[str, Any] = {
                "actor": get_actor(row["actor"]),
                "via": get_actor(row["via"]) if row.get("via") else None,
                "source": get_source(row),
                "stance": row["stance"],
                "certainty": row.get("certainty") or Certainty.UNSPECIFIED,
                "quote": row.get("quote", ""),
                "quote_kind": row.get("quote_kind") or QuoteKind.DIRECT,
                "stated_on": day,
                "stated_on_precision": precision,
                "figure": figure,
                "figure_bound": bound,
                "figure_unit": unit,
                "by": author,
            }
            if isinstance(corrects, Attribution):
                item = services.correct_attribution(corrects, **fields)
            else:
                item = services.add_attribution(claim, **fields)
        else:
            cited = [entries[i] for i in row.get("evidence", "").split()]
            item = services.propose_status_change(
                claim,
                status=statuses[row["status"].casefold()],
                effective_on=day,
                effective_on_precision=precision,
                rationale=row["rationale"],
                evidence=[a for a in cited if isinstance(a, Attribution)],
                corrects=corrects if isinstance(corrects, StatusChange) else None,
                by=author,
            )
        if state == ReviewState.APPROVED:
            services.approve(item, by=by, note="Imported.")
        elif state == ReviewState.REJECTED:
            services.reject(item, by=by, note="Imported as rejected.")
        if event_id := row.get("event_id"):
            entries[event_id] = item
            for later in waiting.pop(event_id, []):
                take(*later)

    def take(line: int, row: dict[str, str]) -> None:
        """Write the row, or keep it until the entries it refers to are written."""
        needed = [row.get("corrects", ""), *row.get("evidence", "").split()]
        missing = next((i for i in needed if i and i not in entries), None)
        if missing is not None:
            waiting.setdefault(missing, []).append((line, row))
            return
        try:
            write(line, row)
        except services.DomainError as error:
            raise _Failed(Problem(line, str(error))) from None

    for line, row in rows:
        get_claim(row)  # claims are made in the order of the file, whichever rows wait
        take(line, row)
    for rows_waiting in waiting.values():  # only a cycle of corrections is left waiting
        line, _ = rows_waiting[0]
        raise _Failed(Problem(line, "the rows' corrects go round in a circle"))
    for (first, second), kind in links.items():
        try:
            services.add_relation(file_claims[first], file_claims[second], kind=kind, by=by)
        except services.DomainError as error:
            existing = file_claims[first].relations_out.filter(to_claim=file_claims[second], kind=kind).exists()
            if not existing:  # linked already as the file has it: nothing to add
                raise _Failed(Problem(1, f"claims {first} and {second}: {error}")) from None
