from django.db import migrations, models


class Migration(migrations.Migration):
    """The write generation, one counter bumped by a wrapper around Django's SQL,
    gives way to data versions the database's own triggers keep per claim, actor
    and source (claims/versions.py; the triggers are made after every migrate)."""

    dependencies = [
        ("claims", "0020_source_keyset_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("scope", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField()),
            ],
        ),
        migrations.DeleteModel(name="WriteGeneration"),
    ]
