"""Bulk entry from a timeline CSV (the format of the exports, edited in a
spreadsheet or written by hand): claims, attributions with their actors and
sources, and status changes.

Two passes. ``check`` reads the whole file and reports every bad row by line
number with its reason; it writes nothing. ``load`` runs ``check`` and, only
when the whole file is valid, writes every row through claims.services in one
transaction. Neutralised cells (a leading apostrophe before =, +, -, @, tab or
CR) are read back as they were.
"""

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.dateparse import parse_datetime

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
from claimtracker.exports.csv import BOM, FORMULA_TRIGGERS
from claimtracker.exports.timeline import COLUMNS
from claimtracker.lib.dates import fits

REQUIRED = ("claim", "event_date", "date_precision", "event")
MAX_BYTES = 50 * 1024 * 1024
MAX_CELL = 10_000


@dataclass
class Problem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    claims: int = 0
    attributions: int = 0
    status_changes: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return f"{len(self.problems)} problem(s); nothing was imported."
        return (
            f"{len(self.rows)} rows: {self.claims} new claim(s), {self.attributions} attribution(s), "
            f"{self.status_changes} status change(s)."
        )


def _unneutralise(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] and value[1:2] in FORMULA_TRIGGERS else value


def _read(data: bytes, report: Report) -> Iterator[tuple[int, dict[str, str]]]:
    if len(data) > MAX_BYTES:
        report.problems.append(Problem(1, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB"))
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.problems.append(
            Problem(line, "wrong encoding: the file is not UTF-8 (save it from the spreadsheet as CSV UTF-8)")
        )
        return
    text = text.removeprefix(BOM)
    for number, text_line in enumerate(text.split("\n"), start=1):
        if "\x00" in text_line:
            report.problems.append(Problem(number, "NUL bytes are not allowed"))
    if report.problems:
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            report.problems.append(Problem(1, "the file is empty"))
            return
        missing = [name for name in REQUIRED if name not in header]
        unknown = [name for name in header if name not in COLUMNS]
        if missing or unknown:
            parts = [f"missing {', '.join(missing)}"] if missing else []
            parts += [f"unknown {', '.join(unknown)}"] if unknown else []
            detail = "; ".join(parts)
            report.problems.append(Problem(1, f"the header does not match the export's columns ({detail})"))
            return
        start = reader.line_num + 1
        for cells in reader:
            if len(cells) != len(header):
                report.problems.append(Problem(start, f"expected {len(header)} cells, found {len(cells)}"))
            else:
                yield start, {name: _unneutralise(value) for name, value in zip(header, cells, strict=True)}
            start = reader.line_num + 1
    except csv.Error as error:
        report.problems.append(Problem(reader.line_num, f"broken quoting ({error})"))


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
    seen: set[tuple[Any, ...]]


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
    if state not in ReviewState.values:
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
    if key in context.seen:
        raise ValueError("duplicate of an earlier row")
    context.seen.add(key)
    return event


def check(data: bytes, *, create_missing: bool = False) -> Report:
    """Read and validate the whole file; write nothing."""
    report = Report()
    context = _Context(create_missing, _actors_by_name(), _statuses_by_name(), set())
    existing_claims = set(Claim.objects.values_list("text", flat=True))
    new_claims: set[str] = set()
    for line, row in _read(data, report):
        try:
            event = _check_row(row, context)
        except ValueError as error:
            report.problems.append(Problem(line, str(error)))
            continue
        report.rows.append((line, row))
        if row["claim"] not in existing_claims:
            new_claims.add(row["claim"])
        if event == "attribution":
            report.attributions += 1
        else:
            report.status_changes += 1
    report.claims = len(new_claims)
    if not report.rows and not report.problems:
        report.problems.append(Problem(2, "the file has no rows"))
    return report


def load(data: bytes, *, by: User, reviewer: User | None = None, create_missing: bool = False) -> Report:
    """Import the file when every row is valid, through the services, in one
    transaction. Rows marked approved are approved by ``reviewer`` (who must not
    be ``by``); without one they stay pending."""
    report = check(data, create_missing=create_missing)
    if not report.ok:
        return report
    if reviewer is not None and reviewer.pk == by.pk:
        report.problems.append(Problem(1, "the reviewer must be someone other than the importing user"))
        return report
    with transaction.atomic():
        _write(report, by=by, reviewer=reviewer)
    return report


def _write(report: Report, *, by: User, reviewer: User | None) -> None:
    claims = {claim.text: claim for claim in Claim.objects.all()}
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

    for _line, row in report.rows:
        claim = claims.get(row["claim"])
        if claim is None:
            claim = claims[row["claim"]] = services.create_claim(text=row["claim"], by=by)
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
                by=by,
            )
        else:
            item = services.propose_status_change(
                claim,
                status=statuses[row["status"].casefold()],
                effective_on=day,
                effective_on_precision=precision,
                rationale=row["rationale"],
                by=by,
            )
        state = row.get("review_state") or ReviewState.APPROVED
        if reviewer is not None and state == ReviewState.APPROVED:
            services.approve(item, by=reviewer, note="Imported.")
        elif reviewer is not None and state == ReviewState.REJECTED:
            services.reject(item, by=reviewer, note="Imported as rejected.")
