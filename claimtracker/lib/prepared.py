"""A cursor for a statement run on nearly every request (the data versions a
stored page is kept under, with the role and the header's counts): on
PostgreSQL it is prepared once per database connection.

By default Django binds parameters on the client (psycopg's ClientCursor),
so PostgreSQL parses, analyses and plans every statement it receives. With
server-side binding and ``prepare_threshold`` (settings.py, for the ORM's
queries too) psycopg prepares a statement after it has run it 5 times on a
connection, and after 5 runs PostgreSQL plans it once for any values (a
generic plan) where that plan costs no more than planning each run would.
For that the statements run here carry the codes they compare with (a review
state, a permission's name) as SQL literals, written by ``literal()``, and
only the values that vary (a user, a claim, a scope) as parameters: a
generic plan cannot use a partial index such as ``review_state = 'pending'``
for a parameter, and fell to scans of a million rows (78 ms), so PostgreSQL
planned every run anew (0.7 ms of a 1.0 ms statement on the benchmark data;
0.13 ms with the plan kept). The ORM's queries pass such codes as
parameters: PostgreSQL plans those anew where the one plan would cost more,
and keeps one plan for the rest. The cursor here binds on the server
whatever the settings say.

A pooler in front of PostgreSQL in transaction mode must keep prepared
statements per client (PgBouncer 1.21 or later, ``max_prepared_statements``),
or DATABASE_PREPARED_STATEMENTS=0 turns them off.
"""

import functools
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.expressions import Col

from claimtracker.lib import replicas

_CODE = re.compile(r"[a-z][a-z0-9_]*")


def literal(code: str) -> str:
    """``code`` (a review state, an app label, a permission's codename: names the
    code defines, never input) as an SQL string literal."""
    text = str(code)  # a choice's value, not its enum name
    if not _CODE.fullmatch(text):
        raise ValueError(f"not a code to write into SQL: {text!r}")
    return f"'{text}'"


