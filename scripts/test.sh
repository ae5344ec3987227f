#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (storage on SQLite and on the PostgreSQL at
# 127.0.0.1:5432), then Playwright end-to-end tests in Chromium against the release build.
# Sets up whatever is missing first. Exits non-zero if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null; then
    step "starting the local PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
fi

failed=()

step "building the release server and browser bundle"
cargo leptos build --release
node "$SIGNALBOARD_ROOT/end2end/scripts/precompress.mjs" "$SIGNALBOARD_ROOT/target/site" >/dev/null

step "Rust tests (unit, integration, storage on SQLite and PostgreSQL)"
cargo test --workspace --exclude frontend || failed+=("rust")

step "Playwright end-to-end tests in Chromium"
(cd end2end && npx playwright test) || failed+=("end2end")

if [ "${#failed[@]}" -gt 0 ]; then
  printf '\033[1;31mFAILED:\033[0m %s\n' "${failed[*]}" >&2
  exit 1
fi
printf '\033[1;32mall tests passed\033[0m\n' >&2
