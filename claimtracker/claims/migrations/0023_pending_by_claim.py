from django.db import migrations, models

from claimtracker.lib.migrations import AddIndexWithoutLocking, RemoveIndexWithoutLocking


class Migration(migrations.Migration):
    """Work in review indexed by its claim: the review queue's first claims, which
    the page cache asks before every stored page of the queue, are read in order
    from the index alone, and the header's count still reads it. The new indexes
    are built before the old ones go."""

    atomic = False  # CREATE and DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("claims", "0022_rejected_indexes")]

    operations = [
        AddIndexWithoutLocking(
            model_name="attribution",
            index=models.Index(
                condition=models.Q(("review_state", "pending")), fields=["claim"], name="attribution_pending_claim_idx"
            ),
        ),
        AddIndexWithoutLocking(
            model_name="statuschange",
            index=models.Index(
                condition=models.Q(("review_state", "pending")), fields=["claim"], name="statuschange_pending_claim_idx"
            ),
        ),
        RemoveIndexWithoutLocking(model_name="attribution", name="attribution_pending_idx"),
        RemoveIndexWithoutLocking(model_name="statuschange", name="statuschange_pending_idx"),
    ]
