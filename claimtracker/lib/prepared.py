"""A cursor for a statement run on nearly every request (the data versions a
stored page is kept under, with the role and the header's counts): on
PostgreSQL it is prepared once per database connection.

Django binds parameters on the client (psycopg's ClientCursor) and turns
psycopg's prepared statements off, so PostgreSQL parses and analyses every
statement it receives. With server-side binding and ``prepare_threshold``
(settings.py) psycopg prepares a statement after it has run it 5 times on a
connection. PostgreSQL still plans each run for its values (a generic plan of
the versions' statement, forced, took 78 ms against 1.3: the planner's choice
of custom plans is kept); what is saved is the parsing and analysis, 1.6 ms
against 1.3 ms a run on the benchmark data. The ORM's queries keep client-side
binding, which some of them need, and are never prepared.

A pooler in front of PostgreSQL in transaction mode must keep prepared
statements per client (PgBouncer 1.21 or later, ``max_prepared_statements``),
or DATABASE_PREPARED_STATEMENTS=0 turns them off.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


def cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor of ``connection`` like ``connection.cursor()``, logged and with
    Django's error wrapping, binding its parameters on the server on PostgreSQL."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    # As connection.cursor() does: a connection that failed its health check is made anew.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
