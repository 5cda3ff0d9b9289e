#!/usr/bin/env bash
# schemathesis against a fresh users_api example on 127.0.0.1: every operation of
# its /openapi.json, every check, positive and negative data, a fixed seed.
#
#   scripts/schemathesis.sh            # the bounded run of .ci/run (20 examples per operation)
#   EXAMPLES=200 scripts/schemathesis.sh   # a longer one
#
# It makes a virtualenv in target/schemathesis-venv with the pinned requirements
# (examples/users_api/schemathesis/requirements.txt) the first time, builds and
# starts the example on a free port, runs schemathesis with
# examples/users_api/schemathesis/schemathesis.toml, and stops the server by its PID.
# Bounded: the install by 300 s, the run by $LIMIT seconds (240 unless set).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
config_dir="$root/examples/users_api/schemathesis"
venv="$target/schemathesis-venv"
examples="${EXAMPLES:-20}"
limit="${LIMIT:-240}"

command -v python3 >/dev/null || { echo "schemathesis.sh: python3 (with its venv module) is needed"; exit 1; }
# The venv is made again when the requirements or the Python change.
stamp="$(cat "$config_dir/requirements.txt"; python3 --version)"
if [ ! -x "$venv/bin/schemathesis" ] || [ "$stamp" != "$(cat "$venv/stamp" 2>/dev/null)" ]; then
    echo "schemathesis.sh: installing schemathesis into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" || { echo "schemathesis.sh: python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
    timeout -k 10 300 "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$config_dir/requirements.txt"
    printf '%s' "$stamp" >"$venv/stamp"
fi

# --all-features: the same build as `cargo test --all-features`, so nothing is built twice.
cargo build --quiet --example users_api --all-features
log="$(mktemp)"
PORT=0 RUST_LOG=warn "$target/debug/examples/users_api" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

url=""
for _ in $(seq 1 100); do
    url="$(sed -n 's/^users_api listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$log")"
    [ -n "$url" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$log"; echo "schemathesis.sh: the example exited"; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "schemathesis.sh: the example did not start"; exit 1; }
echo "schemathesis.sh: users_api at $url, $examples examples per operation, at most $limit s"

# schemathesis keeps a cache in the directory it runs in: under target/, not the tree.
mkdir -p "$target/schemathesis"
cd "$target/schemathesis"
start=$(date +%s)
status=0
timeout -k 10 "$limit" "$venv/bin/schemathesis" --config-file "$config_dir/schemathesis.toml" \
    run "$url/openapi.json" --max-examples "$examples" --no-color || status=$?
echo "schemathesis.sh: finished in $(( $(date +%s) - start )) s with exit status $status"
[ "$status" -eq 124 ] && echo "schemathesis.sh: stopped after the limit of $limit s"
if [ "$status" -ne 0 ]; then
    echo "schemathesis.sh: the server's log:"
    tail -n 50 "$log"
fi
exit "$status"
