"""Views of the past (DESIGN 8.3): the record as of a date, and as it was known
on a date.

- ``as_of``: what the record, as it now stands, says was so on that day: the
  stances stated and the status changes effective on or before it. A date of
  month or year precision is stored as the first day of its period, so it
  counts from the start of the period: "October 2024" is in the view as of
  1 October 2024.
- ``known``: what the desk had approved by the end of that day (in the
  newsroom's time zone, settings.TIME_ZONE): entries recorded and approved by
  then, with the corrections approved after it ignored, so the entries they
  replace stand again.

Both may be given; each narrows the other. A view of the past shows approved
entries only, as a reader saw them, whoever asks. The rules are in
docs/decisions.md ("Views of the past").
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from claimtracker.claims.models import DESK_STATES, Attribution, ReviewState, StatusChange

M = TypeVar("M", Attribution, StatusChange)

PARAMETERS = ("as_of", "known")
# The parameters as the claim page's date picker labels them, for its messages.
PICKER_LABELS = {"as_of": "As of", "known": "As known on"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST = datetime.date(1900, 1, 1)


class BadMoment(ValueError):
    """A date that is not a real ISO date, said so that a person can mend it."""


def day(name: str, text: str) -> datetime.date | None:
    """The day ``text`` names, for the parameter called ``name``; None when empty.
    Raises BadMoment."""
    text = text.strip()
    if not text:
        return None
    if not _ISO_DATE.fullmatch(text):
        raise BadMoment(f"{name} must be a date written YYYY-MM-DD, such as 2024-10-25, not {text[:40]!r}.")
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise BadMoment(f"{name}: there is no day {text}.") from None
    if day < EARLIEST:
        raise BadMoment(f"{name}: {text} is before {EARLIEST.year}; nothing is recorded that early.")
    if day > (today := timezone.localdate()):
        raise BadMoment(f"{name}: {text} is after today ({today.isoformat()}); the record does not reach it yet.")
    return day


@dataclass(frozen=True)
class Moment:
    as_of: datetime.date | None = None
    known: datetime.date | None = None

    @classmethod
    def parse(cls, params: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> "Moment":
        """From a query string; raises BadMoment, naming a parameter by its
        ``labels`` where given. Empty values mean today."""
        labels = labels or {}
        return cls(*(day(labels.get(name, name), str(params.get(name) or "")) for name in PARAMETERS))

    @property
    def past(self) -> bool:
        return self.as_of is not None or self.known is not None

    @property
    def known_until(self) -> datetime.datetime | None:
        """The first instant after the ``known`` day, in the newsroom's time zone."""
        if self.known is None:
            return None
        zone = ZoneInfo(settings.TIME_ZONE)
        return datetime.datetime.combine(self.known + datetime.timedelta(days=1), datetime.time(), zone)

    def judged_on(self) -> datetime.date:
        """The day a forecast is judged on: the view's day, else today."""
        days = [day for day in (self.as_of, self.known) if day is not None]
        return min(days) if days else timezone.localdate()

    def query(self) -> str:
        """The view's parameters for links that keep it: "as_of=2024-10-24"."""
        return "&".join(f"{name}={day.isoformat()}" for name, day in self.items())

    def items(self) -> list[tuple[str, datetime.date]]:
        return [(name, day) for name, day in zip(PARAMETERS, (self.as_of, self.known), strict=True) if day]

    # --- Applied to entries ---------------------------------------------------------------

    def _recorded(self, model: type[M]) -> Q:
        until = self.known_until
        if until is None:
            return Q()
        made = "created_at" if model is Attribution else "recorded_at"
        return Q(**{f"{made}__lt": until, "reviewed_at__lt": until})

    def _dated(self, model: type[M]) -> Q:
        if self.as_of is None:
            return Q()
        return Q(**{f"{'stated_on' if model is Attribution else 'effective_on'}__lte": self.as_of})

    def corrected(self, model: type[M]) -> Exists:
        """True for an entry that a correction approved by then replaces."""
        corrections = model.objects.filter(corrects=OuterRef("pk"), review_state=ReviewState.APPROVED)
        return Exists(corrections.filter(self._recorded(model)))

    def visible(self, queryset: QuerySet[M]) -> QuerySet[M]:
        """The entries of the view: approved (by then), dated by then. Corrected
        entries stay, to be shown struck through."""
        model = queryset.model
        return queryset.filter(self._dated(model), self._recorded(model), review_state=ReviewState.APPROVED)

    def listed(self, queryset: QuerySet[M], include_pending: bool) -> QuerySet[M]:
        """What a page or an export lists: the view's entries, and today, with
        ``include_pending``, those in review or rejected too (never withdrawn ones,
        which show only in their author's list)."""
        if include_pending and not self.past:
            return queryset.filter(review_state__in=DESK_STATES)
        return self.visible(queryset)

    def standing(self, queryset: QuerySet[M]) -> QuerySet[M]:
        """The entries of the view that count: those no correction approved by then replaces."""
        return self.visible(queryset).exclude(self.corrected(queryset.model))


TODAY = Moment()
