#!/usr/bin/env bash
# Load test: the users_api example with and without ApiErrorLayer, on 127.0.0.1 only,
# with wrk (Debian's package). Each route runs DURATION seconds at CONNECTIONS
# connections, alternating the two builds ROUNDS times so that drift on a shared
# machine hits both alike. Prints requests per second and p99 latency per run.
#
#   scripts/load.sh                # 3 rounds of 10 s per route and build
#   DURATION=5 ROUNDS=1 scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-39871}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --example users_api 2>&1 | tail -1
bin=target/release/examples/users_api

routes=(/healthz /api/users/1 /api/users/999999 /nowhere)
server=""
stop() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; server=""; }
trap stop EXIT

start() { # $1: "with" or "without"
  if [ "$1" = without ]; then
    USERS_API_WITHOUT_ERROR_LAYER=1 RUST_LOG=off PORT=$PORT "$bin" >/dev/null 2>&1 &
  else
    RUST_LOG=off PORT=$PORT "$bin" >/dev/null 2>&1 &
  fi
  server=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && return 0
    sleep 0.1
  done
  echo "server did not start" >&2; exit 1
}

results=$(mktemp)
printf '%-8s %-20s %12s %10s\n' layer route req/s p99
for round in $(seq 1 "$ROUNDS"); do
  for mode in without with; do
    start "$mode"
    for route in "${routes[@]}"; do
      out=$(timeout $((DURATION + 30)) wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        "http://127.0.0.1:$PORT$route")
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      errors=$(echo "$out" | awk '/Socket errors|Non-2xx/ {print}' | tr '\n' ' ')
      printf '%-8s %-20s %12s %10s  %s\n' "$mode" "$route" "$rps" "$p99" "$errors"
      echo "$mode $route $rps" >>"$results"
    done
    stop
  done
done

echo
echo "mean over $ROUNDS rounds: with / without the layer"
awk '{sum[$1" "$2] += $3; n[$1" "$2]++; routes[$2] = 1}
  END {
    for (r in routes) {
      w = sum["with " r] / n["with " r]; wo = sum["without " r] / n["without " r]
      printf "%-20s %10.0f %10.0f   %.3f\n", r, w, wo, w / wo
    }
  }' "$results" | sort
rm -f "$results"
