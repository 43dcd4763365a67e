from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ClaimsConfig(AppConfig):
    name = "claimtracker.claims"
    label = "claims"
    verbose_name = "Claims"

    def ready(self) -> None:
        from claimtracker.claims import pagecache

        connection_created.connect(pagecache.watch, dispatch_uid="claims.pagecache.watch")