def rows(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of a read-only statement, run on ``connection`` binding its
    parameters on the server on PostgreSQL, logged and with Django's error
    wrapping as ``connection.cursor()`` runs one.

    Django checks a connection before a request's first statement
    (CONN_HEALTH_CHECKS), with a ``SELECT 1`` of its own: a round trip on every
    request, for a failure seen after a database restart. The statements run here
    come first in most requests (the session's user, a stored page's versions),
    so they are the check: where the primary's connection was found dead, it is
    made anew and the statement run once more (outside a transaction only), and
    a statement that ran counts as the request's check. Where a replica fails,
    the statement runs on the primary instead and the replica is passed over
    (lib/replicas).
    Only read-only statements belong here: one may run twice."""
    used = connection.connection
    try:
        return _checked_rows(connection, sql, params)
    except (OperationalError, InterfaceError) as error:
        if connection.in_atomic_block:
            raise
        if connection.alias != DEFAULT_DB_ALIAS:
            # A replica found answering at the start of the request that has failed since.
            replicas.passed_over(connection.alias, error)
            return rows(connections[DEFAULT_DB_ALIAS], sql, params)
        # A connection made for this statement that fails it: the statement's own failure (a
        # timeout). One made before may have been dropped by the server; Django's check may have
        # replaced it meanwhile (it checks before the text of a failed statement is logged, with
        # DEBUG), or it may still work: then the failure is the statement's own too.
        if connection.vendor != "postgresql" or used is None:
            raise
        if connection.connection is used and connection.is_usable():
            raise
        connection.close()  # as Django's health check closes a connection found unusable
    return _checked_rows(connection, sql, params)


def _checked_rows(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The statement's rows; a statement that ran is the request's check of the connection."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    with _server_binding_cursor(connection) as cursor:
        cursor.execute(sql, params)
        found = list(cursor.fetchall())
    connection.health_check_done = True  # type: ignore[attr-defined]
    return found


def _server_binding_cursor(connection: BaseDatabaseWrapper) -> Any:
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def as_read(
    connection: BaseDatabaseWrapper, model: type[Model], fields: Sequence[str], row: Sequence[Any]
) -> list[Any]:
    """A row read with a statement here, its first columns (``fields`` of
    ``model``, in that order) converted as the ORM converts them when it reads
    them on ``connection`` (SQLite's text times made aware datetimes, for one);
    the columns after them as they are."""
    values = list(row)
    for index, column, converters in _converters(connection, model, tuple(fields)):
        for convert in converters:
            values[index] = convert(values[index], column, connection)
    return values


def _converters(
    connection: BaseDatabaseWrapper, model: type[Model], fields: tuple[str, ...]
) -> list[tuple[int, Col, list[Any]]]:
    """The database's converters of the columns of ``fields``, as the ORM applies them; kept per database."""
    key = (connection.alias, model, fields)
    if key not in _CONVERTERS:
        found = []
        for index, name in enumerate(fields):
            column = model._meta.get_field(name).get_col(model._meta.db_table)  # type: ignore[union-attr]
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if converters:
                found.append((index, column, converters))
        _CONVERTERS[key] = found
    return _CONVERTERS[key]


_CONVERTERS: dict[tuple[str, type[Model], tuple[str, ...]], list[tuple[int, Col, list[Any]]]] = {}


# --- Rows made into model instances -------------------------------------------------------------
# A statement written once here reads what the ORM's select_related would, at a fraction of the
# ORM's cost to build it: the columns of each model it names, in the model's order (``columns``),
# taken off the row in turn and made into instances as the ORM makes them (``Row``),
# related ones cached on each other as select_related caches them (``cache_related``).

_M = TypeVar("_M", bound=Model)


@functools.cache
def attnames(model: type[Model]) -> tuple[str, ...]:
    """The attribute names of the model's columns, in its order."""
    return tuple(field.attname for field in model._meta.concrete_fields)


@functools.cache
def _shown(model: type[Model], names: tuple[str, ...] | None) -> tuple[str, ...]:
    """``names`` (all the model's columns, for None) in the model's own order: the
    order of its columns in a row, as Model.from_db reads them."""
    return attnames(model) if names is None else tuple(name for name in attnames(model) if name in names)


def columns(alias: str, model: type[Model], names: tuple[str, ...] | None = None) -> str:
    """The columns of attribute names ``names`` (all the model's, by default) in
    the model's own order, as ``alias."column"`` (quoted as SQL quotes a name, on
    PostgreSQL and SQLite alike: a status's ``order``)."""
    return in_order(alias, model, _shown(model, names))


def in_order(alias: str, model: type[Model], names: Sequence[str]) -> str:
    """The columns of attribute names ``names`` in the order given, as ``columns`` writes them."""
    return ", ".join(f'{alias}."{model._meta.get_field(name).column}"' for name in names)  # type: ignore[union-attr]


class Row:
    """A row read with a statement here, taken off in turn: a model's columns
    as ``columns`` wrote them (``model``), or one value (``value``)."""

    def __init__(self, connection: BaseDatabaseWrapper, values: Sequence[Any]) -> None:
        self.connection = connection
        self.values = list(values)

    def value(self, model: type[Model] | None = None, name: str = "") -> Any:
        """The next value; given a model, as its field ``name`` reads it."""
        value = self.values.pop(0)
        return as_read(self.connection, model, [name], [value])[0] if model else value

    def model(self, model: type[_M], names: tuple[str, ...] | None = None) -> _M:
        """The instance the ORM makes of the model's columns ``names`` (all, by default; the others deferred)."""
        shown = _shown(model, names)
        values = self.values[: len(shown)]
        del self.values[: len(shown)]
        return model.from_db(self.connection.alias, shown, as_read(self.connection, model, shown, values))

    def model_or_none(self, model: type[_M], names: tuple[str, ...] | None = None) -> _M | None:
        """As ``model``; None for the nulls of a left join that found no row."""
        if self.values[0] is None:
            del self.values[: len(_shown(model, names))]
            return None
        return self.model(model, names)


def cache_related(instance: Model, name: str, related: Model | None) -> None:
    """``related`` as the row ``instance``'s foreign key ``name`` points to, as ``select_related`` caches it."""
    instance._meta.get_field(name).set_cached_value(instance, related)  # type: ignore[union-attr]


def cache_prefetched(instance: Model, name: str, related: list[Model]) -> None:
    """``related`` as what ``instance``'s many-to-many (or reverse) manager ``name``
    holds, as ``prefetch_related`` caches it: ``instance.<name>.all()`` answers them,
    in the order given, with no query; a further filter asks the database."""
    manager = getattr(instance, name)
    found = manager.get_queryset()
    found._result_cache = related
    found._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[manager.prefetch_cache_name] = found
