"""Index operations for the big tables (a million attributions), for migrations."""

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations


class _PlainElsewhere:
    """CONCURRENTLY on PostgreSQL, ``plain`` on other databases (SQLite has no
    concurrent build). The migration must say ``atomic = False``."""

    plain: Any  # the operation's plain form, whose database methods run elsewhere

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]
        else:
            self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]
        else:
            self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexWithoutLocking(_PlainElsewhere, AddIndexConcurrently):
    """Built CONCURRENTLY on PostgreSQL, where a plain CREATE INDEX would hold every
    write to the table (new attributions, review decisions) while it reads a
    million rows."""

    plain = migrations.AddIndex


class RemoveIndexWithoutLocking(_PlainElsewhere, RemoveIndexConcurrently):
    """Dropped CONCURRENTLY on PostgreSQL (DROP INDEX waits for, and then holds,
    the table's every reader and writer)."""

    plain = migrations.RemoveIndex
