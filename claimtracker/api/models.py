"""API keys: what a program shows in ``Authorization: Token <key>`` (or
``Bearer <key>``) to read the API as a user.

Only a SHA-256 digest of each key is stored, so a copy of the database does not
give the keys away; the key itself is printed once, when it is made
(``manage.py api_token USERNAME``). A key is 32 random bytes, so a plain digest
is as hard to reverse as the key is to guess: no slow password hash is needed,
and a request is checked with one indexed lookup. A revoked key is kept, marked,
so that the admin still shows whose it was and when it was last used.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_PREFIX = "ct_"  # tells a Claim Tracker key apart in a config file or a secret scanner
SHOWN_CHARS = 10  # of the key, kept in the clear to tell keys apart in the admin
LAST_USED_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> "ApiKeyQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(
        max_length=100, blank=True, help_text="What it is for: “CMS sidebar”, “data desk notebook”."
    )
    prefix = models.CharField(max_length=SHOWN_CHARS, editable=False, help_text="The key's first characters.")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})" if self.name else f"{self.prefix}…"

    @classmethod
    def make(cls, user: object, name: str = "") -> tuple["ApiKey", str]:
        """A new key for ``user``: the saved row, and the key, which is not stored."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(user=user, name=name, prefix=key[:SHOWN_CHARS], key_digest=digest(key))
        return row, key

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            ApiKey.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=self.revoked_at)

    def used(self) -> None:
        """Note the use, writing at most every LAST_USED_EVERY: a busy key does not write on every read."""
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_EVERY:
            self.last_used_at = now
            ApiKey.objects.filter(pk=self.pk).update(last_used_at=now)
