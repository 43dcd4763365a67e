"""Where one page's time goes: each query's time (median over the runs) and a
cProfile of the whole request, through Django's test client as
bench/benchmark.py measures it (page cache off). For a page that misses its
target; run against the benchmark database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench SECRET_KEY=bench-only-key \\
        ALLOWED_HOSTS=testserver .venv/bin/python bench/profile_page.py --user bench-editor /mine/?state=rejected

--explain also prints PostgreSQL's EXPLAIN ANALYZE of the slowest queries.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--user", default="bench-editor", help="Username to log in as (default bench-editor).")
    parser.add_argument("--runs", type=int, default=10, help="Timed requests after two warm-ups (default 10).")
    parser.add_argument("--top", type=int, default=25, help="Functions of the profile to print (default 25).")
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative (default) or tottime.")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="Empty the caches before each request (no stored summary or timeline; with CACHE_URL, the whole Redis "
        "database).",
    )
    parser.add_argument(
        "--first-views",
        type=Path,
        help="A file of paths, one a line (bench/load_writes.py claims): each request asks the next, a page drawn "
        "for the first time as in the load test's mix; URL names the run.",
    )
    parser.add_argument("--explain", type=int, default=0, help="EXPLAIN ANALYZE this many of the slowest queries.")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtracker.settings")
    os.environ["PAGE_CACHE_SECONDS"] = "0"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    first_views = iter(args.first_views.read_text().split() if args.first_views else [])

    def get(url: str) -> Any:
        if args.cold:
            for cache in caches.all():
                cache.clear()
        return client.get(next(first_views, url) if args.first_views else url, secure=True)

    client = Client()
    client.force_login(User.objects.get(username=args.user))
    for _ in range(2):
        assert get(args.url).status_code == 200
    totals, per_query = [], []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            begin = time.perf_counter()
            response = get(args.url)
            totals.append((time.perf_counter() - begin) * 1000)
        per_query.append([(float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries])
    print(
        f"{args.url} as {args.user}: median {statistics.median(totals):.1f} ms, max {max(totals):.1f} ms, "
        f"{len(response.content) / 1024:.0f} KiB, {len(per_query[0])} queries"
    )
    # Runs of different pages (--first-views) may differ in their queries: those of the runs like the first.
    alike = [run for run in per_query if len(run) == len(per_query[0])]
    medians = [statistics.median(run[i][0] for run in alike) for i in range(len(per_query[0]))]
    print(f"SQL: {sum(medians):.1f} ms (median of each query, summed); the rest is Python\n")
    for ms, (_, sql) in zip(medians, per_query[0], strict=True):
        print(f"{ms:8.2f} ms  {sql[:150]}")

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.runs):
        get(args.url)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(f"\ncProfile of {args.runs} requests ({args.sort}):")
    print(out.getvalue())

    if args.explain:
        slowest = sorted(zip(medians, per_query[0], strict=True), key=lambda p: -p[0])[: args.explain]
        with connection.cursor() as cursor:
            for ms, (_, sql) in slowest:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                print(f"--- {ms:.2f} ms: {sql[:300]}")
                print("\n".join(row[0] for row in cursor.fetchall()), "\n")


if __name__ == "__main__":
    main()
