#!/usr/bin/env bash
# Load test (issue 15 part 7): two gunicorn servers of the app on loopback sharing
# PostgreSQL and one Redis (CACHE_URL), as a newsroom runs them behind a load
# balancer; wrk drives each server with half the connections for DURATION, and the
# figures are the two summed. The page mix: the pages bench/benchmark.py measures
# (the list with and without a search, by actor, deep, the 5,000-event claim, the
# 10,000-stance actor, the review queue), alternating with the page of a claim drawn
# from 1,000 ordinary ones, as a logged-in reviewer holding a session and a CSRF
# cookie as a browser does. Runs, each mix in ROUNDS slices (3) of DURATION (20 s):
#
#   pages-uncached  the mix with the page cache off (PAGE_CACHE_SECONDS=0): every request renders
#   pages           the mix with the page cache on, nothing written
#   trivial-N       /healthz, a trivial Django view served the same way (the ceiling here), before the
#                   first slice and after every slice: each slice is compared with the mean of the
#                   trivial view's slices on either side, and a mix's ratio is the sum over its slices
#   writes          the mix with every 10th request an editor adding an attribution to one of the
#                   1,000 claims, and the request after each acknowledged write reading that claim's
#                   page: a page without the new quote is stale (where the claim's timeline runs to
#                   more than one page, the first page, which holds the write, is read and checked)
#   exports         the mix with the busiest claim's CSV and JSON exports (3.5 MB each; wrk waits up to
#                   30 s for an answer, 10 s in the other runs), and every 10th request a write to the
#                   busiest claim (load without loss, measured apart from the page mix), one 20 s run
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
DURATION="${DURATION:-20s}"  # a slice of a mix, and of the trivial view
ROUNDS="${ROUNDS:-3}"  # slices of each mix
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

rm -f /tmp/claimtracker-load-*  # an earlier run's figures, which the sums below would count
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

check_writes() {  # name, run, and the names of its slices (none: the one run of that name): every acknowledged write stored once
    local acknowledged=0 stored twice runs=0 part count
    for part in "${@:3}"; do
        read -r _ _ count _ <"/tmp/claimtracker-load-$part"
        acknowledged=$((acknowledged + count)) runs=$((runs + 1))
    done
    read -r stored twice <<<"$($PY bench/load_writes.py count "$2")"
    $PY bench/load_writes.py forget "$2" >/dev/null  # the dataset stays as generated
    # wrk stops with requests in flight: a write sent but not yet answered may be stored unacknowledged.
    local in_flight=$((runs * CONNECTIONS))
    echo "$1: writes $acknowledged acknowledged, $stored stored, $twice stored twice (in flight at the ends: at most $in_flight)"
    if [ "$stored" -lt "$acknowledged" ] || [ "$stored" -gt $((acknowledged + in_flight)) ] || [ "$twice" -ne 0 ]; then
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
echo "wrk, $CONNECTIONS connections in all; each mix in $ROUNDS slices of $DURATION, between slices of the trivial view"
# This machine's speed drifts by a third within minutes (/healthz at 986 and 1,120 req/s a minute apart),
# and one minute of a mix against the trivial view's minutes before and after it took that drift into
# the ratio (the cached mix read 0.781x and 0.869x in two runs of one commit). So each mix runs in
# slices, each between two slices of the trivial view, and its ratio is its requests against the
# trivial view's mean on either side of each slice, summed over the slices.
trivial=0
slices() {  # name, threads per connection, wrk's arguments ({ROUND}: the slice's number): ROUNDS slices, each followed by the trivial view
    local name=$1 round
    shift
    for round in $(seq "$ROUNDS"); do
        run "$name-$round" "${@//\{ROUND\}/$round}"
        echo "$trivial $((trivial + 1))" >"/tmp/claimtracker-load-$name-$round.around"
        trivial=$((trivial + 1))
        URL_PATH=/healthz run "trivial-$trivial" 0
    done
}
serve 0
URL_PATH=/healthz run trivial-0 0
mix 0 none
slices pages-uncached 0 "${MIX[@]}"
serve "${PAGE_CACHE_SECONDS:-300}"
slices pages 0 "${MIX[@]}"
load_run="$(date +%s)"
mix 10 "$load_run {PORT}.{ROUND}"  # each slice's quotes its own: a new wrk counts from 1 again
slices writes 1 "${MIX[@]}"
check_writes writes "$load_run" $(seq -f "writes-%g" "$ROUNDS")

# Exports apart: the busiest claim's exports in the mix, every 10th request a write to that claim.
exports_run="$((load_run + 1))"
TIMEOUT=30s run exports 0 -s bench/mix_writes.lua -- 10 "$claim_path" "$actor" "$source_id" "$editor_cookie" \
    "${editor_cookie##*=}" "$exports_run {PORT}" "${PATHS[@]}" "${claim_path}timeline.csv" "${claim_path}timeline.json"
check_writes exports "$exports_run" exports

errors=0 stale=0 ratios=""
for name in pages-uncached pages writes; do
    mixed=0 trivial_mean=0
    for round in $(seq "$ROUNDS"); do
        read -r rps failed _ stale_pages <"/tmp/claimtracker-load-$name-$round"
        read -r first second <"/tmp/claimtracker-load-$name-$round.around"  # the trivial view's slices beside it
        read -r before _ <"/tmp/claimtracker-load-trivial-$first"
        read -r after _ <"/tmp/claimtracker-load-trivial-$second"
        mixed=$(awk -v a="$mixed" -v b="$rps" 'BEGIN {print a + b}')
        trivial_mean=$(awk -v a="$trivial_mean" -v b="$before" -v c="$after" 'BEGIN {print a + (b + c) / 2}')
        errors=$((errors + failed))
        stale=$((stale + stale_pages))
    done
    ratios="$ratios $(awk -v m="$mixed" -v t="$trivial_mean" 'BEGIN {printf "%.3f", m / t}')"
done
for name in $(seq 0 "$trivial") exports; do
    [ "$name" = exports ] || name="trivial-$name"
    read -r _ failed _ _ <"/tmp/claimtracker-load-$name"
    errors=$((errors + failed))
done
read -r uncached pages writes <<<"$ratios"
echo "of the trivial view's requests per second (each slice against the trivial view's on either side):"
echo "  pages $pages (target 0.8), uncached $uncached (target 0.1), one write in ten $writes (target 0.3)"
echo "stale pages after a committed write: $stale"
[ "$stale" -eq 0 ] || { echo "$stale pages were stale" >&2; exit 1; }
[ "$errors" -eq 0 ] || { echo "$errors requests failed" >&2; exit 1; }
