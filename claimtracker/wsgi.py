"""WSGI entry point, for gunicorn: ``gunicorn claimtracker.wsgi``."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtracker.settings")


def settle() -> None:
    """Move what start-up made (modules, settings, URL patterns, templates) out of
    the garbage collector's sight: it lives as long as the process, and each full
    collection walked it again. A large answer (the 5,000-event claim's JSON, 600
    KB) took 105-110 ms instead of 52 in one request of six, for a collection;
    frozen, 60-69 ms (docs/performance.md)."""
    gc.freeze()


application = get_wsgi_application()
settle()
