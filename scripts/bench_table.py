#!/usr/bin/env python3
"""Prints the last `cargo bench --bench layer` run as a Markdown table: per case the
min / median / max of criterion's samples (nanoseconds per request) and the ratio of
medians to the case's baseline in the same group."""
import json
import pathlib
import statistics
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
BASELINES = {
    "success": "a_bare",
    "error_422": "a_hand_written",
    "framework_errors/404": "404_bare",
    "framework_errors/json_rejection": "json_rejection_bare",
    "request_id": "uuid_new_v4_os_random",
}


def baseline_of(group, name):
    for key, base in BASELINES.items():
        g, _, prefix = key.partition("/")
        if g == group and name.startswith(prefix):
            return base
    return None


rows = {}
for sample in sorted(root.glob("*/*/new/sample.json")):
    group, name = sample.parts[-4], sample.parts[-3]
    data = json.loads(sample.read_text())
    per_iter = [t / n for t, n in zip(data["times"], data["iters"])]
    rows[(group, name)] = (min(per_iter), statistics.median(per_iter), max(per_iter))

print("| group | case | min (ns) | median (ns) | max (ns) | median / baseline | min / baseline |")
print("|---|---|---:|---:|---:|---:|---:|")
for (group, name), (lo, med, hi) in rows.items():
    base = baseline_of(group, name)
    ratio = min_ratio = ""
    if base and (group, base) in rows:
        ratio = f"{med / rows[(group, base)][1]:.2f}"
        min_ratio = f"{lo / rows[(group, base)][0]:.2f}"
    print(f"| {group} | {name} | {lo:.0f} | {med:.0f} | {hi:.0f} | {ratio} | {min_ratio} |")
