"""``manage.py api_token USERNAME [--name WHAT]``: a new API key for the user,
printed once (only its digest is stored)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claimtracker.api.models import ApiKey


class Command(BaseCommand):
    help = "Print a new API key for USERNAME. It reads the API with that user's role; revoke it in the admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the key is for, shown in the admin: “CMS sidebar”.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is deactivated: a key of theirs would be refused.")
        name = name.strip()
        if len(name) > ApiKey._meta.get_field("name").max_length:  # type: ignore[operator]
            raise CommandError("--name is too long: at most 100 characters.")
        _, key = ApiKey.make(user, name)
        self.stdout.write(key)
        self.stderr.write(
            f"A new API key for {username}; it is shown only now. Send it as “Authorization: Bearer <key>”."
        )
