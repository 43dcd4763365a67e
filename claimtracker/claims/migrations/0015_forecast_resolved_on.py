"""Claim.resolved_on: the day a claim's current run of true statuses began,
when a forecast came true (claims.forecast), kept by services.refresh_current_status;
filled here for the claims whose current status is true."""

import itertools

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Exists, OuterRef


def fill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Claim = apps.get_model("claims", "Claim")
    StatusChange = apps.get_model("claims", "StatusChange")
    claims = Claim.objects.filter(current_status__verdict="true").values_list("pk", flat=True)
    corrected = Exists(StatusChange.objects.filter(corrects=OuterRef("pk"), review_state="approved"))
    changes = (
        StatusChange.objects.filter(claim__in=claims, review_state="approved")
        .exclude(corrected)
        .order_by("claim_id", "effective_on", "recorded_at", "id")
        .values_list("claim_id", "effective_on", "status__verdict")
    )
    for claim_id, rows in itertools.groupby(changes.iterator(chunk_size=5000), key=lambda row: row[0]):
        start = None
        for _, effective_on, verdict in rows:
            start = None if verdict != "true" else start or effective_on
        Claim.objects.filter(pk=claim_id).update(resolved_on=start)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0014_vocabulary_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="resolved_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
