"""Import benchmark: the admin's CSV import of large files, through the admin's own view.

    .venv/bin/python bench/import_benchmark.py [--sizes 5,49] [--import-mb 1]

Builds a SQLite database of its own (migrate and the demo) in a temporary folder,
writes timeline CSV files of the sizes asked for (rows in the export's format on
the demo's actors), and measures, each in a fresh process so that its peak
memory (VmHWM) is its own:

- the dry run of a valid file of each size, and of a file of that size whose
  every row is bad: seconds, peak memory, and the size of the page answered
  (which lists the first 200 problems and counts the rest);
- the confirming click on a valid file of --import-mb: seconds, rows a second,
  and the size of the request it sends.

"Flat" memory: the peak for the largest file is close to the peak for the
smallest, as the file is read a row at a time and never held whole.
"""

import argparse
import csv
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(folder: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="claimtracker.settings",
        DATABASE_URL=f"sqlite:///{folder}/db.sqlite3",
        IMPORT_UPLOAD_DIR=f"{folder}/kept",
        DEBUG="1",
        ALLOWED_HOSTS="testserver",
    )
    import django

    django.setup()


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def write_file(path: Path, megabytes: float, *, bad: bool) -> int:
    """A timeline CSV of about ``megabytes``: attributions on new claims, ten rows a claim."""
    from claimtracker.exports.timeline import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    base = dict.fromkeys(COLUMNS, "") | {
        "event_date": "2024-10-21",
        "date_precision": "day",
        "event": "attribution",
        "actor": "DPRK representative at the UN",
        "stance": "sort of" if bad else "denies",
        "certainty": "definite",
        "quote_kind": "direct",
        "source_title": "Yonhap report",
        "recorded_by": "editor",
        "review_state": "approved",
    }
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        while file.tell() < megabytes * 1024 * 1024:
            values = base | {
                "claim": f"Benchmark claim {rows // 10}: North Korea sent troops to Russia",
                "quote": f"It is a groundless rumor, number {rows}, 북한은 부인했다",
            }
            writer.writerow([values[name] for name in COLUMNS])
            file.write(out.getvalue())
            out.seek(0)
            out.truncate()
            rows += 1
    return rows


class _Browser:
    """Requests straight to the app's WSGI handler, with a body streamed from a
    file, as a server hands them over: the measurement is the app's memory, not
    a test client's copy of the upload."""

    def __init__(self, username: str) -> None:
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.handlers.wsgi import WSGIHandler
        from django.test import Client

        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        self.cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
        self.handler = WSGIHandler()

    def request(self, method: str, url: str, body: Path | None = None, content_type: str = "") -> tuple[int, bytes]:
        from django.conf import settings

        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": url,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "443",
            "HTTP_HOST": "testserver",
            "HTTP_REFERER": "https://testserver" + url,
            "wsgi.url_scheme": "https",
            "wsgi.input": body.open("rb") if body else io.BytesIO(),
            "CONTENT_LENGTH": str(body.stat().st_size if body else 0),
            "CONTENT_TYPE": content_type,
            "HTTP_COOKIE": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        answer: list[str] = []
        chunks = self.handler(environ, lambda status, headers: answer.append(status))
        content = b"".join(chunks)
        if csrf := re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content):
            self.token = csrf[1].decode()
        for cookie in getattr(chunks, "cookies", {}).values():
            self.cookies[cookie.key] = cookie.value
        self.cookies.setdefault(settings.CSRF_COOKIE_NAME, "")
        return int(answer[0].split()[0]), content

    def post(self, url: str, folder: str, fields: dict[str, str], file: Path | None = None) -> tuple[int, bytes]:
        """A multipart form, written to a file with the upload copied in by blocks."""
        boundary = "BenchBoundary7d"
        body = Path(folder) / "body"
        with body.open("wb") as out:
            for name, value in {"csrfmiddlewaretoken": self.token, **fields}.items():
                out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
            if file is not None:
                out.write(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file.name}"\r\n'
                    "Content-Type: text/csv\r\n\r\n".encode()
                )
                with file.open("rb") as data:
                    while block := data.read(1 << 20):
                        out.write(block)
                out.write(b"\r\n")
            out.write(f"--{boundary}--\r\n".encode())
        try:
            return self.request("POST", url, body, f"multipart/form-data; boundary={boundary}")
        finally:
            body.unlink()


def measure(folder: str, kind: str, path: str) -> dict[str, float]:
    _setup(folder)
    url = "/admin/claims/claim/import-csv/"
    browser = _Browser("admin")
    status, _page = browser.request("GET", url)
    assert status == 200, status
    started = time.perf_counter()
    status, page = browser.post(url, folder, {"_check": "1"}, Path(path))
    assert status == 200, status
    result = {"seconds": time.perf_counter() - started, "page_kb": len(page) / 1024}
    if kind == "import":
        token = re.search(rb'name="upload" value="([^"]+)"', page)[1].decode()  # type: ignore[index]
        fields = {"upload": token, "_import": "Import"}
        started = time.perf_counter()
        status, _page = browser.post(url, folder, fields)
        assert status == 302, status
        result |= {
            "import_seconds": time.perf_counter() - started,
            "request_bytes": len(str(fields)) + len(browser.token),
        }
    return result | {"peak_mb": _peak_mb()}


def run(folder: str, kind: str, path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--one", folder, kind, str(path)], capture_output=True, text=True
    )
    if output.returncode:
        raise SystemExit(output.stderr)
    return json.loads(output.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="5,49", help="Megabytes of the dry-run files, comma-separated.")
    parser.add_argument("--import-mb", type=float, default=1, help="Megabytes of the file imported.")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(*args.one)))
        return
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3", "DEBUG": "1"}
        for command in (["migrate", "-v0"], ["load_demo"]):
            subprocess.run([sys.executable, "manage.py", *command], check=True, cwd=ROOT, env=env, capture_output=True)
        _setup(folder)
        for megabytes in [float(size) for size in args.sizes.split(",")]:
            for bad in (False, True):
                path = Path(folder) / f"{megabytes}-{bad}.csv"
                rows = write_file(path, megabytes, bad=bad)
                result = run(folder, "check", path)
                print(
                    f"dry run {megabytes:5.0f} MB {'every row bad' if bad else 'valid':13} {rows:>9,} rows "
                    f"{result['seconds']:6.1f} s  peak {result['peak_mb']:5.0f} MB  page {result['page_kb']:6.0f} KB",
                    flush=True,
                )
                path.unlink()
        path = Path(folder) / "import.csv"
        rows = write_file(path, args.import_mb, bad=False)
        result = run(folder, "import", path)
        print(
            f"import  {args.import_mb:5.1f} MB {'valid':13} {rows:>9,} rows {result['import_seconds']:6.1f} s "
            f"({rows / result['import_seconds']:,.0f} rows/s)  peak {result['peak_mb']:5.0f} MB  "
            f"confirming request {result['request_bytes']} bytes",
            flush=True,
        )


if __name__ == "__main__":
    main()
