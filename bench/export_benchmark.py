"""Export benchmark: the full timeline CSV export against PostgreSQL's own COPY.

Run against a PostgreSQL database filled by generate_synthetic (docs/performance.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench DEBUG=1 \\
        .venv/bin/python bench/export_benchmark.py --repeat 3

Each measurement runs in a fresh process, so that its peak memory (VmHWM, the
high-water mark of its own address space; ru_maxrss would carry over the peak of
the process that started it, as Linux keeps it across fork and exec) is its own:

- copy_plain: COPY (the same query, cells as stored) TO STDOUT WITH CSV, read by
  psycopg and thrown away: what PostgreSQL alone can do with these rows.
- app: GET /claims/export.csv as a logged-in viewer through Django's test client,
  every streamed byte read: the path users take (COPY with neutralising and
  formatting in SQL, CRLF line ends, streaming response).
- python: the Python writer over server-side cursors, as used on SQLite, for
  reference.
- xlsx (with --xlsx): the Excel workbook of every row, as
  `manage.py export_timelines --format xlsx` writes it (exports.xlsx, XlsxWriter
  in constant-memory mode), into a temporary file.

Prints one line per run and a summary with rows per second, peak memory and the
ratio of each path's speed to copy_plain's in the same run.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtracker.settings")
    import django

    django.setup()


def measure(kind: str) -> dict[str, float]:
    """One measurement, in this process."""
    _setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from claimtracker.claims.models import Claim
    from claimtracker.exports import copy
    from claimtracker.exports.stream import python_lines

    claims = Claim.objects.all()
    started = time.perf_counter()
    size = lines = 0
    if kind == "copy_plain":
        sql, params = copy.query(claims, include_pending=False, plain=True)
        with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as stream:
            while row := stream.read():
                size += len(row)
                lines += 1
    elif kind == "app":
        user, _ = User.objects.get_or_create(username="bench-viewer")
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name="Viewer"))
        client = Client()
        client.force_login(user)
        started = time.perf_counter()
        response = client.get("/claims/export.csv", secure=True)
        assert response.status_code == 200, response.status_code
        for chunk in response.streaming_content:  # type: ignore[attr-defined]
            size += len(chunk)
            # Chunks of whole rows, each ended by CRLF (the synthetic text holds no CR of its own).
            lines += chunk.count(b"\r\n")
    elif kind == "xlsx":
        import tempfile

        from claimtracker.exports import timeline, xlsx

        with tempfile.TemporaryFile() as out:
            lines = xlsx.write(timeline.rows(claims), out) + 1  # and the header, as the other paths count it
            size = out.tell()
    elif kind == "python":
        for line in python_lines(claims, include_pending=False, bom=False):
            size += len(line)
            lines += 1
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    seconds = time.perf_counter() - started
    return {"rows": lines - 1, "bytes": size, "seconds": seconds, "peak_mb": _peak_kib() / 1024}


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux


def run(kind: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--one", kind], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each measurement (the median is reported).")
    parser.add_argument("--skip-python", action="store_true", help="Leave out the slow Python-writer reference.")
    parser.add_argument("--xlsx", action="store_true", help="Also write the Excel workbook (minutes).")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    kinds = ["copy_plain", "app"] + ([] if args.skip_python else ["python"]) + (["xlsx"] if args.xlsx else [])
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    for attempt in range(args.repeat):
        for kind in kinds:  # interleaved, so that drift on a noisy machine hits every path alike
            result = run(kind)
            results[kind].append(result)
            print(
                f"run {attempt + 1} {kind:10} {result['rows']:>9,} rows {result['seconds']:7.2f} s "
                f"{result['peak_mb']:6.0f} MB",
                flush=True,
            )
    baseline = statistics.median(r["rows"] / r["seconds"] for r in results["copy_plain"])
    print("\nmedian over runs")
    print(f"{'path':10} {'rows':>10} {'rows/s':>10} {'vs COPY':>8} {'peak MB':>8}")
    summary = {}
    for kind in kinds:
        rate = statistics.median(r["rows"] / r["seconds"] for r in results[kind])
        peak = max(r["peak_mb"] for r in results[kind])
        rows = results[kind][0]["rows"]
        summary[kind] = {
            "rows": rows,
            "rows_per_s": round(rate),
            "ratio": round(rate / baseline, 2),
            "peak_mb": round(peak),
        }
        print(f"{kind:10} {rows:>10,} {rate:>10,.0f} {rate / baseline:>8.2f} {peak:>8.0f}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
