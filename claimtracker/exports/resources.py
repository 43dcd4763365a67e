"""django-import-export resources for bulk entry of actors and sources in the
admin (import with a dry-run preview that lists every bad row, and export).
Rows are saved through claims.services, with the importing user in the history.

Every exported text cell, in every format the admin offers, goes through the
one formula-neutralising rule of exports/csv.py (a leading apostrophe before =,
+, -, @, tab, carriage return or NUL); an import takes that apostrophe off
again, so an export imports back unchanged."""

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Source
from claimtracker.exports.csv import neutralise, unneutralise

ALIAS_SEPARATOR = ";"


if TYPE_CHECKING:  # the library's classes are generic only in its type stubs
    _ModelResource = resources.ModelResource[Any]
    _ForeignKeyWidget = ForeignKeyWidget[Actor]
else:
    _ModelResource = resources.ModelResource
    _ForeignKeyWidget = ForeignKeyWidget


class ActorByName(_ForeignKeyWidget):
    """An actor named in a cell; an unknown name is a clear error on that row."""

    def __init__(self) -> None:
        super().__init__(Actor, field="name")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        try:
            return super().clean(value, row, **kwargs)
        except Actor.DoesNotExist:
            raise ValueError(f"unknown actor {value!r}: add it first") from None


class _ThroughServices(_ModelResource):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user: User | None = kwargs.get("user")

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        # Every exported value passes here, dehydrate_* methods included.
        value = super().export_field(field, instance, **kwargs)
        return neutralise(value) if isinstance(value, str) else value

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        super().before_import_row(row, **kwargs)
        for name, value in row.items():
            if isinstance(value, str):
                row[name] = unneutralise(value)

    def _by(self) -> User:
        if self.user is None:
            raise ValueError("An import needs the importing user.")
        return self.user


class ActorResource(_ThroughServices):
    parent = fields.Field(attribute="parent", column_name="parent", widget=ActorByName())
    aliases = fields.Field(column_name="aliases")

    class Meta:
        model = Actor
        import_id_fields = ["name"]
        fields = ["name", "short_name", "kind", "country", "parent", "aliases", "wikidata_id", "description"]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True

    def dehydrate_aliases(self, actor: Actor) -> str:
        return f"{ALIAS_SEPARATOR} ".join(alias.name for alias in actor.aliases.all())

    def import_instance(self, instance: Actor, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        raw = row.get("aliases")
        instance._import_aliases = None if raw is None else str(raw).split(ALIAS_SEPARATOR)  # type: ignore[attr-defined]

    def do_instance_save(self, instance: Actor, is_create: bool = True) -> None:
        services.save_actor(instance, by=self._by(), aliases=getattr(instance, "_import_aliases", None))


class SourceResource(_ThroughServices):
    publisher = fields.Field(attribute="publisher", column_name="publisher", widget=ActorByName())

    class Meta:
        model = Source
        import_id_fields = ["url"]
        fields = ["url", "title", "publisher", "byline", "published_at", "dateline", "language", "kind", "body"]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True

    def do_instance_save(self, instance: Source, is_create: bool = True) -> None:
        services.save_source(instance, by=self._by())
