"""Load without loss: editors add attributions through the page's form while
others read pages and export, all at once against a running server; no
request fails, and every write the server acknowledged is stored, once.
(bench/load_test.sh does the same under gunicorn at 32 connections.)"""

import http.client
import threading
import time
import uuid
from collections import Counter
from io import StringIO
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from claimtracker.claims.models import Actor, Attribution, Claim, Source
from tests.factories import editor as make_editor
from tests.factories import reviewer as make_reviewer
from tests.factories import viewer as make_viewer

EDITORS = 3
READERS = 3
EXPORTERS = 2
SECONDS = 8
CSRF_SECRET = "a" * 32  # the browser's CSRF cookie; an unmasked secret is a valid token too


def _cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"


class _Browser:
    def __init__(self, base: str, cookie: str) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.cookie = parts.hostname or "", parts.port or 80, cookie

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Cookie": self.cookie}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Location") or "", response.read()
        finally:
            connection.close()


@pytest.fixture
def running(live_server: Any, flushable_db: None) -> str:
    call_command("load_demo", force=True, stdout=StringIO())
    return str(live_server.url)


def test_writes_mixed_into_reads_and_exports_are_all_kept(running: str) -> None:
    claim = Claim.objects.order_by("pk").first()
    assert claim is not None
    actor, source = Actor.objects.get(name="Jake Sullivan"), Source.objects.first()
    assert source is not None
    run = uuid.uuid4().hex[:8]
    editors = [_Browser(running, _cookie(make_editor())) for _ in range(EDITORS)]
    reviewers = [_Browser(running, _cookie(make_reviewer())) for _ in range(READERS)]
    viewer = _Browser(running, _cookie(make_viewer()))
    claim_page = reverse("claims:detail", args=[claim.pk])
    reads = [
        claim_page,
        reverse("claims:list"),
        reverse("claims:review"),
        reverse("claims:actor_detail", args=[actor.pk]),
    ]
    exports = [reverse("exports:timeline_csv", args=[claim.pk]), reverse("exports:claims_csv") + "?q=troops"]

    acknowledged: list[str] = []
    answers: Counter[str] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def note(kind: str, status: int, expected: int, what: str) -> None:
        with lock:
            answers[f"{kind} {status}"] += 1
            if status != expected:
                failures.append(f"{kind} {what}: {status}")

    add = reverse("claims:add_attribution", args=[claim.pk])

    def write(n: int) -> None:
        count = 0
        while time.monotonic() < deadline:
            quote = f"load {run} editor {n} write {count}"
            form = {
                "csrfmiddlewaretoken": CSRF_SECRET,
                "submission": str(uuid.uuid4()),
                "actor": actor.name,
                "stance": "confirms",
                "certainty": "definite",
                "source": str(source.pk),
                "quote": quote,
                "quote_kind": "reported",
                "via": "",
                "stated_on": "2024-10-26",
                "stated_on_precision": "day",
            }
            try:
                status, location, _ = editors[n].request("POST", add, form)
            except OSError as error:
                with lock:
                    failures.append(f"write: {error!r}")
                continue
            note("write", status, 302, quote)
            if status == 302 and location.startswith(claim_page):
                with lock:
                    acknowledged.append(quote)
            count += 1

    def read(browser: _Browser, paths: list[str], kind: str) -> None:
        count = 0
        while time.monotonic() < deadline:
            path = paths[count % len(paths)]
            try:
                status, _, _ = browser.request("GET", path)
            except OSError as error:
                with lock:
                    failures.append(f"{kind} {path}: {error!r}")
                continue
            note(kind, status, 200, path)
            count += 1

    threads = [threading.Thread(target=write, args=(n,)) for n in range(EDITORS)]
    threads += [threading.Thread(target=read, args=(browser, reads, "read")) for browser in reviewers]
    threads += [threading.Thread(target=read, args=(viewer, exports, "export")) for _ in range(EXPORTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures[:10]
    assert answers["write 302"] >= EDITORS and answers["read 200"] >= READERS and answers["export 200"] >= EXPORTERS
    stored = list(Attribution.objects.filter(quote__startswith=f"load {run} ").values_list("quote", flat=True))
    assert sorted(stored) == sorted(acknowledged)  # every acknowledged write, once; nothing else
    print(f"load without loss: {dict(answers)}; {len(stored)} writes stored")  # noqa: T201 - in CI's log
