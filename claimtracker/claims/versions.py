"""Data versions: counters the database itself keeps, one per thing a page shows.

Every write to a table a page is drawn from, whatever makes it (a page, the
admin, an import, ``QuerySet.update()``, psql, COPY), bumps in the same
transaction the counters of what it changed, through triggers installed on
PostgreSQL and on SQLite (``install``, run after every ``migrate``):

- ``c:<id>``, a claim: its row, attributions, status changes and their
  evidence, links to other claims, topics, the names of the actors and
  sources it quotes, and the affiliations of those actors;
- ``ca:<id>``, what readers see of a claim: as ``c:<id>``, but a write to its
  attributions or status changes that are in review both before and after it
  leaves it (their evidence still bumps it); the summary, the chart and the
  public page are drawn from it;
- ``a:<id>``, an actor: its row, aliases, parent and children, the approved
  attributions it made or relayed (its page shows no work in review), and the
  claims it took a side on;
- ``s:<id>``, a source: its row, publisher, the attributions quoting it;
- ``*vocab``: the statuses and topics every page names; ``*people``: the
  users, groups and permissions (the names pages show, and what each process
  keeps of who holds which permission, claims.held);
- ``*listed``: what the lists of claims, actors and sources show: the rows of
  claims, actors, sources and the vocabulary, and approved entries (work in
  review, which no list shows but the desk's own, leaves it);
- ``*``: any of these; the review queue, the desk's own work and a list
  filtered by work in review read it.

Beside the counters, the same triggers keep the review queue's length (how
many attributions and status changes are in review, the header's count) in
one row of ``claims_queuelength``, moved by each write statement by what it
put in or took out of review.

A counter starts at the clock (in microseconds) when its row is made and goes
up by one per statement, so it never goes back, even after its rows are
truncated or restored. A stored page is kept under the counters it was drawn
from, read in one query before the page (``read``): a write to one claim
leaves every other claim's page, and the actors and sources it does not name,
as they were. The writer's own transaction sees its bumps at once; others see
them once it commits.

On PostgreSQL the triggers run once per statement, over its transition tables
(a COPY of a million rows bumps each claim once). Before each write statement,
a trigger takes the ``*`` row's lock, and the services call ``begin_writing``
before they lock rows themselves (SELECT ... FOR UPDATE): every writing
transaction takes ``*`` before any other lock, so two writers queue there
rather than deadlock over rows taken in opposite orders. SQLite, which has one
writer at a time, runs them once per row.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from claimtracker.accounts import roles
from claimtracker.claims.assessment import MAX_AFFILIATION_DEPTH
from claimtracker.claims.models import DataVersion
from claimtracker.lib import prepared

TABLE = "claims_dataversion"
EVERYTHING = "*"
LISTED = "*listed"
VOCABULARY = "*vocab"
PEOPLE = "*people"


def _where(when: str, row: str) -> str:
    return f" WHERE {when.format(row=row)}" if when else ""


@dataclass(frozen=True)
class Direct:
    """The scope ``prefix`` + a column of the changed row (of those that meet
    ``when``, a condition on the row written with ``{row}``, if given)."""

    prefix: str
    column: str
    when: str = ""

    def select(self, row: str, rows: str | None) -> str:
        expression = f"'{self.prefix}' || {row}.{self.column}"
        from_rows = f" FROM {rows} {row}" if rows else ""
        return f"SELECT {expression}{from_rows}{_where(self.when, row)}"


def _one_of(column: str, ids: str, rows: str | None) -> str:
    """``column`` is one of the values the query ``ids`` finds. In a trigger run
    once per statement (``rows``: its transition table), as an array found
    first: PostgreSQL plans the trigger's statement before it knows which rows
    changed, and guessed from the column's averages that a publisher had 16,680
    sources where it had 20, then read a million attributions (0.4 s, not 0.5 ms)."""
    return f"{column} = ANY (ARRAY({ids}))" if rows else f"{column} IN ({ids})"


@dataclass(frozen=True)
class Related:
    """The scope ``prefix`` + ``column`` of each row of ``table`` whose ``key``
    is the changed row's ``by``, or one of the values ``through`` (SQL of the
    changed rows' ``by`` values, ``{ids}``) finds for it."""

    prefix: str
    column: str
    table: str
    key: str
    by: str = "id"
    when: str = ""
    through: str = ""

    def select(self, row: str, rows: str | None) -> str:
        from_rows = f" FROM {rows} {row}" if rows else ""
        among = f"SELECT {row}.{self.by}{from_rows}{_where(self.when, row)}"
        found = f"SELECT '{self.prefix}' || x.{self.column} FROM {self.table} x WHERE"
        if self.through:
            return f"{found} {_one_of(f'x.{self.key}', self.through.format(ids=among), rows)}"
        return f"{found} x.{self.key} IN ({among})"


