#!/usr/bin/env bash
# Times every overview module on in-memory demo data (analytics/benches/modules.rs, criterion) and
# prints the medians as a Markdown table: one row per module, one column per size and window.
# `BENCH_SIGNALS=100000 bash scripts/bench-modules.sh` for one size only.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p analytics --bench modules 2>/dev/null | python3 -c '
import re, sys
rows, columns = {}, []
name = None
for line in sys.stdin:
    m = re.match(r"^(\S.*?/\S+)\s+time:\s+\[\S+ \S+ (\S+) (\S+)", line)
    if m:
        name, value, unit = m.group(1), m.group(2), m.group(3)
    else:
        h = re.match(r"^(\S.*?/\S+)\s*$", line)
        if h:
            name = h.group(1)
            continue
        t = re.match(r"^\s+time:\s+\[\S+ \S+ (\S+) (\S+)", line)
        if not (t and name):
            continue
        value, unit = t.group(1), t.group(2)
    group, module = name.rsplit("/", 1)
    ms = float(value) * {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    if group not in columns:
        columns.append(group)
    rows.setdefault(module, {})[group] = ms
    name = None
print("| module | " + " | ".join(f"{c} (ms)" for c in columns) + " |")
print("|---|" + "---:|" * len(columns))
for module, cells in rows.items():
    print(f"| {module} | " + " | ".join(f"{cells.get(c, 0.0):.3f}" for c in columns) + " |")
'
