#!/usr/bin/env bash
# Load test (issue 15 part 7): two gunicorn servers of the app on loopback sharing
# PostgreSQL and one Redis (CACHE_URL), as a newsroom runs them behind a load
# balancer; wrk drives each server with half the connections for DURATION, and the
# figures are the two summed. The page mix: the pages bench/benchmark.py measures
# (the list with and without a search, by actor, deep, the 5,000-event claim, the
# 10,000-stance actor, the review queue), alternating with the page of a claim drawn
# from 1,000 ordinary ones, as a logged-in reviewer holding a session and a CSRF
# cookie as a browser does. Runs:
#
#   pages-uncached  the mix with the page cache off (PAGE_CACHE_SECONDS=0): every request renders
#   pages           the mix with the page cache on, nothing written
#   trivial-N       /healthz, a trivial Django view served the same way (the ceiling here), before
#                   and after each page mix: each mix is compared with the mean of the two
#   writes          the mix with every 10th request an editor adding an attribution to one of the
#                   1,000 claims, and the request after each acknowledged write reading that claim's
#                   page: a page without the new quote is stale (where the claim's timeline runs to
#                   more than one page, the first page, which holds the write, is read and checked)
#   exports         the mix with the busiest claim's CSV and JSON exports (3.5 MB each; wrk waits up to
#                   30 s for an answer, 10 s in the other runs), and every 10th request a write to the
#                   busiest claim (load without loss, measured apart from the page mix)
#
# Prints requests per second, p50 and p99 latency and errors for each, and the ratios
# to the trivial view; fails when a request errs, a page is stale, or a write is lost
# or doubled.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench bench/load_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ct_bench}"
export SECRET_KEY="${SECRET_KEY:-bench-only-key}"
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0
export CACHE_URL="${LOAD_CACHE_URL:-redis://127.0.0.1:6379/14}"
DURATION="${DURATION:-60s}"
CONNECTIONS="${CONNECTIONS:-32}"  # in all, half to each server
WORKERS="${WORKERS:-3}"  # per server
PORTS=("${PORT:-8100}" "$((${PORT:-8100} + 1))")
# Both servers are asked for the same host, as behind a load balancer: a page's address is part of its key.
HOST="127.0.0.1:${PORTS[0]}"
PY=.venv/bin/python
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v redis-cli >/dev/null || { echo "redis-cli is missing: apt-get install -y redis-tools" >&2; exit 1; }

$PY manage.py collectstatic --noinput -v0
# The tables the runs write, vacuumed as autovacuum keeps them in a deployment. This machine's PostgreSQL
# runs without it (autovacuum = off): the dead rows of earlier runs, and of a migrate that bumps every
# counter, slowed each later run's reads (the drawn mix from 0.138x to 0.089x over three runs).
for table in claims_dataversion claims_attribution claims_statuschange claims_queuelength claims_historicalattribution; do
    psql "$DATABASE_URL" -qc "VACUUM ANALYZE $table"
done
SERVERS=()
stop() {
    for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${SERVERS[@]}"; do wait "$pid" 2>/dev/null || true; done
    SERVERS=()
}
serve() {  # PAGE_CACHE_SECONDS for both new servers, which start on an empty Redis database
    stop
    redis-cli -u "$CACHE_URL" flushdb >/dev/null
    for port in "${PORTS[@]}"; do
        PAGE_CACHE_SECONDS=$1 .venv/bin/gunicorn -c gunicorn.conf.py claimtracker.wsgi --bind "127.0.0.1:$port" \
            --workers "$WORKERS" --access-logfile /dev/null --error-logfile "/tmp/claimtracker-load-gunicorn-$port.log" &
        SERVERS+=($!)
    done
    for port in "${PORTS[@]}"; do
        for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
        for path in "${PATHS[@]}"; do  # every page answers 200 before the clock starts
            code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "http://127.0.0.1:$port$path")
            [ "$code" = 200 ] || { echo "$path answered $code" >&2; exit 1; }
        done
    done
    if [ "$1" -gt 0 ]; then  # the cache on: every claim page of the mix stored before the clock starts
        xargs -P 4 -I{} curl -s -o /dev/null -H "Cookie: $COOKIE" "http://127.0.0.1:${PORTS[0]}{}" <"$CLAIMS"
    fi
}
trap stop EXIT

COOKIE="$($PY bench/session_cookie.py bench-reviewer)"
read -r -a PATHS <<<"$($PY bench/benchmark.py --print-urls)"
CLAIMS=/tmp/claimtracker-load-claims.txt
$PY bench/load_writes.py claims 1000 "$CLAIMS"

