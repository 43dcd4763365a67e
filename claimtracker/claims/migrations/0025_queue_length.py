from django.db import migrations, models


class Migration(migrations.Migration):
    """The review queue's length kept by triggers (claims/versions.py, made after
    every migrate, which also counts it), not counted on every page."""

    dependencies = [
        ("claims", "0024_names_any_case"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueueLength",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("pending", models.BigIntegerField()),
            ],
        ),
    ]
