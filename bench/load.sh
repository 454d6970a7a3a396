#!/usr/bin/env bash
# Load test: gunicorn (2 workers) on loopback, then wrk for 20 s against "my agency's actions"
# (/actions/) as a signed-in representative and for 20 s against /healthz (the minimal route
# of the same app), in the same run. Prints both requests per second, their ratio, the p99
# latencies and the count of non-2xx responses (must be 0). Stops gunicorn at the end.
#
#   bench/load.sh                        # the large SQLite data set (instance/bench/large.sqlite3)
#   DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/h_perf_large bench/load.sh
#
# Seed first with bench/seed_large.py. Settings: DURATION (default 20s), CONNECTIONS (8),
# THREADS (2), PORT (8765), REP_EMAIL (rep1@bench.example). wrk (Debian package) is installed
# with apt-get when missing. gunicorn runs the development configuration (plain HTTP cookies, no
# second factor) so curl can sign in through the real form; everything else — workers, the
# database, the audit trail written on every page — is as in production.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DATABASE_URL="${DATABASE_URL:-sqlite:///$ROOT/instance/bench/large.sqlite3}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-8}"
THREADS="${THREADS:-2}"
PORT="${PORT:-8765}"
REP_EMAIL="${REP_EMAIL:-rep1@bench.example}"
PASSWORD="$(.venv/bin/python -c 'import sys; sys.path.insert(0, "bench"); from seed_large import BENCH_PASSWORD; print(BENCH_PASSWORD)')"
BASE="http://127.0.0.1:$PORT"

if ! command -v wrk >/dev/null 2>&1; then
    echo "Installing wrk (Debian package)…"
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -q wrk >/dev/null; else sudo apt-get install -y -q wrk >/dev/null; fi
fi

WORK="$(mktemp -d)"
GUNICORN_PID=""
cleanup() {
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill "$GUNICORN_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$GUNICORN_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

echo "Starting gunicorn (2 workers) on $BASE against $(echo "$DATABASE_URL" | sed 's#//[^@]*@#//#')"
MARAC_ENV=development MARAC_DATABASE_URL="$DATABASE_URL" MARAC_LOG_LEVEL=WARNING \
MARAC_JOBS_BACKEND=thread \
    timeout 300 .venv/bin/gunicorn --workers 2 --bind "127.0.0.1:$PORT" --log-level warning \
    --access-logfile /dev/null 'marac_app:create_app()' >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 1 100); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fs "$BASE/healthz" >/dev/null || { echo "gunicorn did not start:"; cat "$WORK/gunicorn.log"; exit 1; }
# Both workers import the app on their own: wait until a burst of requests is served quickly.
for _ in $(seq 1 60); do
    slow=0
    for _ in $(seq 1 10); do
        t="$(curl -s -m 5 -o /dev/null -w '%{time_total}' "$BASE/healthz" || echo 9)"
        awk -v t="$t" 'BEGIN {exit !(t > 0.5)}' && slow=1
    done
    [ "$slow" = 0 ] && break
    sleep 1
done

# Sign in through the real form: CSRF token from the page, the session cookie, a Referer.
JAR="$WORK/cookies"
TOKEN="$(curl -fs -c "$JAR" -b "$JAR" "$BASE/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)"
[ -n "$TOKEN" ] || { echo "no CSRF token on the sign-in page"; exit 1; }
STATUS="$(curl -s -o /dev/null -w '%{http_code}' -c "$JAR" -b "$JAR" -H "Referer: $BASE/sign-in" \
    --data-urlencode "csrf_token=$TOKEN" --data-urlencode "email=$REP_EMAIL" \
    --data-urlencode "password=$PASSWORD" "$BASE/sign-in")"
[ "$STATUS" = "302" ] || { echo "sign-in answered $STATUS (expected 302)"; exit 1; }
COOKIE="$(awk '$6 == "marac_session" {print $6"="$7}' "$JAR" | tail -1)"
[ -n "$COOKIE" ] || { echo "no session cookie after signing in"; exit 1; }
PAGE_STATUS="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE/actions/")"
[ "$PAGE_STATUS" = "200" ] || { echo "/actions/ answered $PAGE_STATUS as the representative"; exit 1; }

cat >"$WORK/count.lua" <<'LUA'
-- Counts non-2xx responses across wrk's threads; prints machine-readable totals.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
    if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
    local bad = 0
    for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
    bad = bad + summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout
    io.write(string.format("RESULT rps=%.1f p99_ms=%.1f requests=%d non2xx=%d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000,
        summary.requests, bad))
end
LUA

run_wrk() {  # $1 = path, $2 = extra header (or empty)
    local args=(-t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 10s -s "$WORK/count.lua")
    [ -n "$2" ] && args+=(-H "$2")
    timeout 120 wrk "${args[@]}" "$BASE$1" | tee -a "$WORK/wrk.log" | grep "^RESULT"
}

# Warm-up (discarded): first requests compile templates and fill the caches of both workers.
wrk -t 1 -c 2 -d 3s -H "Cookie: $COOKIE" "$BASE/actions/" >/dev/null 2>&1 || true
wrk -t 1 -c 2 -d 2s "$BASE/healthz" >/dev/null 2>&1 || true
echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per route"
ACTIONS="$(run_wrk /actions/ "Cookie: $COOKIE")"
HEALTH="$(run_wrk /healthz "")"
field() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }
A_RPS="$(field "$ACTIONS" rps)"; H_RPS="$(field "$HEALTH" rps)"
A_BAD="$(field "$ACTIONS" non2xx)"; H_BAD="$(field "$HEALTH" non2xx)"
printf '%-34s %10s %10s %10s %8s\n' "route" "req/s" "p99 ms" "requests" "non-2xx"
printf '%-34s %10s %10s %10s %8s\n' "/actions/ (signed-in rep)" "$A_RPS" "$(field "$ACTIONS" p99_ms)" "$(field "$ACTIONS" requests)" "$A_BAD"
printf '%-34s %10s %10s %10s %8s\n' "/healthz (minimal route)" "$H_RPS" "$(field "$HEALTH" p99_ms)" "$(field "$HEALTH" requests)" "$H_BAD"
echo "ratio /actions/ ÷ /healthz requests per second: $(awk -v a="$A_RPS" -v h="$H_RPS" 'BEGIN {if (h > 0) printf "%.3f", a / h; else print "n/a"}')"
if [ "$A_BAD" != "0" ] || [ "$H_BAD" != "0" ]; then
    echo "FAIL: non-2xx responses or socket errors"
    exit 1
fi
echo "non-2xx responses: 0"
[ -n "${SHOW_WRK:-}" ] && cat "$WORK/wrk.log"
