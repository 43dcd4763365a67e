from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClaimsConfig(AppConfig):
    name = "claimtracker.claims"
    label = "claims"
    verbose_name = "Claims"

    def ready(self) -> None:
        post_migrate.connect(_install_versions, sender=self, dispatch_uid="claims.versions.install")


def _install_versions(using: str, **kwargs: Any) -> None:
    """The data versions' triggers (claims/versions.py), made or mended after every migrate and flush."""
    from claimtracker.claims import versions

    versions.install(using)
