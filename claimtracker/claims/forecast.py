"""The outcome of a forecast: a claim with a due date, judged by its status
history (DESIGN 8.3; the rules in docs/decisions.md, "Forecast outcomes").

- no status yet, or an open verdict: ``open`` until the due date has passed,
  then ``overdue`` by the days since it;
- a true verdict: resolved on the day the claim's current run of true
  statuses began (a date of month or year precision counts from the start of
  its period, as it is stored): ``resolved_early`` by the days before the due
  date, ``resolved_on_time`` on it, ``resolved_late`` by the days after;
- a false or withdrawn verdict (shown untrue, retracted, superseded): ``failed``.

``days`` is never negative: how early, how late or how long overdue; 0 otherwise.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

from claimtracker.claims.models import Verdict


class Outcome(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED_EARLY = "resolved_early", "Came true early"
    RESOLVED_ON_TIME = "resolved_on_time", "Came true on time"
    RESOLVED_LATE = "resolved_late", "Came true late"
    OVERDUE = "overdue", "Overdue"
    FAILED = "failed", "Did not come true"


@dataclass(frozen=True)
class Forecast:
    due_on: datetime.date
    outcome: Outcome
    days: int

    def __str__(self) -> str:
        """In words: "came true 61 days early", "overdue by 2 years"."""
        span = _span(self.days)
        return {
            Outcome.OPEN: "open",
            Outcome.RESOLVED_EARLY: f"came true {span} early",
            Outcome.RESOLVED_ON_TIME: "came true on its due date",
            Outcome.RESOLVED_LATE: f"came true {span} late",
            Outcome.OVERDUE: f"overdue by {span}",
            Outcome.FAILED: "did not come true",
        }[self.outcome]

    def as_json(self) -> dict[str, object]:
        return {"due_on": self.due_on.isoformat(), "outcome": self.outcome.value, "days": self.days}


def _span(days: int) -> str:
    """Days as a reader says them: up to 90 in days, then months, then years."""
    if days < 91:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 730:
        months = round(days / 30.44)
        return f"{months} months"
    years = days // 365
    return f"{years} years"


def resolved_on(changes: Iterable[tuple[datetime.date, str]]) -> datetime.date | None:
    """The day the claim's current run of true verdicts began, given its status
    changes (effective date, verdict) in timeline order; None when its latest
    verdict is not true."""
    start = None
    for effective_on, verdict in changes:
        if verdict != Verdict.TRUE:
            start = None
        elif start is None:
            start = effective_on
    return start


def judge(
    due_on: datetime.date | None, verdict: str | None, resolved: datetime.date | None, on: datetime.date
) -> Forecast | None:
    """The forecast's outcome on the day ``on``, from its current verdict (None:
    no status yet) and the day its current run of true verdicts began. None for a
    claim without a due date."""
    if due_on is None:
        return None
    if verdict == Verdict.TRUE and resolved is not None:
        if resolved < due_on:
            return Forecast(due_on, Outcome.RESOLVED_EARLY, (due_on - resolved).days)
        if resolved > due_on:
            return Forecast(due_on, Outcome.RESOLVED_LATE, (resolved - due_on).days)
        return Forecast(due_on, Outcome.RESOLVED_ON_TIME, 0)
    if verdict in (Verdict.FALSE, Verdict.WITHDRAWN):
        return Forecast(due_on, Outcome.FAILED, 0)
    if on > due_on:
        return Forecast(due_on, Outcome.OVERDUE, (on - due_on).days)
    return Forecast(due_on, Outcome.OPEN, 0)
