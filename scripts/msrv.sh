#!/usr/bin/env bash
# The workspace's rust-version is honest: no locked dependency, of any feature,
# target or kind (dev-dependencies included), declares a newer one. The machine
# has one toolchain, so this is the check there is for the dependencies; clippy's
# `incompatible_msrv` lint, which reads the same rust-version, checks our own code's
# use of the standard library.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo metadata --format-version 1 --locked --all-features | python3 -c '
import json, sys

def version(text):
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))

meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
ours = {p["rust_version"] for p in meta["packages"] if p["id"] in members}
if len(ours) != 1 or None in ours:
    sys.exit(f"msrv.sh: the workspace members declare {sorted(map(str, ours))}, not one rust-version")
msrv = ours.pop()
newer = sorted(
    (p["name"], p["version"], p["rust_version"])
    for p in meta["packages"]
    if p.get("rust_version") and version(p["rust_version"]) > version(msrv)
)
for name, ver, rust in newer:
    print(f"msrv.sh: {name} {ver} needs Rust {rust}, newer than the workspace'"'"'s {msrv}")
if newer:
    sys.exit(1)
packages = meta["packages"]
declared = sum(1 for p in packages if p.get("rust_version"))
print(f"msrv.sh: rust-version {msrv}: none of the {len(packages)} locked packages ({declared} declare one) needs a newer Rust")
'
