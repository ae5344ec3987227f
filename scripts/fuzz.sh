#!/usr/bin/env bash
# Fuzzes every parser of untrusted input for a bounded time (default 60 s each) and prints a
# table: runs, corpus size, crashes. Inputs that broke a parser land in fuzz/regressions/,
# which `cargo test` replays. Not part of the test run: run it after changing a parser.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
# The test build's profile: no second optimised build of the whole server just for this.
cargo build --example fuzz -p signalboard
exec target/debug/examples/fuzz --seconds "$seconds" "$@"
