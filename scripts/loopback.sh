#!/usr/bin/env bash
# Throughput over loopback, for BENCHMARKS.md: the four servers of
# rival/src/loopback.rs (axum 0.8 bare and with ApiErrorLayer, axum 0.7 bare and
# with axum-problem's ProblemLayer) under wrk, on 127.0.0.1 only. The modes
# alternate within each round, ROUNDS rounds, so that drift on a shared machine hits
# all alike; the medians and their ratios come last. No target: runs of one build
# vary by 20% here (the instruction counts are the figures to hold).
#
#   scripts/loopback.sh              # 5 rounds of 5 s per route and mode
#   ROUNDS=7 DURATION=10 scripts/loopback.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-39872}
# shellcheck source=scripts/wrk-lib.sh
. scripts/wrk-lib.sh
cargo build --release -p rival-bench --bin loopback --quiet
bin=target/release/loopback

results=$(mktemp)
modes=(bare api-error bare-07 problem)
printf '%-6s %-10s %-6s %12s %10s\n' round mode route req/s p99
for round in $(seq 1 "$ROUNDS"); do
  for mode in "${modes[@]}"; do
    start_server "http://127.0.0.1:$PORT/" "$bin" "$mode" "$PORT"
    for route in / /nope; do
      read -r rps p99 _ < <(wrk_run 1 "http://127.0.0.1:$PORT$route")
      printf '%-6s %-10s %-6s %12s %10s\n' "$round" "$mode" "$route" "$rps" "$p99"
      echo "$mode $route $rps" >>"$results"
    done
    stop_server
  done
done

echo
echo "median req/s over $ROUNDS rounds, and each layer's ratio to its own axum bare"
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    mode, route, rps = line.split()
    runs.setdefault((mode, route), []).append(float(rps))
median = {key: statistics.median(v) for key, v in runs.items()}
for route in ["/", "/nope"]:
    for layer, bare in [("api-error", "bare"), ("problem", "bare-07")]:
        m, b = median[(layer, route)], median[(bare, route)]
        print(f"{route:6} {layer:10} {m:10.0f}   {bare:8} {b:10.0f}   ratio {m / b:.3f}")
PY
rm -f "$results"
