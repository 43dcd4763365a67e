"""The PostgreSQL fast path of the timeline CSV: the database writes the CSV
itself with COPY (query) TO STDOUT, and the app only passes the rows on.

The query returns the same cells as exports.timeline.rows, already written out
(dates reduced to their precision, timestamps in UTC, empty text as NULL so
that COPY leaves the cell empty as Python's csv module does) and neutralised in
SQL like exports.csv.neutralise. COPY ends rows with LF; each row is re-ended
with CRLF, as RFC 4180 and the Python writer have it. tests/test_exports_copy.py
holds the two paths to the same bytes.
"""

from collections.abc import Iterator
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from claimtracker.claims.models import DESK_STATES, Claim, ReviewState
from claimtracker.exports.csv import BOM
from claimtracker.exports.timeline import COLUMNS

# The formula triggers of exports.csv but NUL, which PostgreSQL text cannot hold.
_TRIGGERS = "('=', '+', '-', '@', E'\\t', E'\\r')"


def _text(column: str) -> str:
    return f"NULLIF(CASE WHEN left({column}, 1) IN {_TRIGGERS} THEN '''' || {column} ELSE {column} END, '')"


def _plain(column: str) -> str:
    return f"NULLIF({column}, '')"


def _timestamp(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


def _date(column: str, precision: str) -> str:
    return (
        f"CASE {precision} WHEN 'year' THEN to_char({column}, 'YYYY') "
        f"WHEN 'month' THEN to_char({column}, 'YYYY-MM') ELSE to_char({column}, 'YYYY-MM-DD') END"
    )


# Attribution.quote_check, in SQL. The body's length is read from its header, not the text.
_QUOTE_CHECK = """CASE WHEN a.quote = '' THEN NULL
         WHEN a.quote_kind = 'paraphrase' THEN 'paraphrase'
         WHEN octet_length(s.body) = 0 THEN CASE WHEN a.quote_kind = 'direct' THEN 'no_text' ELSE 'paraphrase' END
         WHEN a.quote_start IS NULL THEN CASE WHEN a.quote_kind = 'direct' THEN 'not_found' ELSE 'paraphrase' END
         WHEN a.quote_case_differs THEN 'found_case' ELSE 'found' END"""


def _relations(claim_id: str) -> str:
    return (
        "(SELECT string_agg(r.kind || ':' || r.to_claim_id, ' ' ORDER BY r.kind, r.to_claim_id) "
        f"FROM claims_relation r WHERE r.from_claim_id = {claim_id})"
    )


def _attributions(text: Any, ts: Any, date: Any) -> str:
    return f"""
    SELECT a.claim_id, {text("c.text")}, {date("a.stated_on", "a.stated_on_precision")},
           a.stated_on_precision, 'attribution', {text("actor.name")}, {text("via.name")},
           {text("a.stance")}, {text("a.certainty")}, NULL, {text("a.quote")}, {text("a.quote_kind")}, NULL,
           {text("s.title")}, {text("publisher.name")}, {text("s.url")}, {ts("s.published_at")},
           {text("u.username")}, {ts("a.created_at")}, {text("a.review_state")},
           'a' || a.id, trim_scale(a.figure)::text, {text("a.figure_bound")}, {text("a.figure_unit")},
           {_QUOTE_CHECK}, NULL, 'a' || a.corrects_id, {text("reviewer.username")}, {ts("a.reviewed_at")},
           {_relations("a.claim_id")},
           a.stated_on AS sort_date, 0 AS sort_kind, a.id AS sort_id
    FROM claims_attribution a
    JOIN claims_claim c ON c.id = a.claim_id
    JOIN claims_actor actor ON actor.id = a.actor_id
    LEFT JOIN claims_actor via ON via.id = a.via_id
    JOIN claims_source s ON s.id = a.source_id
    LEFT JOIN claims_actor publisher ON publisher.id = s.publisher_id
    JOIN auth_user u ON u.id = a.created_by_id
    LEFT JOIN auth_user reviewer ON reviewer.id = a.reviewed_by_id
    WHERE a.claim_id IN ({{claims}}) AND a.review_state = ANY(%s)
"""


def _status_changes(text: Any, ts: Any, date: Any) -> str:
    return f"""
    SELECT sc.claim_id, {text("c.text")}, {date("sc.effective_on", "sc.effective_on_precision")},
           sc.effective_on_precision, 'status_change', NULL, NULL, NULL, NULL, {text("st.label")}, NULL, NULL,
           {text("sc.rationale")}, NULL, NULL, NULL, NULL,
           {text("u.username")}, {ts("sc.recorded_at")}, {text("sc.review_state")},
           's' || sc.id, NULL, NULL, NULL, NULL,
           (SELECT string_agg('a' || e.attribution_id, ' ' ORDER BY e.attribution_id)
              FROM claims_evidence e WHERE e.status_change_id = sc.id),
           's' || sc.corrects_id, {text("reviewer.username")}, {ts("sc.reviewed_at")},
           {_relations("sc.claim_id")},
           sc.effective_on, 1, sc.id
    FROM claims_statuschange sc
    JOIN claims_claim c ON c.id = sc.claim_id
    JOIN claims_status st ON st.id = sc.status_id
    JOIN auth_user u ON u.id = sc.recorded_by_id
    LEFT JOIN auth_user reviewer ON reviewer.id = sc.reviewed_by_id
    WHERE sc.claim_id IN ({{claims}}) AND sc.review_state = ANY(%s)
"""


def _as_is(column: str, *_: str) -> str:
    return column


def query(claims: QuerySet[Claim], include_pending: bool, *, plain: bool = False) -> tuple[str, list[Any]]:
    """The COPY statement and its parameters. ``plain`` leaves every cell as stored
    (no neutralising, no date formatting): the benchmark's baseline of what
    PostgreSQL alone can do with the same rows."""
    text, ts, date = (_as_is, _as_is, _as_is) if plain else (_text, _timestamp, _date)
    claims_sql, claims_params = claims.order_by().values("pk").query.sql_with_params()
    states = list(DESK_STATES) if include_pending else [ReviewState.APPROVED]
    columns = ", ".join(f'"{name}"' for name in COLUMNS)
    names = ", ".join(f'{column} AS "{name}"' for column, name in zip(_positions(), COLUMNS, strict=True))
    sql = (
        f"COPY (SELECT {columns} FROM ("
        f"SELECT {names}, sort_date, sort_kind, sort_id FROM ("
        f"{_attributions(text, ts, date).format(claims=claims_sql)} UNION ALL "
        f"{_status_changes(text, ts, date).format(claims=claims_sql)}"
        f") AS events ({', '.join(_positions())}, "
        f"sort_date, sort_kind, sort_id)) AS named ORDER BY claim_id, sort_date, sort_kind, sort_id"
        f") TO STDOUT WITH (FORMAT csv, HEADER true)"
    )
    return sql, [*claims_params, states, *claims_params, states]


def _positions() -> list[str]:
    return [f"c{i}" for i in range(1, len(COLUMNS) + 1)]


CHUNK_BYTES = 64 * 1024  # rows are passed on in chunks of about this size


def lines(claims: QuerySet[Claim], *, include_pending: bool = False, bom: bool = False) -> Iterator[bytes]:
    """The CSV as bytes, whole rows in chunks of about CHUNK_BYTES (one chunk per
    row cost the response a pass through Django's streaming per row); PostgreSQL only."""
    sql, params = query(claims, include_pending)
    with connections[claims.db].cursor() as cursor:  # a replica's, when the request reads from one
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        chunk = bytearray(BOM.encode("utf-8") if bom else b"")
        with raw.copy(sql, params) as copy:
            while row := copy.read():
                # COPY sends one row per message, ended by LF; quoted newlines stay inside.
                if row[-1:] == b"\n":
                    chunk += row[:-1]
                    chunk += b"\r\n"
                else:
                    chunk += row
                if len(chunk) >= CHUNK_BYTES:
                    yield bytes(chunk)
                    chunk.clear()
        if chunk:
            yield bytes(chunk)
