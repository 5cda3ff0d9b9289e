#!/usr/bin/env bash
# Instructions per request of each benchmark case, counted by callgrind: stable on a
# noisy machine, unlike wall-clock time. Each case runs N and 2N requests; the
# difference over N is the cost of one request, set-up excluded.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
cargo bench --bench instructions --no-run 2>/dev/null
bin=$(ls -t target/release/deps/instructions-* | grep -v '\.d$' | head -1)
n=${N:-2000}
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
cases=${*:-success_bare success_identity_router_layer success_api_error_router_layer
  success_api_error_around_router success_tower_http_stack
  success_trace_context_new_trace success_traced_request_trace_context_off
  success_trace_context_continued error_422_traced_request_trace_context_off
  error_422_trace_context_continued error_422_hand_written
  error_422_api_error_around_router 404_bare 404_rewritten_around_router
  404_hand_written_equivalent
  json_rejection_bare json_rejection_rewritten_around_router request_id_generate}
printf '%-42s %12s\n' case instructions/request
for c in $cases; do
  one=$(count "$c" "$n"); two=$(count "$c" $((2 * n)))
  printf '%-42s %12d\n' "$c" $(((two - one) / n))
done
