#!/usr/bin/env bash
# Load test of a published claim's public page (issue 14 part 3): gunicorn on
# loopback, wrk at CONNECTIONS connections, with no cookie, as a reader or a CDN
# asks. Runs the trivial view (/healthz), the public page of an ordinary claim
# (10 events, about 20 KB) and of the busiest (5,000 events, its page about
# 110 KB), both published first, with their data unchanged, in ROUNDS turns of
# DURATION each, compared by their mean rates; then the
# busiest claim's page again while bench/public_load.py changes that claim once
# a second and reads the page after each write, counting stale pages. Fails when
# a request errs, a page is stale, or the ordinary claim's page runs under 0.9 of
# the trivial view's requests per second (the busiest's ratio is printed: its
# size is what it costs).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench bench/public_load_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ct_bench}"
export SECRET_KEY="${SECRET_KEY:-bench-only-key}"
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0
DURATION="${DURATION:-5s}"  # each of ROUNDS turns of each page
ROUNDS="${ROUNDS:-6}"
WRITES_DURATION="${WRITES_DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-32}"
WORKERS="${WORKERS:-5}"
PORT="${PORT:-8101}"
PY=.venv/bin/python
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

$PY manage.py collectstatic --noinput -v0
read -r ORDINARY PUBLIC <<<"$($PY bench/public_load.py publish)"
.venv/bin/gunicorn -c gunicorn.conf.py claimtracker.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
    --access-logfile /dev/null --error-logfile /tmp/claimtracker-public-gunicorn.log &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
for path in "$ORDINARY" "$PUBLIC"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path")
    [ "$code" = 200 ] || { echo "$path answered $code" >&2; exit 1; }
done

run() {  # name, url[, duration]: prints requests per second and errors, keeps wrk's output
    local out rps p50 p99 non2xx socket
    out=$(wrk --threads 2 --connections "$CONNECTIONS" --duration "${3:-$DURATION}" --timeout 10s --latency "$2")
    echo "$out" >"/tmp/claimtracker-public-$1.out"
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
    socket=$(awk '/Socket errors:/ {print $4 + $6 + $8 + $10}' <<<"$out" | tr -d ,)
    printf '%-16s %10s req/s   p50 %-9s p99 %-9s errors %s\n' "$1" "$rps" "$p50" "$p99" "$((${non2xx:-0} + ${socket:-0}))"
    echo "$rps $((${non2xx:-0} + ${socket:-0}))" >"/tmp/claimtracker-public-$1"
}

echo "gunicorn, $WORKERS sync workers; wrk, $CONNECTIONS connections, $ROUNDS turns of $DURATION each; $ORDINARY and $PUBLIC"
# This machine's speed drifts within a minute (its neighbours, its CPU credits): the trivial view and
# the pages are asked in turns and compared by their mean rates, so a drift weighs on each alike.
for round in $(seq "$ROUNDS"); do
    run "trivial-$round" "http://127.0.0.1:$PORT/healthz"
    run "ordinary-$round" "http://127.0.0.1:$PORT$ORDINARY"
    run "public-$round" "http://127.0.0.1:$PORT$PUBLIC"
done
mean() {  # name: the mean rate of its turns and their errors, as run() writes them
    for round in $(seq "$ROUNDS"); do cat "/tmp/claimtracker-public-$1-$round"; done | awk '{ rps += $1; errors += $2; n++ } END { printf "%.2f %d\n", rps / n, errors }' \
        >"/tmp/claimtracker-public-$1"
}
for name in trivial ordinary public; do mean "$name"; done
seconds=${WRITES_DURATION%s}
$PY bench/public_load.py writes "http://127.0.0.1:$PORT" "$PUBLIC" "$seconds" >/tmp/claimtracker-public-writer.out &
WRITER=$!
run public-writes "http://127.0.0.1:$PORT$PUBLIC" "$WRITES_DURATION"
status=0
wait $WRITER || status=1
echo "writer: $(cat /tmp/claimtracker-public-writer.out) (one write a second, each read back at once)"

read -r trivial trivial_errors <"/tmp/claimtracker-public-trivial"
read -r ordinary ordinary_errors <"/tmp/claimtracker-public-ordinary"
read -r public public_errors <"/tmp/claimtracker-public-public"
read -r _ writes_errors <"/tmp/claimtracker-public-public-writes"
awk -v o="$ordinary" -v p="$public" -v t="$trivial" 'BEGIN {
    printf "mean rates: trivial %.1f, ordinary %.1f, busiest %.1f requests a second\n", t, o, p;
    printf "ordinary claim'"'"'s public page at %.3f of the trivial view'"'"'s requests per second (target 0.9)\n", o / t;
    printf "busiest claim'"'"'s public page at %.3f\n", p / t; exit (o / t >= 0.9 ? 0 : 1) }' || status=1
[ $((trivial_errors + ordinary_errors + public_errors + writes_errors)) -eq 0 ] || { echo "requests failed" >&2; status=1; }
exit $status
