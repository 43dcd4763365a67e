"""Gives the roles their permissions on links between claims (claims 0017)."""

from django.db import migrations

from claimtracker.accounts.migrations import _grants

ADDED = {
    "Viewer": ["view_relation"],
    "Editor": ["view_relation", "add_relation", "delete_relation"],
    "Reviewer": ["view_relation", "add_relation", "delete_relation"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_roles"),
        ("claims", "0017_claim_relations"),
    ]

    operations = [migrations.RunPython(*_grants.granting(ADDED))]
