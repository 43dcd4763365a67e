from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "claimtracker.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
