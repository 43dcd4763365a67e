"""Database triggers that freeze approved attributions.

An approved attribution's content (claim, actor, via, source, stance,
certainty, quote and its kind, date, author, correction link and review) can
no longer change, and the row cannot be deleted, whoever writes (pages, admin,
import, raw SQL). Only the quote's place in the source (quote_start,
quote_end, quote_prefix, quote_suffix) may move, when the source's text is
edited. A change goes through a correction: a new attribution that
``corrects`` the approved one.

Migration 0012 rebuilt the status change table on SQLite, which drops the
triggers 0003 made on it, so they are made again here.
"""

from importlib import import_module

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

FROZEN_MESSAGE = "approved attributions are frozen: propose a correction instead"

# Every column but the quote's place in the source, which follows edits of the source's text.
CONTENT_COLUMNS = (
    "id",
    "claim_id",
    "actor_id",
    "source_id",
    "stance",
    "certainty",
    "quote",
    "quote_kind",
    "via_id",
    "stated_on",
    "stated_on_precision",
    "corrects_id",
    "created_by_id",
    "created_at",
    "review_state",
    "reviewed_by_id",
    "reviewed_at",
    "review_note",
    "review_round",
)


def statements(columns: tuple[str, ...]) -> dict[str, tuple[list[str], list[str]]]:
    """The triggers' SQL for each database (create, drop), freezing ``columns``;
    migration 0016 makes them again with the figure columns."""
    sqlite_changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in columns)
    old = ", ".join(f"OLD.{column}" for column in columns)
    new = ", ".join(f"NEW.{column}" for column in columns)
    sqlite_create = [
        f"""
        CREATE TRIGGER attribution_approved_no_update
        BEFORE UPDATE ON claims_attribution
        WHEN OLD.review_state = 'approved' AND ({sqlite_changed})
        BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END
        """,
        f"""
        CREATE TRIGGER attribution_approved_no_delete
        BEFORE DELETE ON claims_attribution
        WHEN OLD.review_state = 'approved'
        BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END
        """,
    ]
    sqlite_drop = [
        "DROP TRIGGER IF EXISTS attribution_approved_no_update",
        "DROP TRIGGER IF EXISTS attribution_approved_no_delete",
    ]
    postgresql_create = [
        f"""
        CREATE FUNCTION claims_refuse_frozen_attribution() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{FROZEN_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$ LANGUAGE plpgsql
        """,
        f"""
        CREATE TRIGGER attribution_approved_no_update
        BEFORE UPDATE ON claims_attribution
        FOR EACH ROW WHEN (OLD.review_state = 'approved' AND ROW({old}) IS DISTINCT FROM ROW({new}))
        EXECUTE FUNCTION claims_refuse_frozen_attribution()
        """,
        """
        CREATE TRIGGER attribution_approved_no_delete
        BEFORE DELETE ON claims_attribution
        FOR EACH ROW WHEN (OLD.review_state = 'approved')
        EXECUTE FUNCTION claims_refuse_frozen_attribution()
        """,
    ]
    postgresql_drop = [
        "DROP TRIGGER IF EXISTS attribution_approved_no_delete ON claims_attribution",
        "DROP TRIGGER IF EXISTS attribution_approved_no_update ON claims_attribution",
        "DROP FUNCTION IF EXISTS claims_refuse_frozen_attribution()",
    ]
    return {"sqlite": (sqlite_create, sqlite_drop), "postgresql": (postgresql_create, postgresql_drop)}


STATEMENTS = statements(CONTENT_COLUMNS)


def _append_only() -> object:
    return import_module("claimtracker.claims.migrations.0003_triggers")


Triggers = dict[str, tuple[list[str], list[str]]]


def create_triggers(
    apps: Apps | None, schema_editor: BaseDatabaseSchemaEditor, triggers: Triggers = STATEMENTS
) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in triggers:
        raise NotImplementedError(f"Claim Tracker's triggers exist for SQLite and PostgreSQL, not {vendor}.")
    if vendor == "sqlite":
        append_only = _append_only()
        append_only.drop_triggers(apps, schema_editor)  # type: ignore[attr-defined]
        append_only.create_triggers(apps, schema_editor)  # type: ignore[attr-defined]
    for statement in triggers[vendor][0]:
        schema_editor.execute(statement)


def drop_triggers(apps: Apps | None, schema_editor: BaseDatabaseSchemaEditor, triggers: Triggers = STATEMENTS) -> None:
    for statement in triggers[schema_editor.connection.vendor][1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0012_entry_life")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
