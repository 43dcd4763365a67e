"""Granting the roles permissions of the claims app, for the data migrations
after 0001 (a module the migration loader skips: its name begins with _)."""

from collections.abc import Callable

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

Operation = Callable[[Apps, BaseDatabaseSchemaEditor], None]


def _permissions(apps: Apps, codenames: list[str]) -> list[object]:
    Permission = apps.get_model("auth", "Permission")
    found = list(Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))
    if len(found) != len(set(codenames)):
        raise RuntimeError(f"Permissions missing: {sorted(codenames)}")
    return found


def granting(added: dict[str, list[str]]) -> tuple[Operation, Operation]:
    """RunPython's pair: give each group (by name, where it exists) these
    permissions, and take them back."""

    def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        # As in 0001: the permissions of a model or Meta made in this run exist only
        # after post_migrate, so they are made here.
        claims_config = apps.get_app_config("claims")
        models_module = getattr(claims_config, "models_module", None)
        claims_config.models_module = models_module or True  # type: ignore[assignment]
        create_permissions(claims_config, apps=apps, verbosity=0)  # type: ignore[arg-type]
        claims_config.models_module = models_module
        Group = apps.get_model("auth", "Group")
        for name, codenames in added.items():
            group = Group.objects.filter(name=name).first()
            if group is not None:
                group.permissions.add(*_permissions(apps, codenames))

    def revoke(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        for name, codenames in added.items():
            group = Group.objects.filter(name=name).first()
            if group is not None:
                group.permissions.remove(
                    *Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
                )

    return grant, revoke