@dataclass(frozen=True)
class Flag:
    """A shared counter, bumped by any changed row, or only by those that meet ``when``
    (a condition on the row, written with ``{row}``)."""

    scope: str
    when: str = ""

    def select(self, row: str, rows: str | None) -> str:
        from_rows = f" FROM {rows} {row}" if rows else ""
        return f"SELECT '{self.scope}'{from_rows}{_where(self.when, row)}"


Scope = Direct | Related | Flag

_ATTRIBUTIONS = "claims_attribution"
_IF_APPROVED = "{row}.review_state = 'approved'"
_APPROVED = Flag(LISTED, _IF_APPROVED)
_ALWAYS = Flag(LISTED)
# The sources of the publishers among ``{ids}``.
_PUBLISHED = "SELECT id FROM claims_source WHERE publisher_id IN ({ids})"


def _below(levels: int) -> str:
    """The actors one to ``levels`` levels below those among ``{ids}``: their
    children, their children's children, and so on."""
    level, below = "{ids}", []
    for _ in range(levels):
        level = f"SELECT id FROM claims_actor WHERE parent_id IN ({level})"
        below.append(level)
    return " UNION ".join(below)


# Each table a page is drawn from, and the counters a change to one of its rows bumps (with ``*``).
TRACKED: dict[str, list[Scope]] = {
    "claims_claim": [
        Direct("c:", "id"),
        Related("a:", "actor_id", _ATTRIBUTIONS, "claim_id"),
        Related("a:", "via_id", _ATTRIBUTIONS, "claim_id"),
        Related("s:", "source_id", _ATTRIBUTIONS, "claim_id"),
        Related("c:", "to_claim_id", "claims_relation", "from_claim_id"),
        Related("c:", "from_claim_id", "claims_relation", "to_claim_id"),
        _ALWAYS,
    ],
    _ATTRIBUTIONS: [
        Direct("c:", "claim_id"),
        Direct("ca:", "claim_id", _IF_APPROVED),
        # An actor's page shows its approved stances alone: work in review leaves it.
        Direct("a:", "actor_id", _IF_APPROVED),
        Direct("a:", "via_id", _IF_APPROVED),
        Direct("s:", "source_id"),
        # An approved correction takes the entry it corrects out of what its actor and source stand by.
        Related("a:", "actor_id", _ATTRIBUTIONS, "id", by="corrects_id", when=_IF_APPROVED),
        Related("a:", "via_id", _ATTRIBUTIONS, "id", by="corrects_id", when=_IF_APPROVED),
        Related("s:", "source_id", _ATTRIBUTIONS, "id", by="corrects_id"),
        _APPROVED,
    ],
    "claims_statuschange": [Direct("c:", "claim_id"), Direct("ca:", "claim_id", _IF_APPROVED), _APPROVED],
    "claims_evidence": [Related("c:", "claim_id", "claims_statuschange", "id", by="status_change_id")],
    "claims_relation": [Direct("c:", "from_claim_id"), Direct("c:", "to_claim_id")],
    "claims_claim_topics": [Direct("c:", "claim_id"), _ALWAYS],
    "claims_claimsearch": [_ALWAYS],
    "claims_actor": [
        _ALWAYS,
        Direct("a:", "id"),
        Direct("a:", "parent_id"),
        Related("a:", "id", "claims_actor", "parent_id"),
        Related("c:", "claim_id", _ATTRIBUTIONS, "actor_id"),
        Related("c:", "claim_id", _ATTRIBUTIONS, "via_id"),
        Related("c:", "claim_id", _ATTRIBUTIONS, "source_id", through=_PUBLISHED),  # timelines name publishers
        # The suggested status counts sides by the top of each quoted actor's affiliations, walked up to
        # MAX_AFFILIATION_DEPTH steps: an actor's parent moves that top for the actors up to one step fewer below it.
        Related("c:", "claim_id", _ATTRIBUTIONS, "actor_id", through=_below(MAX_AFFILIATION_DEPTH - 1)),
        Related("a:", "actor_id", _ATTRIBUTIONS, "via_id"),  # the actors it relayed name it
        Related("s:", "id", "claims_source", "publisher_id"),
        Related("s:", "source_id", _ATTRIBUTIONS, "actor_id"),  # a source's page names who it quotes
        Related("s:", "source_id", _ATTRIBUTIONS, "via_id"),
    ],
    "claims_actoralias": [Direct("a:", "actor_id"), _ALWAYS],
    # A claim page's history of edits: a row pruned (simple-history's clean_old_history, psql) leaves it. A row
    # added comes with the write it records, which bumps the claim already.
    "claims_historicalclaim": [Direct("c:", "id")],
    "claims_historicalattribution": [Direct("c:", "claim_id")],
    "claims_source": [
        _ALWAYS,
        Direct("s:", "id"),
        Direct("a:", "publisher_id"),
        Related("c:", "claim_id", _ATTRIBUTIONS, "source_id"),
        Related("a:", "actor_id", _ATTRIBUTIONS, "source_id"),  # an actor's stances name their source
        Related("a:", "via_id", _ATTRIBUTIONS, "source_id"),
    ],
}
# ``ca:<id>`` follows every change ``c:<id>`` does but work in review on the claim itself (above).
_HISTORIES = ("claims_historicalclaim", "claims_historicalattribution")  # what the summary does not show
for _table, _scopes in TRACKED.items():
    if _table not in (_ATTRIBUTIONS, "claims_statuschange", *_HISTORIES):
        _scopes += [
            replace(scope, prefix="ca:")
            for scope in _scopes
            if isinstance(scope, Direct | Related) and scope.prefix == "c:"
        ]

