#!/usr/bin/env bash
# Load and soak: the users_api example (release build) on 127.0.0.1 only, driven by wrk
# with scripts/soak.lua: mixed traffic that creates no lasting state (200, 400, 401,
# 404, 405, 422, 429, panics and other 500s) at CONNECTIONS connections for DURATION
# seconds. It passes when
#   - every response has a status its request expects (none unknown),
#   - wrk counts zero connection errors (connect, read, write, timeout),
#   - the server's resident memory (VmRSS) at the end is within TOLERANCE percent of
#     what it was WARMUP seconds in,
#   - the server still answers GET /healthz and exits 0 on SIGTERM.
# It prints the figures and exits non-zero when a criterion fails. Everything is
# bounded: wrk by -d and `timeout`, the waits by counts.
#
#   scripts/soak.sh                      # 60 s at 64 connections
#   DURATION=20 CONNECTIONS=32 scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-10}
TOLERANCE=${TOLERANCE:-10}
PORT=${PORT:-39873}
SERVER_LOG=${SERVER_LOG:-target/soak-server.log}
url="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }
if curl -s -o /dev/null --max-time 2 "$url/healthz"; then
  echo "something already listens on 127.0.0.1:$PORT; set PORT" >&2
  exit 2
fi
cargo build --release --example users_api 2>&1 | tail -1
bin=target/release/examples/users_api

mkdir -p "$(dirname "$SERVER_LOG")"
# Panics still print to stderr, and the 500s log at error: all of it goes to a file.
# Without backtraces (unless SERVER_BACKTRACE is set): a production setting, and it
# keeps the file small.
NO_COLOR=1 RUST_BACKTRACE=${SERVER_BACKTRACE:-0} RUST_LOG=warn PORT=$PORT "$bin" >"$SERVER_LOG" 2>&1 &
server=$!
wrk_out=$(mktemp)
cleanup() {
  if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -f "$wrk_out"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -s -o /dev/null --max-time 1 "$url/healthz" && break
  sleep 0.1
done
curl -s -o /dev/null --max-time 2 "$url/healthz" || { echo "server did not start" >&2; exit 1; }

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
rss_idle=$(rss)
started=$(date +%s)
timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s \
  --latency -s scripts/soak.lua "$url" >"$wrk_out" 2>&1 &
wrk_pid=$!

# VmRSS every 10 s while the load runs; the one at WARMUP s is the baseline.
samples=""
rss_warm=""
for t in $(seq 10 10 "$DURATION"); do
  sleep $((started + t - $(date +%s) > 0 ? started + t - $(date +%s) : 0))
  kill -0 "$wrk_pid" 2>/dev/null || break
  value=$(rss)
  samples="$samples ${t}s=${value}kB"
  if [ "$t" -eq "$WARMUP" ]; then rss_warm=$value; fi
done
rss_load_end=$(rss)
wrk_status=0
wait "$wrk_pid" || wrk_status=$?
rss_end=$(rss)
sleep 2
rss_settled=$(rss)

cat "$wrk_out"
result=$(grep '^SOAK-RESULT' "$wrk_out" || true)
healthz=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/healthz" || true)

kill -TERM "$server"
exit_status=0
for _ in $(seq 1 100); do
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
wait "$server" || exit_status=$?
server=""

field() { echo "$result" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

echo
echo "== soak figures =="
echo "duration ${DURATION}s, ${CONNECTIONS} connections, ${THREADS} wrk threads"
echo "VmRSS idle ${rss_idle} kB; under load:${samples}; at the end of the load ${rss_load_end} kB;"
echo "      after wrk ${rss_end} kB; 2 s later ${rss_settled} kB"
echo "server log: $SERVER_LOG ($(wc -l <"$SERVER_LOG") lines, $(grep -c ' panicked at ' "$SERVER_LOG" || true) panic messages)"
echo "healthz after the load: $healthz; exit status on SIGTERM: $exit_status"

[ "$wrk_status" -eq 0 ] || fail "wrk exited with $wrk_status"
[ -n "$result" ] || fail "no SOAK-RESULT line from soak.lua"
if [ -n "$result" ]; then
  for key in unexpected unknown missing connect read write timeout; do
    value=$(field "$key")
    [ "$value" = 0 ] || fail "$key = $value"
  done
fi
if [ -z "$rss_warm" ]; then
  fail "no VmRSS sample at ${WARMUP}s"
else
  change=$(awk -v a="$rss_warm" -v b="$rss_end" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
  echo "VmRSS at ${WARMUP}s ${rss_warm} kB -> end ${rss_end} kB: ${change}% (limit ±${TOLERANCE}%)"
  awk -v c="$change" -v t="$TOLERANCE" 'BEGIN { exit !(c <= t && c >= -t) }' \
    || fail "VmRSS changed by ${change}%"
fi
[ "$healthz" = 200 ] || fail "healthz after the load: $healthz"
[ "$exit_status" -eq 0 ] || fail "server exit status $exit_status"

if [ "$failures" -eq 0 ]; then
  echo "PASS"
else
  echo "$failures criteria failed"
  exit 1
fi
