#!/usr/bin/env bash
# Instructions per request of each benchmark case, counted by callgrind: stable on a
# noisy machine, unlike wall-clock time. Each case runs N and 2N requests; the
# difference over N is the cost of one request, set-up excluded.
#
#   scripts/instructions.sh [CASE...]             every case, or those named
#   FLAGS="--no-headers --subscriber" scripts/instructions.sh ...
#
# Cases named `rival_*` run in rival/ (axum-problem 0.1.9 on axum 0.7), those named
# `*cors*` in a build with the feature `cors`, the rest in the default build: all
# three binaries are built first, so one run compares them side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }

# The path of the executable cargo built for a target.
executable() {
  python3 -c '
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg.get("executable") and msg["target"]["name"] == sys.argv[1]:
        print(msg["executable"])
' "$1"
}
# Cargo names a bench's executable the same whatever its features: each build is
# copied away before the next one replaces it. DEFAULT_BIN, CORS_BIN and RIVAL_BIN
# name binaries built before (a baseline's) instead.
bins=target/instructions-bins
mkdir -p "$bins"
build() { # NAME TARGET CARGO-ARGS...: builds, copies the executable to $bins/NAME
  local name=$1 target=$2 exe
  shift 2
  rm -f "$bins/$name"
  # A failed build must stop the run, not leave an older binary to be measured.
  cargo "$@" --quiet >&2 || exit 1
  exe=$(cargo "$@" --message-format=json 2>/dev/null | executable "$target")
  cp "$exe" "$bins/$name" && echo "$bins/$name"
}
default_bin=${DEFAULT_BIN:-$(build default instructions bench --bench instructions --no-run)}
cors_bin=${CORS_BIN:-$(build cors instructions bench --bench instructions --no-run --features cors)}
rival_bin=${RIVAL_BIN:-$(build rival rival build --release -p rival-bench)}
for bin in "$default_bin" "$cors_bin" "$rival_bin"; do
  [ -x "$bin" ] || { echo "instructions.sh: no binary $bin" >&2; exit 1; }
done

n=${N:-2000}
read -r -a flags <<<"${FLAGS:-}"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$2" "$3" "${flags[@]}" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
cases=${*:-success_bare rival_success_bare success_identity_router_layer
  success_sized_identity_router_layer success_api_error_around_router
  success_api_error_router_layer rival_success_around_router rival_success_router_layer
  success_no_span_around_router success_tower_http_stack
  success_trace_context_new_trace success_traced_request_trace_context_off
  success_trace_context_continued success_cross_origin_no_cors
  success_cors_outside_around_router success_cors_inside_around_router
  error_422_hand_written rival_error_422_hand_written error_422_api_error_around_router
  error_422_api_error_no_layer rival_error_422_problem_around_router
  error_422_passthrough_around_router rival_error_422_passthrough_around_router
  error_422_traced_request_trace_context_off error_422_trace_context_continued
  404_bare rival_404_bare 404_rewritten_around_router rival_404_rewritten_around_router
  404_rewritten_no_span 404_hand_written_equivalent 404_cors_outside_around_router
  json_rejection_bare rival_json_rejection_bare json_rejection_rewritten_around_router
  rival_json_rejection_rewritten_around_router request_id_generate}
printf '%-46s %12s   %s\n' case instructions/request "flags: ${FLAGS:-none}"
for c in $cases; do
  case $c in
    rival_*) bin=$rival_bin ;;
    *cors*) bin=$cors_bin ;;
    *) bin=$default_bin ;;
  esac
  one=$(count "$bin" "$c" "$n"); two=$(count "$bin" "$c" $((2 * n)))
  printf '%-46s %12d\n' "$c" $(((two - one) / n))
done