# Tables whose every change bumps one shared counter besides ``*``; auth_user only when
# what a page shows of a user changes (a login writes last_login on every sign-in).
SHARED: dict[str, tuple[tuple[str, ...], list[str] | None]] = {
    "claims_status": ((LISTED, VOCABULARY), None),
    "claims_topic": ((LISTED, VOCABULARY), None),
    "auth_user": ((PEOPLE,), ["username", "first_name", "last_name", "is_active", "is_staff", "is_superuser"]),
    "auth_group": ((PEOPLE,), None),
    "auth_user_groups": ((PEOPLE,), None),
    "auth_group_permissions": ((PEOPLE,), None),
    "auth_user_user_permissions": ((PEOPLE,), None),
    # What a permission is called: the permissions each process keeps for its users under *people (claims.held).
    "auth_permission": ((PEOPLE,), None),
    "django_content_type": ((PEOPLE,), None),
}

_START = {
    # The first value of a counter: the clock in microseconds, above any value an earlier row of the
    # same scope reached (one bump per statement never outruns the clock).
    "postgresql": "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint",
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)",
}


# Bumps ``*`` alone, taking its row's lock (begin_writing).
BEGIN_WRITING = {
    vendor: f"INSERT INTO {TABLE} AS v (scope, value) VALUES ('{EVERYTHING}', {start})"
    " ON CONFLICT (scope) DO UPDATE SET value = v.value + 1"
    for vendor, start in _START.items()
}


def begin_writing(using: str = "default") -> None:
    """Take the lock every writing transaction takes first (the ``*`` counter's
    row; on PostgreSQL a trigger takes it before each write statement): call it
    before locking rows with SELECT ... FOR UPDATE, so that a writer never holds
    a row another waits for while it waits for ``*`` itself."""
    with connections[using].cursor() as cursor:
        cursor.execute(BEGIN_WRITING[connections[using].vendor])


def _bump(selects: list[str], vendor: str, table_alias: str = "v") -> str:
    union = " UNION ".join([f"SELECT '{EVERYTHING}' AS scope", *selects])
    order = ' ORDER BY s.scope COLLATE "C"' if vendor == "postgresql" else ""
    target = f"{TABLE} AS {table_alias}" if vendor == "postgresql" else TABLE
    value = f"{table_alias}.value" if vendor == "postgresql" else "value"
    return (
        f"INSERT INTO {target} (scope, value) SELECT s.scope, {_START[vendor]} FROM ({union}) s"
        f" WHERE s.scope IS NOT NULL{order} ON CONFLICT (scope) DO UPDATE SET value = {value} + 1"
    )


