"""Behind a proxy and not: which client address login throttling counts
(django-axes, settings.client_ip_address), and which requests gunicorn
believes came over HTTPS (gunicorn.conf.py)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
PROXY = "10.0.0.2"  # REMOTE_ADDR of every request that came through the proxy


def login(username: str, password: str, forwarded_for: str) -> int:
    response = Client().post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    return response.status_code


@pytest.mark.django_db
def test_behind_a_proxy_only_the_client_that_failed_is_locked_out(viewer: User, settings: object) -> None:
    settings.TRUSTED_PROXY_COUNT = 1  # type: ignore[attr-defined]
    attacker = "203.0.113.5"
    assert [login(viewer.username, "wrong", attacker) for _ in range(4)] == [200] * 4
    assert login(viewer.username, "wrong", attacker) == 429
    assert login(viewer.username, PASSWORD, attacker) == 429
    # What the client itself put in front of the proxy's entry is not believed.
    assert login(viewer.username, PASSWORD, f"198.51.100.7, {attacker}") == 429
    # The user, through the same proxy from another address, still logs in.
    assert login(viewer.username, PASSWORD, "198.51.100.7") == 302


@pytest.mark.django_db
def test_behind_two_proxies_the_outer_ones_entry_is_the_client(viewer: User, settings: object) -> None:
    settings.TRUSTED_PROXY_COUNT = 2  # type: ignore[attr-defined]
    for spoofed in ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]:
        assert login(viewer.username, "wrong", f"{spoofed}, 203.0.113.5, 10.0.0.1") == 200
    assert login(viewer.username, "wrong", "192.0.2.5, 203.0.113.5, 10.0.0.1") == 429
    assert login(viewer.username, PASSWORD, "203.0.113.9, 10.0.0.1") == 302


@pytest.mark.django_db
def test_a_forwarded_for_that_is_no_address_counts_as_the_connection(viewer: User, settings: object) -> None:
    settings.TRUSTED_PROXY_COUNT = 1  # type: ignore[attr-defined]
    # Stored as the proxy's address (an inet column on PostgreSQL), never a server error.
    assert [login(viewer.username, "wrong", "not-an-address") for _ in range(5)] == [200] * 4 + [429]
    assert login(viewer.username, PASSWORD, "") == 429


@pytest.mark.django_db
def test_without_a_proxy_forwarded_for_is_ignored(viewer: User, settings: object) -> None:
    settings.TRUSTED_PROXY_COUNT = 0  # type: ignore[attr-defined]
    assert [login(viewer.username, "wrong", f"203.0.113.{i}") for i in range(5)] == [200] * 4 + [429]
    # A client cannot send another X-Forwarded-For to get out of its lockout.
    assert login(viewer.username, PASSWORD, "198.51.100.7") == 429


def _settings_value(name: str, **env: str) -> str:
    code = f"from django.conf import settings; print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "claimtracker.settings",
            "DEBUG": "1",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_trusted_proxy_count_follows_behind_proxy() -> None:
    assert _settings_value("TRUSTED_PROXY_COUNT") == "0"
    assert _settings_value("TRUSTED_PROXY_COUNT", BEHIND_PROXY="1") == "1"
    assert _settings_value("TRUSTED_PROXY_COUNT", BEHIND_PROXY="1", TRUSTED_PROXY_COUNT="2") == "2"
    assert _settings_value("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="2") == "0"


# --- gunicorn: X-Forwarded-Proto ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _hsts_over_forwarded_https(tmp_path: Path, **env: str) -> str | None:
    """Start gunicorn with the repository's config, ask /healthz from 127.0.0.1
    with X-Forwarded-Proto: https, and return the HSTS header it answers."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"]
        + ["claimtracker.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "SECRET_KEY": "a-test-secret-of-fifty-characters-or-more-0123456789-abcdefghijklmn",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "unused.sqlite3"),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"})
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    return response.headers.get("Strict-Transport-Security")  # type: ignore[no-any-return]
            except urllib.error.HTTPError as error:  # 503 without a database: the headers still count
                return error.headers.get("Strict-Transport-Security")
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stderr.read().decode() if server.stderr else "") from None
                time.sleep(0.1)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr:
            server.stderr.close()


def test_gunicorn_believes_forwarded_https_only_behind_a_proxy(tmp_path: Path) -> None:
    assert _hsts_over_forwarded_https(tmp_path) is None
    assert _hsts_over_forwarded_https(tmp_path, BEHIND_PROXY="0") is None
    hsts = _hsts_over_forwarded_https(tmp_path, BEHIND_PROXY="1")
    assert hsts is not None and hsts.startswith("max-age=31536000")
