"""The desk's sessions on a table that names each one's user
(accounts.models.Session); the sessions open when it is made are carried over,
so no one is logged out by the upgrade."""

from typing import Any

from django.db import migrations, models
from django.utils import timezone


def carry_over_open_sessions(apps: Any, schema_editor: Any) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    Old, New = apps.get_model("sessions", "Session"), apps.get_model("accounts", "Session")
    database = schema_editor.connection.alias
    decode = SessionStore().decode  # {} for data it cannot read, as a request would find it
    for old in Old.objects.using(database).filter(expire_date__gt=timezone.now()).iterator():
        user = decode(old.session_data).get("_auth_user_id")
        New.objects.using(database).create(
            session_key=old.session_key,
            session_data=old.session_data,
            expire_date=old.expire_date,
            user_id=int(user) if isinstance(user, str) and user.isdigit() else None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_publish_permission"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name="session key"),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user_id", models.IntegerField(blank=True, db_index=True, null=True)),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "db_table": "accounts_session",
                "abstract": False,
            },
        ),
        migrations.RunPython(carry_over_open_sessions, migrations.RunPython.noop),
    ]
