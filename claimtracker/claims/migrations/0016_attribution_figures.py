"""Figures on attributions: the number a statement gives, its bound and unit
("about 10,000 troops"). They are content, so the triggers that freeze an
approved attribution (migration 0013) are made again to cover them."""

from importlib import import_module

import django.core.validators
from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

_frozen = import_module("claimtracker.claims.migrations.0013_frozen_attributions")
FROZEN_MESSAGE = _frozen.FROZEN_MESSAGE
CONTENT_COLUMNS = (*_frozen.CONTENT_COLUMNS, "figure", "figure_bound", "figure_unit")
STATEMENTS = _frozen.statements(CONTENT_COLUMNS)


def create_triggers(apps: Apps | None, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _frozen.create_triggers(apps, schema_editor, STATEMENTS)


def drop_triggers(apps: Apps | None, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _frozen.drop_triggers(apps, schema_editor, STATEMENTS)


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _frozen.drop_triggers(apps, schema_editor)
    create_triggers(apps, schema_editor)


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    drop_triggers(apps, schema_editor)
    _frozen.create_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0015_forecast_resolved_on"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="attribution",
            name="figure",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                max_digits=20,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AddField(
            model_name="attribution",
            name="figure_bound",
            field=models.CharField(
                blank=True,
                choices=[
                    ("exactly", "exactly"),
                    ("about", "about"),
                    ("at_least", "at least"),
                    ("more_than", "more than"),
                    ("up_to", "up to"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="attribution",
            name="figure_unit",
            field=models.CharField(blank=True, help_text='What is counted: "troops".', max_length=50),
        ),
        migrations.AddField(
            model_name="historicalattribution",
            name="figure",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                max_digits=20,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AddField(
            model_name="historicalattribution",
            name="figure_bound",
            field=models.CharField(
                blank=True,
                choices=[
                    ("exactly", "exactly"),
                    ("about", "about"),
                    ("at_least", "at least"),
                    ("more_than", "more than"),
                    ("up_to", "up to"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="historicalattribution",
            name="figure_unit",
            field=models.CharField(blank=True, help_text='What is counted: "troops".', max_length=50),
        ),
        migrations.AddConstraint(
            model_name="attribution",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("figure__isnull", True), ("figure_bound", ""), ("figure_unit", "")),
                    models.Q(
                        ("figure__gte", 0),
                        ("figure__isnull", False),
                        ("figure_bound__in", ["exactly", "about", "at_least", "more_than", "up_to"]),
                    ),
                    _connector="OR",
                ),
                name="attribution_figure_complete",
                violation_error_message=(
                    "A figure needs how it is given (exactly, about, at least, more than, up to); "
                    "how it is given and a unit need the figure."
                ),
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
