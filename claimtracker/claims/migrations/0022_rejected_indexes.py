from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexWithoutLocking(AddIndexConcurrently):
    """Built CONCURRENTLY on PostgreSQL, where a plain CREATE INDEX would hold every
    write to the table (new attributions, review decisions) while it reads a
    million rows; a plain index elsewhere (SQLite has no concurrent build)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    """The header's count of one's entries sent back, asked before every stored page,
    read from partial indexes in a plan PostgreSQL keeps (lib/prepared.py)."""

    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("claims", "0021_data_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("review_state", "rejected")), fields=["created_by"], name="attribution_rejected_idx"
            ),
        ),
        AddIndexWithoutLocking(
            model_name="statuschange",
            index=models.Index(
                condition=models.Q(("review_state", "rejected")),
                fields=["recorded_by"],
                name="statuschange_rejected_idx",
            ),
        ),
    ]
