"""The stored search document of each claim (ClaimSearch).

PostgreSQL: a trigger on claims_claim writes the document whenever a claim's
text or its denormalised quotes and actor names change (every write path,
bulk inserts included), the existing claims are filled in, and a GIN index on
the document replaces 0005's index on the expression, which ranking had to
recompute for every match. SQLite: only the (empty) table.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

DOCUMENT = """
    setweight(to_tsvector('simple'::regconfig, COALESCE({row}.text, '')), 'A')
    || setweight(to_tsvector('simple'::regconfig, COALESCE({row}.search_quotes, '')), 'B')
    || setweight(to_tsvector('simple'::regconfig, COALESCE({row}.search_actors, '')), 'C')
"""

FORWARDS = [
    f"""
    CREATE FUNCTION claims_claim_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO claims_claimsearch (claim_id, document) VALUES (NEW.id, {DOCUMENT.format(row="NEW")})
        ON CONFLICT (claim_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER claims_claim_search_document
    AFTER INSERT OR UPDATE OF text, search_quotes, search_actors ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_search_document()
    """,
    f"INSERT INTO claims_claimsearch (claim_id, document) SELECT c.id, {DOCUMENT.format(row='c')} FROM claims_claim c",
    # Serves: claims.search.search(), document @@ query.
    "CREATE INDEX claim_search_gin_document ON claims_claimsearch USING gin (document)",
    "DROP INDEX IF EXISTS claim_search_gin",
]

BACKWARDS = [
    "DROP TRIGGER IF EXISTS claims_claim_search_document ON claims_claim",
    "DROP FUNCTION IF EXISTS claims_claim_search_document()",
    "DROP INDEX IF EXISTS claim_search_gin_document",
]


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARDS:
            schema_editor.execute(statement)


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARDS:
            schema_editor.execute(statement)
        # 0005's index on the expression, so that search works again at that migration.
        from django.contrib.postgres.indexes import GinIndex

        from claimtracker.claims.search import SEARCH_VECTOR

        schema_editor.add_index(apps.get_model("claims", "Claim"), GinIndex(SEARCH_VECTOR, name="claim_search_gin"))


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_claim_order_by_id"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClaimSearch",
            fields=[
                (
                    "claim",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="claims.claim",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
