"""The performance benchmark: server time and query count of every page at
newsroom scale, the Django admin's equivalents as the baseline, and the CSV
export against PostgreSQL's own COPY, checked against the targets of
docs/performance.md. Run it with `make bench` (after `make bench-data`), or:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench SECRET_KEY=bench-only-key \\
        ALLOWED_HOSTS=testserver .venv/bin/python bench/benchmark.py

Requests go through Django's test client in this process (no network), so the
time is the server's: URL routing, middleware, views, queries, templates. The
readers' pages are requested as a reviewer; the source workbench and /mine/ as
the editor generate_synthetic --mine-entries made (bench-editor), and they are
missed targets when the dataset lacks them. --only workbench mine measures
just those. Each
page is requested twice to warm up, then --requests times, or for --budget
seconds when it is slower (at least 3 times). The export runs in fresh
processes (bench/export_benchmark.py) so that its peak memory is its own.
Exits 1 when a target is missed.
"""

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100
TARGET_FILTERED_PAST_P95_MS = 300  # the list filtered by the status of a past date (issue 13)
TARGET_VS_ADMIN = 3.0
TARGET_EXPORT_RATIO = 0.5
TARGET_EXPORT_MB = 150


@dataclass
class Result:
    name: str
    url: str
    median_ms: float
    p95_ms: float
    requests: int
    queries: int
    queries_constant: bool
    kib: float
    admin: bool


def measure(
    client: Any, name: str, url: str, requests: int, budget: float, admin: bool, warm_up: int = 2, least: int = 3
) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warm_up):
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
    times: list[float] = []
    counts: set[int] = set()
    started = time.perf_counter()
    while len(times) < requests and (len(times) < least or time.perf_counter() - started < budget):
        with CaptureQueriesContext(connection) as queries:
            begin = time.perf_counter()
            response = client.get(url, secure=True)
            times.append((time.perf_counter() - begin) * 1000)
        counts.add(len(queries))
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1]
    return Result(
        name,
        url,
        statistics.median(times),
        p95,
        len(times),
        max(counts),
        len(counts) == 1,
        len(response.content) / 1024,
        admin,
    )


