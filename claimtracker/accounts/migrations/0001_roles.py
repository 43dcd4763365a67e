"""Creates the Viewer, Editor and Reviewer groups with their permissions."""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# The groups as they were made (claimtracker.accounts.roles holds today's; later
# migrations add to them).
_VIEWER = [
    f"view_{model}"
    for model in (
        "actor",
        "actoralias",
        "source",
        "topic",
        "claim",
        "attribution",
        "statuschange",
        "evidence",
        "status",
    )
]
_EDITOR = [
    *_VIEWER,
    *(
        f"{action}_{model}"
        for model in ("actor", "actoralias", "source", "topic", "claim", "attribution", "evidence")
        for action in ("add", "change")
    ),
    "add_statuschange",
]
ROLE_PERMISSIONS = {
    "Viewer": _VIEWER,
    "Editor": _EDITOR,
    "Reviewer": [*_EDITOR, "review_attribution", "review_statuschange"],
}


def create_roles(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Permissions are normally made after all migrations (post_migrate); make the
    # claims app's now so that the groups can hold them on a fresh database.
    claims_config = apps.get_app_config("claims")
    models_module = getattr(claims_config, "models_module", None)
    claims_config.models_module = models_module or True  # type: ignore[assignment]
    create_permissions(claims_config, apps=apps, verbosity=0)  # type: ignore[arg-type]
    claims_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def delete_roles(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("claims", "0003_triggers"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