# --- PostgreSQL: one function per table, run once per statement --------------------------------------


def _postgresql(table: str, scopes: list[Scope], tag: str) -> list[str]:
    function = f"ct_dv_{tag}_{table}"
    new = _bump([scope.select("r", "new_rows") for scope in scopes], "postgresql")
    old = _bump([scope.select("r", "old_rows") for scope in scopes], "postgresql")
    both = _bump([scope.select("r", rows) for rows in ("old_rows", "new_rows") for scope in scopes], "postgresql")
    body = f"""
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                UPDATE {TABLE} SET value = value + 1;
            ELSIF TG_OP = 'INSERT' THEN
                IF EXISTS (SELECT 1 FROM new_rows) THEN {new}; END IF;
            ELSIF TG_OP = 'DELETE' THEN
                IF EXISTS (SELECT 1 FROM old_rows) THEN {old}; END IF;
            ELSIF EXISTS (SELECT 1 FROM new_rows) THEN
                {both};
            END IF;
            RETURN NULL;
        END"""
    each = f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$",
        _first(table, "UPDATE", tag),
        f"CREATE TRIGGER {function}_i AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows {each}",
        f"CREATE TRIGGER {function}_u AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows"
        f" NEW TABLE AS new_rows {each}",
        f"CREATE TRIGGER {function}_d AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows {each}",
        f"CREATE TRIGGER {function}_t AFTER TRUNCATE ON {table} {each}",
    ]


def _values(scopes: tuple[str, ...], start: str) -> str:
    return ", ".join(f"('{scope}', {start})" for scope in sorted([EVERYTHING, *scopes]))


def _postgresql_shared(table: str, scopes: tuple[str, ...], columns: list[str] | None, tag: str) -> list[str]:
    function = f"ct_dv_{tag}_{table}"
    body = f"""
        BEGIN
            INSERT INTO {TABLE} AS v (scope, value) VALUES {_values(scopes, _START["postgresql"])}
                ON CONFLICT (scope) DO UPDATE SET value = v.value + 1;
            RETURN NULL;
        END"""
    update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$",
        _first(table, update, tag),
        f"CREATE TRIGGER {function}_w AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def _write_lock_function(tag: str) -> str:
    body = f"""
        BEGIN
            {BEGIN_WRITING["postgresql"]};
            RETURN NULL;
        END"""
    return f"CREATE OR REPLACE FUNCTION ct_dv_{tag}_first() RETURNS trigger LANGUAGE plpgsql AS $${body}$$"


def _first(table: str, update: str, tag: str) -> str:
    """Before a statement takes any row's lock, the transaction takes the ``*``
    counter's: writers then queue in one place, in one order."""
    return (
        f"CREATE TRIGGER ct_dv_{tag}_{table}_b BEFORE INSERT OR {update} OR DELETE OR TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION ct_dv_{tag}_first()"
    )


# --- SQLite: one trigger per table and event, run once per row ----------------------------------------


def _sqlite(table: str, scopes: list[Scope], tag: str) -> list[str]:
    rows = {"INSERT": ["NEW"], "UPDATE": ["OLD", "NEW"], "DELETE": ["OLD"]}
    return [
        f"CREATE TRIGGER ct_dv_{tag}_{table}_{event[0].lower()} AFTER {event} ON {table} BEGIN "
        + _bump([scope.select(row, None) for row in these for scope in scopes], "sqlite")
        + "; END"
        for event, these in rows.items()
    ]


def _sqlite_shared(table: str, scopes: tuple[str, ...], columns: list[str] | None, tag: str) -> list[str]:
    bump = (
        f"INSERT INTO {TABLE} (scope, value) VALUES {_values(scopes, _START['sqlite'])}"
        " ON CONFLICT (scope) DO UPDATE SET value = value + 1"
    )
    update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
    return [
        f"CREATE TRIGGER ct_dv_{tag}_{table}_{event.split()[0][0].lower()} AFTER {event} ON {table} BEGIN {bump}; END"
        for event in ("INSERT", update, "DELETE")
    ]


# --- The review queue's length, kept beside the counters ------------------------------------------------