def pages(args: argparse.Namespace, missing: list[str]) -> list[Result]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtracker.settings")
    # Each timing is a full render: the page cache (claims/pagecache.py) would
    # serve every repeat from memory. bench/load_test.sh measures both.
    os.environ["PAGE_CACHE_SECONDS"] = "0"
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db.models import Count
    from django.test import Client

    from claimtracker.wsgi import settle

    settle()  # as the server's start-up does (claimtracker/wsgi.py)

    from claimtracker.claims import admin as claims_admin
    from claimtracker.claims import queries
    from claimtracker.claims.filters import SORT_KEYS
    from claimtracker.claims.management.commands.generate_synthetic import MINE_USERNAME, WORKBENCH_URL
    from claimtracker.claims.models import Attribution, Claim, ReviewState, Source, StatusChange
    from claimtracker.lib import keyset

    reviewer, _ = User.objects.get_or_create(username="bench-reviewer")
    reviewer.groups.add(Group.objects.get(name="Reviewer"))
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    # The skewed shapes generate_synthetic --hot-claims / --hot-actor-stances made.
    busiest = (
        Attribution.objects.values("claim_id").annotate(n=Count("pk")).order_by("-n").values_list("claim_id", flat=True)
    )[0]
    events = (
        Attribution.objects.filter(claim_id=busiest).count() + StatusChange.objects.filter(claim_id=busiest).count()
    )
    loudest = (
        Attribution.objects.values("actor_id").annotate(n=Count("pk")).order_by("-n").values_list("actor_id", flat=True)
    )[0]
    stances = Attribution.objects.filter(actor_id=loudest, review_state=ReviewState.APPROVED).count()
    pending = (
        Attribution.objects.filter(review_state=ReviewState.PENDING).count()
        + StatusChange.objects.filter(review_state=ReviewState.PENDING).count()
    )
    claims = Claim.objects.count()
    deep = keyset.cursor_at(queries.claims_for_list(), SORT_KEYS["newest"], claims // 2)
    # Views of the past (claims.moment): the middle of the statements' dates, and of the
    # recording, of all claims for the list and of the busiest claim for its page.
    as_of, known = _middle_dates()
    claim_as_of, claim_known = _middle_dates(busiest)
    plan = [
        ("/claims/", "/claims/", reviewer),
        (f"/claims/ as of {as_of}", f"/claims/?as_of={as_of}", reviewer),
        (f"/claims/ as known on {known}", f"/claims/?known={known}", reviewer),
        (f"/claims/ status disputed as of {as_of}", f"/claims/?as_of={as_of}&status=disputed", reviewer),
        (f"/claims/ status disputed as known on {known}", f"/claims/?known={known}&status=disputed", reviewer),
        ("/claims/ search", "/claims/?q=troops", reviewer),
        ("/claims/ search, Korean", "/claims/?q=%EB%AF%B8%EC%82%AC%EC%9D%BC", reviewer),
        ("/claims/ by actor", f"/claims/?actor={loudest}", reviewer),
        (f"/claims/ deep (claim {claims // 2:,} of {claims:,})", f"/claims/?after={deep}", reviewer),
        (f"claim page ({events:,} events)", f"/claims/{busiest}/", reviewer),
        (f"claim page as of {claim_as_of}", f"/claims/{busiest}/?as_of={claim_as_of}", reviewer),
        (f"claim page as known on {claim_known}", f"/claims/{busiest}/?known={claim_known}", reviewer),
        (f"actor page ({stances:,} stances)", f"/actors/{loudest}/", reviewer),
        (f"/review/ ({pending:,} pending)", "/review/", reviewer),
        # The read API (issue 14 part 4), read with the reviewer's session as a key would read it.
        ("API claims", "/api/v1/claims/", reviewer),
        (f"API claims as of {as_of}", f"/api/v1/claims/?as_of={as_of}", reviewer),
        ("API claims search", "/api/v1/claims/?q=troops", reviewer),
        (f"API claims deep (claim {claims // 2:,})", f"/api/v1/claims/?after={deep}", reviewer),
        (f"API claim ({events:,} events)", f"/api/v1/claims/{busiest}/", reviewer),
        (f"API actor ({stances:,} stances)", f"/api/v1/actors/{loudest}/", reviewer),
        ("API sources", "/api/v1/sources/", reviewer),
        ("admin claim list", "/admin/claims/claim/", admin),
        ("admin change page, same claim", f"/admin/claims/claim/{busiest}/change/", admin),
        ("admin change page, Django's inlines", f"/admin/claims/claim/{busiest}/change/", admin),
    ]
    # The editors' pages, as the editor generate_synthetic --workbench-quotes / --mine-entries made:
    # the source workbench (text with every quote highlighted, who is quoted, the form) and /mine/.
    editor = User.objects.filter(username=MINE_USERNAME, groups__name="Editor").first()
    workbench = Source.objects.filter(url__startswith=WORKBENCH_URL).order_by("-pk").first()
    lacking = [
        what
        for what, found in (
            ("no workbench source", workbench),
            (f"no user {MINE_USERNAME} in the Editor group", editor),
        )
        if found is None
    ]
    if lacking and (not args.only or any(word in "source workbench /mine/" for word in args.only)):
        missing.append(
            f"{' and '.join(lacking)}: make bench-data (generate_synthetic --workbench-quotes, --mine-entries)"
        )
        print(f"Not measured: {missing[-1]}\n")
    if editor is not None and workbench is not None:
        quoted = workbench.attributions.count()
        kib = len(workbench.body.encode()) / 1024
        plan.append(
            (f"source workbench ({quoted:,} quotes, {kib:,.0f} KiB), editor", workbench.get_absolute_url(), editor)
        )
        counts = queries.my_counts(editor)
        for state in ("pending", "rejected", "withdrawn"):
            plan.append((f"/mine/ {state} ({counts[state]:,}), first page", f"/mine/?state={state}", editor))
        deep = min(100, -(-counts["pending"] // queries.MINE_PAGE_SIZE))
        plan.append((f"/mine/ pending, page {deep}", f"/mine/?state=pending&page={deep}", editor))
    if args.print_urls:
        # The load test's page mix: the desk's pages (the API is not in it, as in earlier runs).
        print(" ".join(url for _, url, user in plan if user is reviewer and not url.startswith("/api/")))
        raise SystemExit(0)
    clients: dict[int, Any] = {}
    limit = claims_admin.INLINE_LIMIT
    results = []
    print(f"{len(plan)} pages on {claims:,} claims; median and p95 of up to {args.requests} requests\n")
    print(f"{'page':52} {'median ms':>10} {'p95 ms':>8} {'n':>4} {'queries':>8} {'KiB':>7}")
    for name, url, user in plan:
        if args.only and not any(word in name for word in args.only):
            continue
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
        if name.endswith("Django's inlines"):
            # The baseline a desk would otherwise use: the admin as Django renders it, every
            # entry an inline form (ours links to the entry lists past INLINE_LIMIT entries).
            # Minutes per request: measured twice, after one warm-up.
            claims_admin.INLINE_LIMIT = 10**9
            result = measure(clients[user.pk], name, url, 2, 0, True, warm_up=1, least=2)
            claims_admin.INLINE_LIMIT = limit
        else:
            result = measure(clients[user.pk], name, url, args.requests, args.budget, user is admin)
        results.append(result)
        constant = "" if result.queries_constant else " (varies)"
        print(
            f"{name:52} {result.median_ms:>10.1f} {result.p95_ms:>8.1f} {result.requests:>4} "
            f"{result.queries:>8}{constant} {result.kib:>7.0f}",
            flush=True,
        )
    return results


def _middle_dates(claim: int | None = None) -> tuple[str, str]:
    """The median statement date and the median day of recording (of one claim's
    attributions, or of all): views of the past that hold about half the record."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY stated_on),"
            " percentile_disc(0.5) WITHIN GROUP (ORDER BY created_at::date) FROM claims_attribution"
            + (" WHERE claim_id = %s" if claim else ""),
            [claim] if claim else [],
        )
        stated, recorded = cursor.fetchone()
    return stated.isoformat(), recorded.isoformat()


def export(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    sys.path.insert(0, str(ROOT / "bench"))
    import export_benchmark

    runs: dict[str, list[dict[str, float]]] = {"copy_plain": [], "app": []}
    for _ in range(args.export_runs):
        for kind in runs:
            runs[kind].append(export_benchmark.run(kind))
    summary = {}
    for kind, results in runs.items():
        summary[kind] = {
            "rows": results[0]["rows"],
            "rows_per_s": statistics.median(r["rows"] / r["seconds"] for r in results),
            "peak_mb": max(r["peak_mb"] for r in results),
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30, help="Requests per page (default 30).")
    parser.add_argument("--budget", type=float, default=20.0, help="Seconds per page, at least 3 requests.")
    parser.add_argument("--export-runs", type=int, default=1, help="Runs of the export and of COPY (default 1).")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--only", nargs="*", help="Measure only the pages whose names hold one of these words.")
    parser.add_argument("--print-urls", action="store_true", help="Print the app's page URLs (for bench/load_test.sh).")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()

    missed: list[str] = []
    results = pages(args, missed)
    print()
    for result in results:
        target = TARGET_FILTERED_PAST_P95_MS if " status " in result.name else TARGET_P95_MS
        if not result.admin and result.p95_ms >= target:
            missed.append(f"{result.name}: p95 {result.p95_ms:.0f} ms, target under {target} ms")
        if not result.admin and not result.queries_constant:  # the admin is the baseline, not held to it
            missed.append(f"{result.name}: the query count varied between requests")
    by_name = {r.name.split(" (")[0]: r for r in results}
    # The claim page's equivalent is the admin page showing the same timeline: Django's
    # inlines. Ours past INLINE_LIMIT entries shows links instead; compared for the record.
    pairs = [
        ("/claims/", "admin claim list", True),
        ("claim page", "admin change page, Django's inlines", True),
        ("claim page", "admin change page, same claim", False),
    ]
    for ours, theirs, enforced in pairs:
        if ours not in by_name or theirs not in by_name:
            continue
        page, admin = by_name[ours], by_name[theirs]
        speedup = admin.median_ms / page.median_ms
        target = f"target {TARGET_VS_ADMIN:.0f}x" if enforced else "no target: that page shows no timeline"
        print(f"{page.name} against {admin.name}: {speedup:.1f}x faster ({target})")
        if enforced and speedup < TARGET_VS_ADMIN:
            missed.append(f"{page.name}: {speedup:.1f}x the admin, target {TARGET_VS_ADMIN:.0f}x")
    figures: dict[str, Any] = {"pages": [r.__dict__ for r in results]}
    if not args.skip_export:
        summary = export(args)
        copy, app = summary["copy_plain"], summary["app"]
        ratio = app["rows_per_s"] / copy["rows_per_s"]
        print(
            f"CSV export of {app['rows']:,} rows: {app['rows_per_s']:,.0f} rows/s against COPY's "
            f"{copy['rows_per_s']:,.0f} = {ratio:.2f}x (target {TARGET_EXPORT_RATIO}x), "
            f"peak {app['peak_mb']:.0f} MB (target under {TARGET_EXPORT_MB} MB)"
        )
        if ratio < TARGET_EXPORT_RATIO or app["peak_mb"] >= TARGET_EXPORT_MB:
            missed.append("CSV export")
        figures["export"] = summary | {"ratio": ratio}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if missed:
        print("\nMissed targets:\n  " + "\n  ".join(missed))
        raise SystemExit(1)
    print("\nAll targets met.")


if __name__ == "__main__":
    main()
