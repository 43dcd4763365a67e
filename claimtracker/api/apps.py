from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "claimtracker.api"
    label = "api"
    verbose_name = "Read API"
