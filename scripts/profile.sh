#!/usr/bin/env bash
# Where one case's instructions go, per request: callgrind's per-function counts
# (inclusive, then self) of N requests, divided by N. Set-up runs once and shows
# as less than one instruction per request.
#
#   scripts/profile.sh CASE [N] [LINES]     FLAGS as for scripts/instructions.sh
#   BIN=target/instructions-bins/rival scripts/profile.sh rival_404_bare
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
case=$1 n=${2:-5000} lines=${3:-40}
bin=${BIN:-target/instructions-bins/default}
[ -x "$bin" ] || { echo "profile.sh: build $bin first (scripts/instructions.sh does)" >&2; exit 1; }
read -r -a flags <<<"${FLAGS:-}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$case" "$n" "${flags[@]}" >/dev/null 2>&1
for inclusive in yes no; do
  echo "== $case: instructions per request, inclusive=$inclusive"
  callgrind_annotate --inclusive=$inclusive --threshold=100 "$out" 2>/dev/null |
    python3 -c '
import re, sys
n, lines = int(sys.argv[1]), int(sys.argv[2])
rows = 0
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(?:\*\s+)?(.*)", line)
    if not m or "PROGRAM TOTALS" in line:
        continue
    count = int(m.group(1).replace(",", "")) / n
    if count < 20:
        break
    name = re.sub(r"^[^:]*:", "", m.group(2), count=1) if m.group(2).startswith("/") or m.group(2).startswith("???") else m.group(2)
    print(f"{count:10.0f}  {name[:150]}")
    rows += 1
    if rows >= lines:
        break
' "$n" "$lines"
done
