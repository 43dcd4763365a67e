"""Real servers for the tests that need more than the test client: gunicorn
instances of the app, a browser-like HTTP client, and a PostgreSQL primary with
a streaming replica of its own (DESIGN 8.5)."""

import glob
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "claimtracker"  # the demo users' (load_demo)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_env(**extra: str) -> dict[str, str]:
    """The environment of a manage.py command or a server of the app, on the given database and cache."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "claimtracker.settings",
        "DEBUG": "1",
        "SECRET_KEY": "tests-only-secret-key-not-for-any-deployment",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """A gunicorn server of the app; yields its address once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "claimtracker.wsgi"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if server.poll() is not None:
                raise AssertionError(f"gunicorn stopped: {server.stderr.read()[-3000:]}")  # type: ignore[union-attr]
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def what_failed(body: str) -> str:
    """What a page that failed says: the exception and its value on DEBUG's error page, else its start."""
    title = re.search(r"<title>(.*?)</title>", body, re.S)
    value = re.search(r'<pre class="exception_value">(.*?)</pre>', body, re.S)
    if title is None or value is None:
        return body[:300]
    return f"{title.group(1).strip()}: {value.group(1).strip()[:1000]}"


class Browser:
    """An HTTP client that keeps cookies, as a browser does, on one server or several."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def get(self, url: str, **headers: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(url, headers=headers))

    def post(self, url: str, data: dict[str, str]) -> tuple[int, str]:
        csrf = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        fields = {"csrfmiddlewaretoken": csrf, **data}
        body = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(url, data=body, headers={"Referer": url}))

    def log_in(self, base: str, username: str) -> None:
        self.get(f"{base}/accounts/login/")
        status, _ = self.post(f"{base}/accounts/login/", {"username": username, "password": PASSWORD})
        assert status == 302, f"{username} could not log in"

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def form_token(page: str, name: str = "submission") -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, f"no {name} field on the page"
    return found.group(1)


# --- A PostgreSQL primary and its streaming replica ------------------------------------------------------


class CannotStart(Exception):
    """The pair cannot run on this machine; the message says why."""


def _binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda path: int(path.split("/")[4]))
    if not found:
        raise CannotStart(f"PostgreSQL's {name} is not installed (/usr/lib/postgresql/*/bin)")
    return found[-1]


def _as_postgres(*command: str) -> list[str]:
    """PostgreSQL refuses to run as root: as the postgres user, when this is root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def _run(*command: str) -> None:
    done = subprocess.run(_as_postgres(*command), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise CannotStart(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout)[-1500:]}")


@dataclass
class Pair:
    primary_port: int
    replica_port: int
    replica_data: Path

    def stop_replica(self) -> None:
        """Stop the replica at once, as a crash would."""
        _run(_binary("pg_ctl"), "-D", str(self.replica_data), "-m", "immediate", "stop")


@contextmanager
def primary_and_replica() -> Iterator[Pair]:
    """Two clusters in a temporary folder, on two spare ports: a primary, and a
    replica made from it with pg_basebackup -R that streams its changes. Stops
    and removes both afterwards. CannotStart where they cannot run."""
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise CannotStart("runuser is missing, so PostgreSQL cannot be started as the postgres user")
    folder = Path(tempfile.mkdtemp(prefix="ct-replica-"))
    primary, replica, sockets = folder / "primary", folder / "replica", folder / "sockets"
    sockets.mkdir()
    started: list[Path] = []
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
            shutil.chown(sockets, "postgres")
        primary_port, replica_port = free_port(), free_port()
        _run(_binary("initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync")
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write("\nhost replication all 127.0.0.1/32 trust\n")
        for data, port in ((primary, primary_port), (replica, replica_port)):
            if data is replica:
                _run(_binary("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres",
                     "-D", str(replica), "-R", "-X", "stream")  # fmt: skip
            options = f"-p {port} -c listen_addresses=127.0.0.1 -k {sockets} -c fsync=off"
            log = str(folder / f"{data.name}.log")
            _run(_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start")
            started.append(data)
        yield Pair(primary_port, replica_port, replica)
    finally:
        for data in reversed(started):
            subprocess.run(_as_postgres(_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
                           capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
