#!/usr/bin/env bash
# Installs whatever building, running and testing Signalboard needs and is not there yet:
# the wasm32 target, cargo-leptos, the wasm-bindgen CLI matching Cargo.lock, the npm packages
# (Playwright and binaryen's wasm-opt) and Debian's Chromium. Safe to run again: each step is
# skipped when its tool is already at the right version. Source it to get wasm-opt on PATH.
set -euo pipefail

SIGNALBOARD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION=0.3.4

step() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

export PATH="$HOME/.cargo/bin:$SIGNALBOARD_ROOT/end2end/node_modules/.bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 11 minutes the first time)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

wasm_bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
  "$SIGNALBOARD_ROOT/Cargo.lock")"
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wasm_bindgen_version"; then
  step "installing wasm-bindgen-cli $wasm_bindgen_version (matches Cargo.lock)"
  # Not --locked: one of its locked dependencies is no longer on the registry.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi

lock_hash="$(sha256sum "$SIGNALBOARD_ROOT/end2end/package-lock.json" | cut -d' ' -f1)"
stamp="$SIGNALBOARD_ROOT/end2end/node_modules/.signalboard-lock"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  step "installing npm packages (Playwright, binaryen's wasm-opt)"
  (cd "$SIGNALBOARD_ROOT/end2end" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" >"$stamp"
fi

if [ ! -x /usr/bin/chromium ]; then
  step "installing Debian's Chromium for the browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
