"""An answer to HEAD carries a GET's headers and no body (lib/head.py), as the
WSGI server gets it: gunicorn warns of, and drops, a body it is handed for HEAD."""

import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse

from claimtracker.claims.models import Claim

pytestmark = pytest.mark.django_db


def _wsgi(method: str, path: str) -> tuple[str, dict[str, str], bytes]:
    answered: list[tuple[str, list[tuple[str, str]]]] = []
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    body = b"".join(WSGIHandler()(environ, lambda status, headers, *_: answered.append((status, headers))))
    status, headers = answered[0]
    return status, dict(headers), body


def test_head_sends_a_gets_headers_without_its_body(demo: None, connection_kept: None) -> None:
    claim = Claim.objects.filter(published_at__isnull=False).first()
    assert claim is not None
    for path in (claim.get_public_url(), claim.get_public_url(), reverse("public:list"), reverse("login")):
        # HEAD first: a public page drawn for a HEAD is kept whole, and served whole to the GET after it.
        head_status, head_headers, head_body = _wsgi("HEAD", path)
        get_status, get_headers, get_body = _wsgi("GET", path)
        assert head_status == get_status == "200 OK", path
        assert head_body == b"" and get_body, path
        assert int(head_headers["Content-Length"]) == len(get_body), path
        assert head_headers["Content-Type"] == get_headers["Content-Type"]
