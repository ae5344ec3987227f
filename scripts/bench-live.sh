#!/usr/bin/env bash
# The live engine's figures over HTTP (issue 12): start-up, memory per signal, triage latency, and
# the overview API under 50 and 200 concurrent readers, with and without 10 triage writes a second.
# Builds the release server if it is missing, then prints a markdown table.
#
#   bash scripts/bench-live.sh                      # 1,000,000 signals
#   SIGNALS=10000000 SECONDS_PER_RUN=20 bash scripts/bench-live.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/target/server-release/signalboard"
command -v wrk >/dev/null || { echo "wrk is needed (Debian: apt-get install wrk)" >&2; exit 1; }
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --profile server-release -p signalboard --bin signalboard)
exec python3 "$ROOT/scripts/bench-live.py" --bin "$BIN" --signals "${SIGNALS:-1000000}" --seconds "${SECONDS_PER_RUN:-15}" "$@"
