from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "claimtracker.exports"
    label = "exports"
    verbose_name = "Exports"
