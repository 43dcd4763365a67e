"""The server's log: a request refused on purpose is one line, a server error
keeps its traceback (lib/logs.py, settings.LOGGING)."""

import io
import logging
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims.models import Claim
from claimtracker.lib.logs import RefusalsWithoutTraceback
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler writes, as the server's log."""
    [handler] = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    assert isinstance(handler, logging.StreamHandler)
    assert any(isinstance(each, RefusalsWithoutTraceback) for each in handler.filters)
    written = io.StringIO()
    before = handler.setStream(written)
    try:
        yield written
    finally:
        handler.setStream(before)


def test_a_refused_write_is_one_line_without_a_traceback(demo: None, viewer: User, console: io.StringIO) -> None:
    claim = Claim.objects.order_by("pk").first()
    assert claim is not None
    response = client_for(viewer).post(reverse("claims:add_attribution", args=[claim.pk]), {})
    assert response.status_code == 403
    assert f"Forbidden (Permission denied): /claims/{claim.pk}/attributions/" in console.getvalue()
    assert "Traceback" not in console.getvalue()


def test_djangos_records_are_written_once() -> None:
    """Through the console alone: Django's default handlers, its own console
    while DEBUG is on among them, are not on its loggers."""
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django.request").handlers == []
    # runserver's line for each request keeps its own, dated, and goes nowhere else.
    server = logging.getLogger("django.server")
    assert "ServerFormatter" in [type(handler.formatter).__name__ for handler in server.handlers]
    assert not server.propagate


def test_a_server_error_keeps_its_traceback(console: io.StringIO) -> None:
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        logging.getLogger("django.request").error("Internal Server Error: /", exc_info=True, extra={"status_code": 500})
    assert "Traceback" in console.getvalue()
    assert "RuntimeError: the database went away" in console.getvalue()
