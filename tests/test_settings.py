"""Settings come from the environment; a production start without a secret key is refused."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from claimtracker.lib.env import code_digest, env_bool, env_caches, env_list

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_env_bool_reads_common_spellings_and_refuses_others(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False), ("", False)]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG") is expected
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", default=True) is True
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be one of"):
        env_bool("FLAG")


def test_env_list_splits_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", " news.example.org, ,claims.example.org ")
    assert env_list("HOSTS") == ["news.example.org", "claims.example.org"]
    monkeypatch.delenv("HOSTS")
    assert env_list("HOSTS", ["localhost"]) == ["localhost"]


def test_production_start_without_secret_key_is_refused_with_a_clear_message() -> None:
    result = manage("check")

    assert result.returncode != 0
    assert "Configuration error: SECRET_KEY must be set when DEBUG is off." in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_runs_with_the_development_key_and_production_with_its_own() -> None:
    assert manage("check", DEBUG="1").returncode == 0
    production = manage("check", SECRET_KEY="x" * 50, ALLOWED_HOSTS="claims.example.org")
    assert production.returncode == 0, production.stderr


def test_deploy_check_passes_with_production_settings() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        ALLOWED_HOSTS="claims.example.org",
        SECURE_HSTS_PRELOAD="1",
    )
    assert result.returncode == 0, result.stderr


def test_a_new_release_keeps_its_rendered_html_apart_in_a_shared_cache(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    template = tmp_path / "app" / "form.html"
    template.write_text("<label>Actor</label>")
    (tmp_path / "app" / "__pycache__").mkdir()
    (tmp_path / "app" / "__pycache__" / "form.cpython-311.pyc").write_bytes(b"compiled")
    first = code_digest(tmp_path)
    (tmp_path / "app" / "__pycache__" / "form.cpython-311.pyc").write_bytes(b"compiled again")
    assert code_digest(tmp_path) == first
    template.write_text("<label>Who said it</label>")
    second = code_digest(tmp_path)
    assert second != first
    (tmp_path / "app" / "site.css").write_text("h1 { color: black }")  # pages name static files by their hash
    assert code_digest(tmp_path) != second
    pinned = tmp_path / "requirements.txt"
    pinned.write_text("Django==5.2.8\n")
    with_requirements = code_digest(tmp_path / "app", pinned)
    pinned.write_text("Django==5.2.9\n")  # a new Django may render differently
    assert code_digest(tmp_path / "app", pinned) != with_requirements
    old, new = env_caches("redis://127.0.0.1:6379/1", first), env_caches("redis://127.0.0.1:6379/1", second)
    for alias in ("default", "pages"):
        assert old[alias]["KEY_PREFIX"] != new[alias]["KEY_PREFIX"]
        assert old[alias]["LOCATION"] == new[alias]["LOCATION"]
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        env_caches("memcached://127.0.0.1:11211", first)


def test_prepared_statements_are_on_for_postgresql_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from claimtracker.settings import _database

    url = "postgres://app@db.example:5432/claims"
    assert _database(url)["OPTIONS"]["prepare_threshold"] == 5
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")
    assert _database(url)["OPTIONS"]["prepare_threshold"] is None
    assert "prepare_threshold" not in _database("sqlite:///claims.sqlite3")["OPTIONS"]


def test_the_server_start_up_moves_what_it_made_out_of_the_collectors_sight() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import gc, claimtracker.wsgi; print(gc.get_freeze_count())"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 10_000  # Django's modules, the settings, the URL patterns
