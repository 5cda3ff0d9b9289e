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
# shellcheck source=scripts/wrk-lib.sh
. scripts/wrk-lib.sh
cargo build --release --example users_api 2>&1 | tail -1
bin=target/release/examples/users_api

routes=(/healthz /api/users/1 /api/users/999999 /nowhere)

start() { # $1: "with" or "without"
  local without=""
  [ "$1" = without ] && without=1
  start_server "http://127.0.0.1:$PORT/healthz" \
    env ${without:+USERS_API_WITHOUT_ERROR_LAYER=1} RUST_LOG=off PORT="$PORT" "$bin"
}

results=$(mktemp)
printf '%-8s %-20s %12s %10s\n' layer route req/s p99
for round in $(seq 1 "$ROUNDS"); do
  for mode in without with; do
    start "$mode"
    for route in "${routes[@]}"; do
      read -r rps p99 errors < <(wrk_run 2 "http://127.0.0.1:$PORT$route")
      printf '%-8s %-20s %12s %10s  %s\n' "$mode" "$route" "$rps" "$p99" "$errors"
      echo "$mode $route $rps" >>"$results"
    done
    stop_server
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
