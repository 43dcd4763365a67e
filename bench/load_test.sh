#!/usr/bin/env bash
# Load test: the app under gunicorn on loopback, driven by wrk for DURATION at
# CONNECTIONS connections on the mix of pages bench/benchmark.py measures (the
# list with and without a search, by actor, deep, the 5,000-event claim, the
# 10,000-stance actor, the review queue), as a logged-in reviewer holding a
# session and a CSRF cookie as a browser does; once as deployed (page cache on)
# and once with the page cache off (PAGE_CACHE_SECONDS=0: every request renders);
# then /healthz, a trivial Django view served the same way (the framework's
# ceiling on this machine); then the mix with exports and writes (every 10th
# request an editor adding an attribution), checking afterwards that every
# acknowledged write is stored, once. Prints requests per second, p50 and p99
# latency and errors for each, and fails when any request errs or a write is lost.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench bench/load_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ct_bench}"
export SECRET_KEY="${SECRET_KEY:-bench-only-key}"
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0
DURATION="${DURATION:-60s}"
CONNECTIONS="${CONNECTIONS:-32}"
WORKERS="${WORKERS:-5}"
PORT="${PORT:-8100}"
PY=.venv/bin/python
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

$PY manage.py collectstatic --noinput -v0
GUNICORN=
serve() {  # PAGE_CACHE_SECONDS for the new server
    [ -z "$GUNICORN" ] || { kill "$GUNICORN"; wait "$GUNICORN" 2>/dev/null || true; }
    PAGE_CACHE_SECONDS=$1 .venv/bin/gunicorn -c gunicorn.conf.py claimtracker.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
        --access-logfile /dev/null --error-logfile /tmp/claimtracker-load-gunicorn.log &
    GUNICORN=$!
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
    for path in "${PATHS[@]}"; do  # every page answers 200 before the clock starts
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT$path")
        [ "$code" = 200 ] || { echo "$path answered $code" >&2; exit 1; }
    done
}
trap '[ -z "$GUNICORN" ] || kill $GUNICORN 2>/dev/null || true' EXIT

COOKIE="$($PY bench/session_cookie.py bench-reviewer)"
read -r -a PATHS <<<"$($PY bench/benchmark.py --print-urls)"

run() {  # name, then wrk's arguments
    local name=$1 out
    shift
    out=$(wrk --threads 2 --connections "$CONNECTIONS" --duration "$DURATION" --timeout 10s --latency \
        -H "Cookie: $COOKIE" "$@")
    local rps p50 p99 non2xx socket
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
    socket=$(awk '/Socket errors:/ {print $4 + $6 + $8 + $10}' <<<"$out" | tr -d ,)
    printf '%-22s %10s req/s   p50 %-9s p99 %-9s errors %s\n' "$name" "$rps" "$p50" "$p99" "$((${non2xx:-0} + ${socket:-0}))"
    echo "$rps ${non2xx:-0} ${socket:-0}" >"/tmp/claimtracker-load-$name"
    echo "$out" >"/tmp/claimtracker-load-$name.out"
}

echo "gunicorn, $WORKERS sync workers; wrk, $CONNECTIONS connections for $DURATION each"
serve 0
run pages-uncached -s bench/mix.lua "http://127.0.0.1:$PORT" -- "${PATHS[@]}"
serve "${PAGE_CACHE_SECONDS:-300}"
run pages -s bench/mix.lua "http://127.0.0.1:$PORT" -- "${PATHS[@]}"
run trivial "http://127.0.0.1:$PORT/healthz"

# Load without loss: the page mix and the busiest claim's exports, with every 10th request an
# editor adding an attribution to the busiest claim (whose page is in the mix).
read -r claim_path source_id actor <<<"$($PY bench/load_writes.py target)"
editor_cookie="$($PY bench/session_cookie.py bench-editor Editor)"
load_run="$(date +%s)"
EXPORTS=("${claim_path}timeline.csv" "${claim_path}timeline.json")
run writes -s bench/mix_writes.lua "http://127.0.0.1:$PORT" -- 10 "$claim_path" "$actor" "$source_id" \
    "$editor_cookie" "${editor_cookie##*=}" "$load_run" "${PATHS[@]}" "${EXPORTS[@]}"
acknowledged=$(awk '/^writes acknowledged/ {print $3}' /tmp/claimtracker-load-writes.out)
read -r stored twice <<<"$($PY bench/load_writes.py count "$load_run")"
$PY bench/load_writes.py forget "$load_run" >/dev/null  # the dataset stays as generated
# wrk stops with requests in flight: a write sent but not yet answered may be stored unacknowledged.
echo "writes: $acknowledged acknowledged, $stored stored, $twice stored twice (in flight at the end: at most $CONNECTIONS)"
if [ "$stored" -lt "$acknowledged" ] || [ "$stored" -gt $((acknowledged + CONNECTIONS)) ] || [ "$twice" -ne 0 ]; then
    echo "writes were lost or doubled" >&2
    exit 1
fi

errors=0
for name in pages-uncached pages trivial writes; do
    read -r rps non2xx socket <"/tmp/claimtracker-load-$name"
    errors=$((errors + non2xx + socket))
    declare "rps_${name//-/_}=$rps"
done
awk -v a="$rps_pages" -v u="$rps_pages_uncached" -v b="$rps_trivial" 'BEGIN {
    printf "pages at %.3f of the trivial view'"'"'s requests per second (target 0.5); uncached %.3f\n", a / b, u / b }'
[ "$errors" -eq 0 ] || { echo "$errors requests failed" >&2; exit 1; }
