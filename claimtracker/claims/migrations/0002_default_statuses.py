"""Seeds the desk's default status vocabulary. Admins may rename or recolour
these rows later; code relies only on slug and verdict."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# slug, label, verdict, colour, description
DEFAULT_STATUSES = [
    ("unverified", "Unverified", "open", "#8a8f98", "Recorded, not yet checked by the desk."),
    (
        "reported",
        "Reported",
        "open",
        "#2f6fb3",
        "Reported by at least one credible source, not independently confirmed.",
    ),
    ("disputed", "Disputed", "open", "#c77700", "Credible actors assert and deny it."),
    ("corroborated", "Corroborated", "true", "#3c8d40", "Supported by independent credible sources."),
    ("confirmed", "Confirmed", "true", "#1e6b24", "Confirmed by a primary source or by the desk's own reporting."),
    ("false", "False", "false", "#b3261e", "Shown to be untrue."),
    ("retracted", "Retracted", "withdrawn", "#6b4e9b", "Withdrawn by the actors who made it."),
    ("superseded", "Superseded", "withdrawn", "#5f6368", "Replaced by a newer claim."),
]


def create_statuses(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Status = apps.get_model("claims", "Status")
    for order, (slug, label, verdict, color, description) in enumerate(DEFAULT_STATUSES, start=1):
        Status.objects.update_or_create(
            slug=slug,
            defaults={"label": label, "verdict": verdict, "color": color, "description": description, "order": order},
        )


def delete_statuses(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("claims", "Status").objects.filter(slug__in=[row[0] for row in DEFAULT_STATUSES]).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [migrations.RunPython(create_statuses, delete_statuses)]
