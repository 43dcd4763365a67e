"""Gives the roles their permissions on links between claims (claims 0017)."""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

ADDED = {
    "Viewer": ["view_relation"],
    "Editor": ["view_relation", "add_relation", "delete_relation"],
    "Reviewer": ["view_relation", "add_relation", "delete_relation"],
}


def _permissions(apps: Apps, codenames: list[str]) -> list[object]:
    Permission = apps.get_model("auth", "Permission")
    found = list(Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))
    if len(found) != len(codenames):
        raise RuntimeError(f"Permissions missing: {sorted(codenames)}")
    return found


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # As in 0001: the permissions of a model made in this run exist only after
    # post_migrate, so they are made here.
    claims_config = apps.get_app_config("claims")
    models_module = getattr(claims_config, "models_module", None)
    claims_config.models_module = models_module or True  # type: ignore[assignment]
    create_permissions(claims_config, apps=apps, verbosity=0)  # type: ignore[arg-type]
    claims_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    for name, codenames in ADDED.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*_permissions(apps, codenames))


def revoke(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ADDED.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_roles"),
        ("claims", "0017_claim_relations"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
