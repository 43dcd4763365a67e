from django.db import migrations, models


def create_row(apps, schema_editor):
    apps.get_model("claims", "WriteGeneration").objects.using(schema_editor.connection.alias).get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0010_claim_status_cover_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="WriteGeneration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
