"""Page benchmark: server time and SQL query count of the app's pages and of the
Django admin's equivalents, on a dataset made by generate_synthetic.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench SECRET_KEY=bench-only-key \\
        ALLOWED_HOSTS=testserver .venv/bin/python bench/pages_benchmark.py --requests 30

Requests go through Django's test client in this process (no network), so the
time is the server's: URL routing, middleware, views, queries, templates. Each
page is requested once to warm up, then --requests times; the median, the 95th
percentile and the query count of the last request are printed.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtracker.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claimtracker.claims.models import Actor, Claim

    viewer, _ = User.objects.get_or_create(username="bench-viewer")
    viewer.groups.add(Group.objects.get(name="Reviewer"))
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    busiest = Claim.objects.annotate(n=Count("attributions")).order_by("-n").values_list("pk", "n").first()
    actor = Actor.objects.annotate(n=Count("attributions")).order_by("-n").values_list("pk", "n").first()
    assert busiest and actor, "run generate_synthetic first"
    pages = {
        "claims list": ("/claims/", viewer),
        "claims search": ("/claims/?q=troops", viewer),
        "claims by actor": (f"/claims/?actor={actor[0]}", viewer),
        "claims page 2000": ("/claims/?page=2000", viewer),
        f"claim page ({busiest[1]} attributions)": (f"/claims/{busiest[0]}/", viewer),
        f"actor page ({actor[1]} stances)": (f"/actors/{actor[0]}/", viewer),
        "review queue": ("/review/", viewer),
        "admin claim list": ("/admin/claims/claim/", admin),
        "admin busiest claim": (f"/admin/claims/claim/{busiest[0]}/change/", admin),
    }
    clients = {}
    results = {}
    print(f"{'page':36} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for name, (url, user) in pages.items():
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
        client = clients[user.pk]
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                client.get(url, secure=True)
                times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
        results[name] = {"median_ms": round(median, 1), "p95_ms": round(p95, 1), "queries": len(queries)}
        print(f"{name:36} {median:>10.1f} {p95:>8.1f} {len(queries):>8}", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
