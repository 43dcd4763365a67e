"""Calendar dates with a precision: a day, a month or a year.

A date of month precision is stored as the first of its month, a date of year
precision as the first of January, so that dates sort and compare as plain
dates. ``fits`` says whether a date has that shape; the database holds the same
rule through ``precision_constraints``.
"""

import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.expressions import Func, Value
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.deconstruct import deconstructible


class Precision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def after_today(value: datetime.date) -> bool:
    """Whether a day has not come yet, wherever in the world: the desk records
    what has happened, with a day's slack for the time zones it reports."""
    return value > timezone.localdate() + datetime.timedelta(days=1)


def truncate(value: datetime.date, precision: str) -> datetime.date:
    """The date as it is stored for ``precision``: 2024-10-21, month -> 2024-10-01."""
    if precision == Precision.YEAR:
        return value.replace(month=1, day=1)
    if precision == Precision.MONTH:
        return value.replace(day=1)
    return value


def fits(value: datetime.date, precision: str) -> bool:
    return precision in Precision.values and truncate(value, precision) == value


def format_date(value: datetime.date | None, precision: str) -> str:
    """A date as a reader should see it: "21 Oct 2024", "Oct 2024" or "2024"."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return f"{value.year}"
    if precision == Precision.MONTH:
        return value.strftime("%b %Y")
    return f"{value.day} {value.strftime('%b %Y')}"


def iso_date(value: datetime.date | None, precision: str) -> str:
    """ISO 8601 reduced to the precision: "2024-10-21", "2024-10" or "2024"."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


@deconstructible(path="claimtracker.lib.dates.DatePart")
class DatePart(Func):
    """The day or month number of a date, in SQL that PostgreSQL and SQLite both run
    without Django's connection-level helper functions (so a check constraint
    built on it also holds for raw SQL from any client)."""

    output_field = models.IntegerField()
    _SQLITE_FORMATS = {"day": "%d", "month": "%m"}

    def __init__(self, expression: Any, part: str) -> None:
        if part not in self._SQLITE_FORMATS:
            raise ValueError(f"unsupported date part {part!r}")
        self.part = part
        super().__init__(expression)

    def __repr__(self) -> str:
        return f"DatePart({self.source_expressions[0]!r}, {self.part!r})"

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(
            compiler, connection, template=f"EXTRACT({self.part.upper()} FROM %(expressions)s)", **extra_context
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        strftime = Func(Value(self._SQLITE_FORMATS[self.part]), *self.source_expressions, function="strftime")
        return compiler.compile(Func(strftime, template="CAST(%(expressions)s AS integer)"))

    def deconstruct(self) -> Any:
        return ("claimtracker.lib.dates.DatePart", (self.source_expressions[0], self.part), {})


def precision_constraints(date_field: str, precision_field: str, prefix: str) -> list[models.BaseConstraint]:
    """Check constraints: the precision is one of Precision, and the date fits it."""
    day = DatePart(models.F(date_field), "day")
    month = DatePart(models.F(date_field), "month")
    return [
        models.CheckConstraint(
            condition=Q(**{f"{precision_field}__in": Precision.values}),
            name=f"{prefix}_precision_valid",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{date_field}__isnull": True})
            | Q(**{precision_field: Precision.DAY})
            | Q(Exact(day, 1), **{precision_field: Precision.MONTH})
            | Q(Exact(day, 1), Exact(month, 1), **{precision_field: Precision.YEAR}),
            name=f"{prefix}_date_fits_precision",
        ),
    ]
