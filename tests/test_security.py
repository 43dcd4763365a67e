"""Production settings: `check --deploy` is clean, every page carries HSTS over
HTTPS and a Content-Security-Policy without inline script, and failed logins
are throttled (django-axes)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claimtracker.claims.models import Claim
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory


def test_deploy_check_reports_nothing_with_production_settings() -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": "a-production-secret-of-fifty-characters-or-more-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "claims.example.org",
        "DATABASE_URL": "sqlite:///" + str(ROOT / "unused-by-check.sqlite3"),
        "SECURE_HSTS_PRELOAD": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_pages_over_https_carry_hsts_and_the_content_security_policy(demo: None, viewer: User) -> None:
    client = client_for(viewer)
    claim_url = Claim.objects.get(text="North Korea has sent troops to Russia").get_absolute_url()
    for url in ["/claims/", reverse("login"), claim_url]:
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        assert response["Strict-Transport-Security"].startswith("max-age=31536000"), url
        policy = dict(
            (part.split(" ", 1) + [""])[:2]
            for part in (p.strip() for p in response["Content-Security-Policy"].split(";"))
        )
        assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    html = client.get(claim_url, secure=True).content.decode()
    # The only inline <script> is the JSON-LD data block, which a browser never runs.
    inline = [chunk.split(">", 1)[0] for chunk in html.split("<script")[1:] if " src=" not in chunk.split(">", 1)[0]]
    assert inline == [' type="application/ld+json"']


def login(client: Client, username: str, password: str) -> int:
    return client.post(reverse("login"), {"username": username, "password": password}).status_code


def test_the_fifth_failed_login_is_refused_even_with_the_right_password(viewer: User, settings: object) -> None:
    client = Client()
    assert [login(client, viewer.username, "wrong") for _ in range(4)] == [200, 200, 200, 200]
    assert login(client, viewer.username, "wrong") == 429
    response = client.post(reverse("login"), {"username": viewer.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    # Another user at the same address is not locked out.
    other = User.objects.create_user("colleague", password=PASSWORD)
    assert login(Client(), other.username, PASSWORD) == 302


def test_a_successful_login_resets_the_count(viewer: User) -> None:
    client = Client()
    for _ in range(4):
        assert login(client, viewer.username, "wrong") == 200
    assert login(client, viewer.username, PASSWORD) == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert login(client, viewer.username, "wrong") == 200  # four more: still under the limit
    assert login(client, viewer.username, PASSWORD) == 302


def test_logged_in_pages_are_not_kept_by_the_browser(editor: User) -> None:
    """Back must not bring a page back as it was before work done in place on it."""
    client = client_for(editor)
    for url in [reverse("claims:list"), reverse("claims:mine"), reverse("claims:source_list")]:
        first, again = client.get(url), client.get(url)  # the second is served by the page cache
        for response in (first, again):
            assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url