QUEUE_TABLE = "claims_queuelength"
_QUEUED = ("claims_attribution", "claims_statuschange")  # entries in review: review_state 'pending'
_PENDING = "review_state = 'pending'"


def queue_count_sql() -> str:
    """The queue's length counted from the entries themselves."""
    return " + ".join(f"(SELECT count(*) FROM {table} WHERE {_PENDING})" for table in _QUEUED)


def _queue_kept(change: str) -> str:
    """Statements that move the kept length by ``change``, or make its row from a
    count where it is missing (a flushed table: the next write counts afresh).
    Writers of entries take ``*`` first: no two run them at once."""
    return (
        f"UPDATE {QUEUE_TABLE} SET pending = pending + ({change}); "
        f"INSERT INTO {QUEUE_TABLE} (id, pending) SELECT 1, {queue_count_sql()}"
        f" WHERE NOT EXISTS (SELECT 1 FROM {QUEUE_TABLE})"
    )


def _postgresql_queue(tag: str) -> list[str]:
    function = f"ct_dv_{tag}_queue"
    pending = {rows: f"(SELECT count(*) FROM {rows} WHERE {_PENDING})" for rows in ("new_rows", "old_rows")}
    body = f"""
        DECLARE
            change bigint := 0;
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                DELETE FROM {QUEUE_TABLE};  -- counted afresh below
                {_queue_kept("0")};
                RETURN NULL;
            ELSIF TG_OP = 'INSERT' THEN
                change := {pending["new_rows"]};
            ELSIF TG_OP = 'DELETE' THEN
                change := -{pending["old_rows"]};
            ELSE
                change := {pending["new_rows"]} - {pending["old_rows"]};
            END IF;
            IF change <> 0 THEN
                {_queue_kept("change")};
            END IF;
            RETURN NULL;
        END"""
    made = [f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$"]
    each = f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    for table in _QUEUED:
        name = f"{function}_{table}"
        made += [
            f"CREATE TRIGGER {name}_i AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows {each}",
            f"CREATE TRIGGER {name}_u AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows"
            f" NEW TABLE AS new_rows {each}",
            f"CREATE TRIGGER {name}_d AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows {each}",
            f"CREATE TRIGGER {name}_t AFTER TRUNCATE ON {table} {each}",
        ]
    return made


def _sqlite_queue(tag: str) -> list[str]:
    made = []
    for table in _QUEUED:
        name = f"ct_dv_{tag}_queue_{table}"
        made += [
            f"CREATE TRIGGER {name}_i AFTER INSERT ON {table} WHEN NEW.{_PENDING} BEGIN {_queue_kept('1')}; END",
            f"CREATE TRIGGER {name}_d AFTER DELETE ON {table} WHEN OLD.{_PENDING} BEGIN {_queue_kept('-1')}; END",
            f"CREATE TRIGGER {name}_u AFTER UPDATE OF review_state ON {table}"
            f" WHEN (OLD.{_PENDING}) <> (NEW.{_PENDING})"
            f" BEGIN {_queue_kept(f'CASE WHEN NEW.{_PENDING} THEN 1 ELSE -1 END')}; END",
        ]
    return made


def statements(vendor: str) -> list[str]:
    """The SQL that makes every trigger, named with a digest of what it makes
    (on both databases): any change to a trigger's SQL names them anew, so
    ``install`` makes them again."""
    tag = hashlib.sha256(repr([_made(each, "") for each in _START]).encode()).hexdigest()[:8]
    return _made(vendor, tag)


def _made(vendor: str, tag: str) -> list[str]:
    tracked, shared = (_postgresql, _postgresql_shared) if vendor == "postgresql" else (_sqlite, _sqlite_shared)
    made = [_write_lock_function(tag)] if vendor == "postgresql" else []
    made += [sql for table, scopes in TRACKED.items() for sql in tracked(table, scopes, tag)]
    made += [sql for table, (scopes, columns) in SHARED.items() for sql in shared(table, scopes, columns, tag)]
    made += _postgresql_queue(tag) if vendor == "postgresql" else _sqlite_queue(tag)
    return made


def _names(sql: list[str]) -> set[str]:
    return {statement.split()[2] for statement in sql if statement.startswith("CREATE TRIGGER")}


def _installed(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'ct\\_dv\\_%%' AND NOT tgisinternal")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ct\\_dv\\_%' ESCAPE '\\'"
            )
        return {name for (name,) in cursor.fetchall()}


def install(using: str) -> bool:
    """Make the triggers where any is missing or out of date (a new definition, or
    a table SQLite rebuilt in a migration, which drops its triggers), bump every
    counter and count the review queue afresh, since writes made meanwhile were
    not counted. Whether any was made."""
    connection = connections[using]
    tables = connection.introspection.table_names()
    if connection.vendor not in _START or TABLE not in tables or QUEUE_TABLE not in tables:
        return False
    wanted = statements(connection.vendor)
    installed = _installed(connection)
    if installed == _names(wanted):
        return False
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(BEGIN_WRITING[connection.vendor])  # before the tables' locks, as every writer
        if connection.vendor == "postgresql":
            # Dropping the functions drops their triggers.
            cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'ct\\_dv\\_%%'")
            for (function,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
        else:
            for name in installed:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql in wanted:
            cursor.execute(sql)
        cursor.execute(f"UPDATE {TABLE} SET value = value + 1")
        cursor.execute(
            f"INSERT INTO {QUEUE_TABLE} (id, pending) VALUES (1, {queue_count_sql()})"
            " ON CONFLICT (id) DO UPDATE SET pending = excluded.pending"
        )
    return True


# --- Reading them ------------------------------------------------------------------------------------


def read(
    scopes: list[str],
    claims: tuple[str, list[Any]] | None = None,
    also: Sequence[tuple[str, str, list[Any]]] = (),
    asker: str | None = None,
) -> tuple[tuple[tuple[str, int], ...], dict[str, int], tuple[Any, ...] | None]:
    """The counters of ``scopes`` and of the ``claims`` a query finds (SQL naming
    claim ids ``id``, with its parameters: the claims a page links to, those on a
    page of the review queue), the values of ``also`` (name, SQL expression,
    parameters: the header's counts) and, given the key of the session that
    asks, ``asker`` (accounts.roles.asker_sql, which ``also`` may ask), its
    user's row and its data (none for a session not open); in one statement. A counter
    of ``scopes`` never bumped reads as absent; each claim found reads as itself
    (0 where never bumped), so that which claims the query found is part of what
    is read."""
    params: list[Any] = []
    sql = "SELECT '' AS scope, 0 AS value"  # the row the asker's are read beside
    for name, expression, expression_params in also:
        sql += f" UNION ALL SELECT '#{name}', {expression}"
        params += expression_params
    if scopes:
        sql += f" UNION ALL SELECT scope, value FROM {TABLE} WHERE scope IN ({', '.join(['%s'] * len(scopes))})"
        params += scopes
    if claims is not None:
        # A branch of its own: joined with OR to the first, PostgreSQL read the whole table (25 ms, not 0.5).
        ids, ids_params = claims
        sql += (
            f" UNION ALL SELECT 'c:' || q.id, COALESCE(v.value, 0) FROM ({ids}) q"
            f" LEFT JOIN {TABLE} v ON v.scope = 'c:' || q.id"
        )
        params += ids_params
    if asker is not None:
        # The user's row and the session's data beside the first row only.
        ctes, ctes_params = roles.asker_sql(asker)
        sql = f"WITH {ctes} SELECT x.scope, x.value, a.* FROM ({sql}) x LEFT JOIN asker a ON x.scope = ''"
        params = [*ctes_params, *params]
    # A replica's, where the page reads one; planned once per connection (lib/prepared.py).
    found: dict[str, int] = {}
    row = None
    for scope, value, *user in prepared.rows(connections[router.db_for_read(DataVersion)], sql, params):
        found[scope] = value
        if scope == "" and user and user[-1] is not None:
            row = tuple(user)
    found.pop("")
    values = {name: int(found.pop(f"#{name}")) for name, _, _ in also}
    return tuple(sorted(found.items())), values, row


def linked_claims(pk: int) -> tuple[str, list[Any]]:
    """The claims claim ``pk`` links to or is linked from, for ``read``."""
    return (
        "SELECT to_claim_id AS id FROM claims_relation WHERE from_claim_id = %s"
        " UNION SELECT from_claim_id FROM claims_relation WHERE to_claim_id = %s",
        [pk, pk],
    )
