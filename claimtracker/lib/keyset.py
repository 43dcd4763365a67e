"""Keyset pagination: "Older" and "Newer" pages that cost the same at any depth.

A page is found by the sort key of the row it follows (``after``) or precedes
(``before``), not by counting rows to skip, so the database reads one page
from an index whatever the depth; OFFSET reads and drops every row before it.
The last key must be unique (the primary key), which makes the order total.
Cursors are opaque to users: base64 of the key values as JSON. One that does
not decode to one value of each key's own type (``Key.kind``: a 64-bit int, a
finite float, a date, an aware timestamp, a string the databases can store; None
only for a nullable key) is refused with InvalidCursor, never passed to the database.
"""

import base64
import binascii
import datetime
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy

M = TypeVar("M", bound=Model)

INT64 = range(-(2**63), 2**63)  # what a bigint column holds
MAX_CURSOR = 2000  # characters; our cursors are a few dozen


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Key:
    """One sort key, of values of type ``kind`` (int, float, str, datetime.date or
    datetime.datetime). Nullable keys sort their NULLs last, in either direction."""

    field: str
    descending: bool = False
    nullable: bool = False
    kind: type = int

    def ordering(self, reverse: bool = False) -> OrderBy:
        descending = self.descending != reverse
        expression = F(self.field)
        if not self.nullable:
            return expression.desc() if descending else expression.asc()
        # Reversed, the NULLs that came last come first.
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        return expression.desc(**nulls) if descending else expression.asc(**nulls)


def order_by(keys: Sequence[Key]) -> list[OrderBy]:
    return [key.ordering() for key in keys]


@dataclass(frozen=True)
class Page(Generic[M]):
    object_list: list[M]
    older: str | None  # cursor of the next page, None on the last
    newer: str | None  # cursor of the previous page, None on the first

    @property
    def has_other_pages(self) -> bool:
        return bool(self.older or self.newer)


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    return value


def _tagged(value: Any, tag: str) -> bool:
    return isinstance(value, dict) and set(value) == {tag} and isinstance(value[tag], str)


def _decode_value(key: Key, value: Any) -> Any:
    """The value, of the key's own type, or ValueError."""
    kind = key.kind
    if value is None:
        if key.nullable:
            return None
        raise ValueError("no value for a key that always has one")
    if kind is datetime.datetime and _tagged(value, "t"):
        parsed = datetime.datetime.fromisoformat(value["t"])
        if parsed.tzinfo is None:
            raise ValueError("naive timestamp")
        try:
            return parsed.astimezone(datetime.UTC)  # as the database compares it
        except OverflowError as error:
            raise ValueError("timestamp out of range") from error
    if kind is datetime.date and _tagged(value, "d"):
        return datetime.date.fromisoformat(value["d"])
    if kind is int and type(value) is int and value in INT64:  # not bool, a subclass of int
        return value
    if kind is float and type(value) is float and math.isfinite(value):
        return value
    if kind is str and type(value) is str and "\x00" not in value:
        value.encode()  # UnicodeEncodeError (a ValueError) for a lone surrogate
        return value
    raise ValueError(f"not a {kind.__name__}")


def encode(keys: Sequence[Key], row: Model) -> str:
    values = [_encode_value(getattr(row, key.field)) for key in keys]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(keys: Sequence[Key], cursor: str) -> list[Any]:
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("wrong number of values")
        decoded = [_decode_value(key, value) for key, value in zip(keys, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, RecursionError) as error:
        raise InvalidCursor("That page link is broken or comes from another sort order.") from error
    if decoded[-1] is None:
        raise InvalidCursor("That page link is broken or comes from another sort order.")
    return decoded


def _beyond(keys: Sequence[Key], values: list[Any], reverse: bool) -> Q:
    """Rows strictly after the row holding ``values``, in the keys' order (or reversed)."""
    condition = Q(pk__in=[])  # false: nothing yet
    ties = Q()
    for key, value in zip(keys, values, strict=True):
        descending = key.descending != reverse
        if value is None:
            # NULLs sort last: only reversed are there rows beyond them (every non-NULL).
            beyond = Q(**{f"{key.field}__isnull": False}) if reverse else Q(pk__in=[])
            same = Q(**{f"{key.field}__isnull": True})
        else:
            beyond = Q(**{f"{key.field}__{'lt' if descending else 'gt'}": value})
            if key.nullable and not reverse:
                beyond |= Q(**{f"{key.field}__isnull": True})
            same = Q(**{key.field: value})
        condition |= ties & beyond
        ties &= same
    return condition


def paginate(
    queryset: QuerySet[M], keys: Sequence[Key], size: int, *, after: str | None = None, before: str | None = None
) -> Page[M]:
    """The page after the ``after`` cursor, before the ``before`` cursor, or the first.
    Raises InvalidCursor for a cursor that does not decode."""
    if before:
        values = decode(keys, before)
        reversed_order = [key.ordering(reverse=True) for key in keys]
        rows = list(queryset.filter(_beyond(keys, values, reverse=True)).order_by(*reversed_order)[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            rows,
            older=encode(keys, rows[-1]) if rows else None,
            newer=encode(keys, rows[0]) if rows and more else None,
        )
    if after:
        queryset = queryset.filter(_beyond(keys, decode(keys, after), reverse=False))
    rows = list(queryset.order_by(*order_by(keys))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        older=encode(keys, rows[-1]) if rows and more else None,
        newer=encode(keys, rows[0]) if rows and after else None,
    )


def cursor_at(queryset: QuerySet[M], keys: Sequence[Key], position: int) -> str:
    """The cursor after the row at ``position`` (from 0) of the ordered queryset."""
    return encode(keys, queryset.order_by(*order_by(keys))[position])


def capped_count(queryset: QuerySet[Any], cap: int) -> int:
    """How many rows, counting no further than cap + 1: a page can say "more than
    10,000" without counting the whole table."""
    return queryset.order_by().values("pk")[: cap + 1].count()
