from django.conf import settings
from django.db import migrations, models

from claimtracker.lib.migrations import AddIndexWithoutLocking


class Migration(migrations.Migration):
    """The header's count of one's entries sent back, asked before every stored page,
    read from partial indexes in a plan PostgreSQL keeps (lib/prepared.py)."""

    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("claims", "0021_data_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("review_state", "rejected")), fields=["created_by"], name="attribution_rejected_idx"
            ),
        ),
        AddIndexWithoutLocking(
            model_name="statuschange",
            index=models.Index(
                condition=models.Q(("review_state", "rejected")),
                fields=["recorded_by"],
                name="statuschange_rejected_idx",
            ),
        ),
    ]
