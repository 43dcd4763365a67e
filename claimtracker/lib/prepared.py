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

import re
from collections.abc import Sequence
from typing import Any

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
