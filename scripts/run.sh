#!/usr/bin/env bash
# Sets up what is missing, builds the release server and browser bundle, and serves Signalboard
# at http://127.0.0.1:3000 on SQLite (./data/signalboard.db). Extra arguments go to
# `signalboard serve`, e.g. `scripts/run.sh --addr 0.0.0.0:8080`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo leptos build --release
node "$SIGNALBOARD_ROOT/end2end/scripts/precompress.mjs" "$SIGNALBOARD_ROOT/target/site" >/dev/null
exec target/server-release/signalboard serve "$@"
