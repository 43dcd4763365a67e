"""Timeline CSV files kept on the server between the import's dry run and its
confirming click, so that the click sends a token, not the file again.

A file that passes the dry run is kept under ``<user id>/<token>.csv`` in the
``imports`` storage (settings.STORAGES; a folder of its own, IMPORT_UPLOAD_DIR).
The token is random and only the user who uploaded the file can open it by its
token. The import takes the token as its one-time form token (claims.submissions),
so a second click imports nothing, and removes the file once it has imported.
Files not imported are removed after IMPORT_UPLOAD_HOURS.
"""

import datetime
import uuid
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.utils import timezone


def _storage() -> Storage:
    return storages["imports"]


def _name(token: uuid.UUID, user: User) -> str:
    return f"{user.pk}/{token.hex}.csv"


def keep(file: IO[bytes], user: User) -> uuid.UUID:
    """Keep the file for its user; its token."""
    _sweep()
    token = uuid.uuid4()
    file.seek(0)
    _storage().save(_name(token, user), File(file))
    return token


def kept(token: uuid.UUID, user: User) -> IO[bytes] | None:
    """The user's kept file, opened for reading, or None when it is gone
    (imported, expired) or is not theirs."""
    storage, name = _storage(), _name(token, user)
    if not storage.exists(name):
        return None
    return storage.open(name, "rb")


def discard(token: uuid.UUID, user: User) -> None:
    _storage().delete(_name(token, user))


def _sweep() -> None:
    """Remove kept files older than IMPORT_UPLOAD_HOURS."""
    storage = _storage()
    oldest = timezone.now() - datetime.timedelta(hours=settings.IMPORT_UPLOAD_HOURS)
    try:
        folders, _files = storage.listdir("")
    except FileNotFoundError:  # nothing kept yet
        return
    for folder in folders:
        for name in storage.listdir(folder)[1]:
            path = f"{folder}/{name}"
            try:
                if storage.get_modified_time(path) < oldest:
                    storage.delete(path)
            except FileNotFoundError:  # removed meanwhile (imported, or swept by another worker)
                pass