# The client shares this machine's two cores with the servers, so every run without writes drives wrk
# alike: two threads, and no Lua hook on the answers (mix_spread.lua drops its own when nothing is
# written). The write mix needs one thread a connection (its requests and answers alternate, for the
# check after a write) and reads each answer's body.
run() {  # name, threads per connection (1: one thread a connection), then wrk's arguments after the URL
    local name=$1 one_each=$2 half=$((CONNECTIONS / 2)) port pids=()
    shift 2
    for port in "${PORTS[@]}"; do
        wrk --threads "$([ "$one_each" = 1 ] && echo "$half" || echo 2)" --connections "$half" --duration "$DURATION" \
            --timeout "${TIMEOUT:-10s}" --latency -H "Cookie: $COOKIE" -H "Host: $HOST" \
            "http://127.0.0.1:$port${URL_PATH:-}" "${@//\{PORT\}/$port}" \
            >"/tmp/claimtracker-load-$name-$port.out" &
        pids+=($!)
    done
    wait "${pids[@]}"
    local rps=0 p50="" p99="" errors=0 out acknowledged=0 stale=0
    for port in "${PORTS[@]}"; do
        out=$(cat "/tmp/claimtracker-load-$name-$port.out")
        rps=$(awk -v a="$rps" '/^Requests\/sec:/ {print a + $2}' <<<"$out")
        p50="$p50$(awk '$1 == "50%" {print $2}' <<<"$out") "
        p99="$p99$(awk '$1 == "99%" {print $2}' <<<"$out") "
        errors=$((errors + $(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out" | grep . || echo 0)))
        errors=$((errors + $(awk '/Socket errors:/ {print $4 + $6 + $8 + $10}' <<<"$out" | tr -d , | grep . || echo 0)))
        acknowledged=$((acknowledged + $(awk '/^writes acknowledged/ {print $3}' <<<"$out" | grep . || echo 0)))
        stale=$((stale + $(awk '/^stale pages/ {print $3}' <<<"$out" | grep . || echo 0)))
    done
    printf '%-16s %10.1f req/s   p50 %-18s p99 %-18s errors %s\n' "$name" "$rps" "$p50" "$p99" "$errors"
    echo "$rps $errors $acknowledged $stale" >"/tmp/claimtracker-load-$name"
}

check_writes() {  # name, run: every acknowledged write stored once
    local acknowledged stored twice
    read -r _ _ acknowledged _ <"/tmp/claimtracker-load-$1"
    read -r stored twice <<<"$($PY bench/load_writes.py count "$2")"
    $PY bench/load_writes.py forget "$2" >/dev/null  # the dataset stays as generated
    # wrk stops with requests in flight: a write sent but not yet answered may be stored unacknowledged.
    echo "$1: writes $acknowledged acknowledged, $stored stored, $twice stored twice (in flight at the end: at most $CONNECTIONS)"
    if [ "$stored" -lt "$acknowledged" ] || [ "$stored" -gt $((acknowledged + CONNECTIONS)) ] || [ "$twice" -ne 0 ]; then
        echo "writes were lost or doubled" >&2
        exit 1
    fi
}

editor_cookie="$($PY bench/session_cookie.py bench-editor Editor)"
read -r claim_path source_id actor <<<"$($PY bench/load_writes.py target)"
mix() {  # every-th request a write (0: none), run: wrk's script and its arguments in MIX
    MIX=(-s bench/mix_spread.lua -- "$1" "$CLAIMS" "$actor" "$source_id" "$editor_cookie" "${editor_cookie##*=}" "$2" "${PATHS[@]}")
}

echo "two gunicorn servers, $WORKERS sync workers each, sharing PostgreSQL and Redis ($CACHE_URL);"
echo "wrk, $CONNECTIONS connections in all for $DURATION each"
# The trivial view is asked before and after each page mix, and each mix compared with the mean of
# the two: this machine's speed drifts by half within minutes (/healthz at 739 and 1,312 req/s in one
# run), which a single trivial run set against mixes minutes away turned into the ratios' noise.
serve 0
URL_PATH=/healthz run trivial-1 0
mix 0 none
run pages-uncached 0 "${MIX[@]}"
URL_PATH=/healthz run trivial-2 0
serve "${PAGE_CACHE_SECONDS:-300}"
run pages 0 "${MIX[@]}"
URL_PATH=/healthz run trivial-3 0
load_run="$(date +%s)"
mix 10 "$load_run {PORT}"
run writes 1 "${MIX[@]}"
check_writes writes "$load_run"
URL_PATH=/healthz run trivial-4 0

# Exports apart: the busiest claim's exports in the mix, every 10th request a write to that claim.
exports_run="$((load_run + 1))"
TIMEOUT=30s run exports 0 -s bench/mix_writes.lua -- 10 "$claim_path" "$actor" "$source_id" "$editor_cookie" \
    "${editor_cookie##*=}" "$exports_run {PORT}" "${PATHS[@]}" "${claim_path}timeline.csv" "${claim_path}timeline.json"
check_writes exports "$exports_run"

errors=0 stale=0
for name in trivial-1 pages-uncached trivial-2 pages trivial-3 writes trivial-4 exports; do
    read -r rps failed _ stale_pages <"/tmp/claimtracker-load-$name"
    errors=$((errors + failed))
    stale=$((stale + stale_pages))
    declare "rps_${name//-/_}=$rps"
done
awk -v c="$rps_pages" -v u="$rps_pages_uncached" -v w="$rps_writes" \
    -v t1="$rps_trivial_1" -v t2="$rps_trivial_2" -v t3="$rps_trivial_3" -v t4="$rps_trivial_4" 'BEGIN {
    printf "of the trivial view'"'"'s requests per second (the mean of the runs before and after each): "
    printf "pages %.3f (target 0.8), uncached %.3f (target 0.1), ", c / ((t2 + t3) / 2), u / ((t1 + t2) / 2)
    printf "one write in ten %.3f (target 0.3)\n", w / ((t3 + t4) / 2) }'
echo "stale pages after a committed write: $stale"
[ "$stale" -eq 0 ] || { echo "$stale pages were stale" >&2; exit 1; }
[ "$errors" -eq 0 ] || { echo "$errors requests failed" >&2; exit 1; }
