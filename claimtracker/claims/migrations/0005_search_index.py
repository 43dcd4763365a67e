"""PostgreSQL only: the GIN index behind claim search, and pg_trgm for similar
claims where the database role may install it. SQLite searches without them."""

from django.apps.registry import Apps
from django.contrib.postgres.indexes import GinIndex
from django.db import DatabaseError, migrations, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

INDEX_NAME = "claim_search_gin"


def _index() -> GinIndex:
    from claimtracker.claims.search import SEARCH_VECTOR

    # The same expression search.search() filters on, so the planner can use it.
    return GinIndex(SEARCH_VECTOR, name=INDEX_NAME)


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.add_index(apps.get_model("claims", "Claim"), _index())
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        # Not allowed for this role: similar claims fall back to shared words.
        pass


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("claims", "Claim"), _index())


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_search_documents")]

    operations = [migrations.RunPython(forwards, backwards)]
