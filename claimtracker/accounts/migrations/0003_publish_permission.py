"""Gives reviewers the permission to publish claims (claims 0019)."""

from django.db import migrations

from claimtracker.accounts.migrations import _grants

ADDED = {"Reviewer": ["publish_claim"]}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_relation_permissions"),
        ("claims", "0019_publishing"),
    ]

    operations = [migrations.RunPython(*_grants.granting(ADDED))]
