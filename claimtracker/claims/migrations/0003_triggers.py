"""Database triggers that make approved status changes append-only.

An approved StatusChange row cannot be updated or deleted, and the evidence
rows of an approved change cannot be added or removed, whoever writes to the
database (the app, the admin, or raw SQL). A correction is a new row.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

APPEND_ONLY_MESSAGE = "approved status changes are append-only: record a correction instead"

SQLITE_CREATE = [
    f"""
    CREATE TRIGGER statuschange_approved_no_update
    BEFORE UPDATE ON claims_statuschange
    WHEN OLD.review_state = 'approved'
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER statuschange_approved_no_delete
    BEFORE DELETE ON claims_statuschange
    WHEN OLD.review_state = 'approved'
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER evidence_approved_no_insert
    BEFORE INSERT ON claims_evidence
    WHEN (SELECT review_state FROM claims_statuschange WHERE id = NEW.status_change_id) = 'approved'
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER evidence_approved_no_update
    BEFORE UPDATE ON claims_evidence
    WHEN (SELECT review_state FROM claims_statuschange WHERE id = OLD.status_change_id) = 'approved'
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER evidence_approved_no_delete
    BEFORE DELETE ON claims_evidence
    WHEN (SELECT review_state FROM claims_statuschange WHERE id = OLD.status_change_id) = 'approved'
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS statuschange_approved_no_update",
    "DROP TRIGGER IF EXISTS statuschange_approved_no_delete",
    "DROP TRIGGER IF EXISTS evidence_approved_no_insert",
    "DROP TRIGGER IF EXISTS evidence_approved_no_update",
    "DROP TRIGGER IF EXISTS evidence_approved_no_delete",
]

# SQLSTATE 23000 (integrity_constraint_violation) reaches Django as IntegrityError.
POSTGRESQL_CREATE = [
    f"""
    CREATE FUNCTION claims_refuse_approved_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER statuschange_approved_append_only
    BEFORE UPDATE OR DELETE ON claims_statuschange
    FOR EACH ROW WHEN (OLD.review_state = 'approved')
    EXECUTE FUNCTION claims_refuse_approved_change()
    """,
    f"""
    CREATE FUNCTION claims_refuse_approved_evidence() RETURNS trigger AS $$
    BEGIN
        IF (TG_OP <> 'DELETE' AND EXISTS (
                SELECT 1 FROM claims_statuschange WHERE id = NEW.status_change_id AND review_state = 'approved'))
           OR (TG_OP <> 'INSERT' AND EXISTS (
                SELECT 1 FROM claims_statuschange WHERE id = OLD.status_change_id AND review_state = 'approved'))
        THEN
            RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER evidence_approved_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON claims_evidence
    FOR EACH ROW EXECUTE FUNCTION claims_refuse_approved_evidence()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS evidence_approved_append_only ON claims_evidence",
    "DROP FUNCTION IF EXISTS claims_refuse_approved_evidence()",
    "DROP TRIGGER IF EXISTS statuschange_approved_append_only ON claims_statuschange",
    "DROP FUNCTION IF EXISTS claims_refuse_approved_change()",
]

STATEMENTS = {
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
    "postgresql": (POSTGRESQL_CREATE, POSTGRESQL_DROP),
}


def _run(schema_editor: BaseDatabaseSchemaEditor, create: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise NotImplementedError(
            f"Claim Tracker's append-only triggers exist for SQLite and PostgreSQL, not {vendor}."
        )
    for statement in STATEMENTS[vendor][0 if create else 1]:
        schema_editor.execute(statement)


def create_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, create=True)


def drop_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, create=False)


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_default_statuses")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
