"""Print a Cookie header value (session and CSRF cookie, as a browser holds after
logging in) for a user of the benchmark database, so that a load generator can
request pages as that user: python bench/session_cookie.py NAME [ROLE], ROLE a
group (Reviewer by default)."""

import os
import sys
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtracker.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

user, _ = User.objects.get_or_create(username=sys.argv[1] if len(sys.argv) > 1 else "bench-reviewer")
user.groups.add(Group.objects.get(name=sys.argv[2] if len(sys.argv) > 2 else "Reviewer"))
# The app's session store (through the shared cache with CACHE_URL), as a login makes it.
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "claimtracker.accounts.backends.ModelBackend"  # the one that loads users
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
csrf_secret = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
print(f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf_secret}")
