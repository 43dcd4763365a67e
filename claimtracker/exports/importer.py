"""Bulk entry from a timeline CSV (the format of the exports, edited in a
spreadsheet or written by hand): claims, attributions with their actors and
sources, and status changes.

Two passes. ``check`` reads the whole file and reports every bad row by line
number with its reason; it writes nothing. ``load`` runs ``check`` and, only
when the whole file is valid, writes every row through claims.services in one
transaction. Neutralised cells (a leading apostrophe before =, +, -, @, tab or
CR) are read back as they were.

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
    Certainty,
    Claim,
    QuoteKind,
    ReviewState,
    Source,
    Stance,
    Status,
)
from claimtracker.exports.csv import BOM, unneutralise
from claimtracker.exports.timeline import COLUMNS
from claimtracker.lib.dates import fits

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


def _check_row(row: dict[str, str], context: _Context) -> str:
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
        key = (
            "a",
            row["claim"],
            row["actor"],
            row.get("source_title"),
            row["stance"],
            row["event_date"],
            row.get("quote"),
        )
    elif event == "status_change":
        if row.get("status", "").casefold() not in context.statuses:
            raise ValueError(f"unknown status {row.get('status')!r}")
        if not row.get("rationale", "").strip():
            raise ValueError("rationale is empty: a status change needs one")
        key = ("s", row["claim"], row["status"], row["event_date"], row["rationale"])
    else:
        raise ValueError(f"bad event {event!r} (attribution or status_change)")
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
            event = _check_row(row, context)
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
    with transaction.atomic(), services.refreshed_once():
        _write(_read(file, Report()), plan, by=by)
    return report


def _write(rows: Iterator[tuple[int, dict[str, str]]], plan: _Plan, *, by: User) -> None:
    claims: dict[str, Claim] = {}
    actors = _actors_by_name()
    statuses = _statuses_by_name()
    sources: dict[tuple[str, str], Source] = {}

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

    for _line, row in rows:
        author, state, _reason = plan.entry(row.get("review_state") or ReviewState.APPROVED, row.get("recorded_by", ""))
        claim = claims.get(row["claim"])
        if claim is None:
            claim = Claim.objects.filter(text=row["claim"]).first() or services.create_claim(text=row["claim"], by=by)
            claims[row["claim"]] = claim
        precision = row["date_precision"]
        day = _date(row["event_date"], precision)
        item: Any
        if row["event"] == "attribution":
            item = services.add_attribution(
                claim,
                actor=get_actor(row["actor"]),
                via=get_actor(row["via"]) if row.get("via") else None,
                source=get_source(row),
                stance=row["stance"],
                certainty=row.get("certainty") or Certainty.UNSPECIFIED,
                quote=row.get("quote", ""),
                quote_kind=row.get("quote_kind") or QuoteKind.DIRECT,
                stated_on=day,
                stated_on_precision=precision,
                by=author,
            )
        else:
            item = services.propose_status_change(
                claim,
                status=statuses[row["status"].casefold()],
                effective_on=day,
                effective_on_precision=precision,
                rationale=row["rationale"],
                by=author,
            )
        if state == ReviewState.APPROVED:
            services.approve(item, by=by, note="Imported.")
        elif state == ReviewState.REJECTED:
            services.reject(item, by=by, note="Imported as rejected.")
