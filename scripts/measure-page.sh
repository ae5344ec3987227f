#!/usr/bin/env bash
# Measures what a browser gets from the overview page, on the demo data: the server's time to
# render the page's HTML (first request of a window, then repeated), the size of everything
# the page downloads, raw and compressed as the server sends it, overview pages a second under 50
# concurrent readers (wrk, when installed) and navigation to the hydrated mark in headless Chromium
# (median of 10). Prints markdown tables, the last one against issue 15's goals.
#
#   bash scripts/measure-page.sh            # the release build must exist (cargo leptos build --release)
#   SIGNALS=1000000 bash scripts/measure-page.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/target/server-release/signalboard"
PORT="${PORT:-3199}"
SIGNALS="${SIGNALS:-20000}"
[ -x "$BIN" ] || { echo "build first: cargo leptos build --release" >&2; exit 1; }
node "$ROOT/end2end/scripts/precompress.mjs" "$ROOT/target/site" >/dev/null

work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
db="sqlite://$work/measure.db"
"$BIN" seed --database-url "$db" --signals "$SIGNALS" >/dev/null 2>&1
# Pages need a session: a viewer account, signed in below.
printf 'measure-password-1\n' | "$BIN" users create --username measure --role viewer --password-stdin --database-url "$db" >/dev/null
"$BIN" serve --no-demo --addr "127.0.0.1:$PORT" --database-url "$db" --site-root "$ROOT/target/site" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

curl -s -o /dev/null -c "$work/cookies" -d 'username=measure&password=measure-password-1' "http://127.0.0.1:$PORT/login"
url() { echo "http://127.0.0.1:$PORT$1"; }
ms() { curl -s -b "$work/cookies" -o /dev/null -w '%{time_total}' "$@" | awk '{ printf "%.1f", $1 * 1000 }'; }

echo "Overview HTML render time, $SIGNALS demo signals (ms, time to the last byte on localhost)"
echo
echo "| window | first request | repeated (median of 5) |"
echo "|---|---:|---:|"
for window in 1h 1d 7d 30d; do
  first="$(ms "$(url "/?window=$window")")"
  runs=()
  for _ in 1 2 3 4 5; do runs+=("$(ms "$(url "/?window=$window")")"); done
  median="$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p)"
  echo "| $window | $first | $median |"
done
echo

size() { curl -s -b "$work/cookies" -o /dev/null -w '%{size_download}' "$@"; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
echo "What the page downloads (KB)"
echo
echo "| file | raw | gzip | brotli |"
echo "|---|---:|---:|---:|"
total_raw=0; total_br=0
for path in /pkg/signalboard.wasm /pkg/signalboard.js /pkg/signalboard.css /world.svg "/?window=7d"; do
  raw="$(size "$(url "$path")")"
  gz="$(size -H 'Accept-Encoding: gzip' "$(url "$path")")"
  br="$(size -H 'Accept-Encoding: br' "$(url "$path")")"
  total_raw=$((total_raw + raw)); total_br=$((total_br + br))
  name="$path"; [ "$path" = "/?window=7d" ] && name="overview HTML at 7 days (with its data)"
  echo "| $name | $(kb "$raw") | $(kb "$gz") | $(kb "$br") |"
done
wasm_js_raw=$(( $(size "$(url /pkg/signalboard.wasm)") + $(size "$(url /pkg/signalboard.js)") ))
wasm_js_br=$(( $(size -H 'Accept-Encoding: br' "$(url /pkg/signalboard.wasm)") + $(size -H 'Accept-Encoding: br' "$(url /pkg/signalboard.js)") ))
echo "| **wasm + JS** | **$(kb "$wasm_js_raw")** | | **$(kb "$wasm_js_br")** |"
echo "| everything | $(kb "$total_raw") | | $(kb "$total_br") |"

html_7d="$(size "$(url "/?window=7d")")"

echo
if command -v wrk >/dev/null; then
  cookie="$(awk '$6 == "signalboard_session" { print $6 "=" $7 }' "$work/cookies")"
  wrk -t2 -c50 -d15s --timeout 5s --latency -H "Cookie: $cookie" "$(url "/?window=7d")" >"$work/wrk.txt"
  pages="$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$work/wrk.txt")"
  p99="$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")"
  errors="$(awk '/Non-2xx|Socket errors/ { print }' "$work/wrk.txt" | tr '\n' ' ')"
  echo "Overview pages under 50 concurrent readers (wrk, 15 s, /?window=7d): $pages pages/s, p99 $p99 ${errors:-0 errors}"
else
  pages="(wrk not installed)"; p99="?"
fi

echo
nav="$(cd "$ROOT/end2end" && node scripts/navigation-time.mjs "http://127.0.0.1:$PORT" measure measure-password-1 "/?window=7d" 10 | awk '/^median/ { print $2 }')"
echo "Navigation to the hydrated mark, /?window=7d, headless Chromium, empty cache: median of 10 $nav ms"

echo
echo "Against issue 15's goals ($SIGNALS signals)"
echo
echo "| what | goal | now |"
echo "|---|---|---|"
echo "| wasm + JS, brotli | ≤ 300 KB | $(kb "$wasm_js_br") KB |"
echo "| overview HTML at 7 days, raw | ≤ 250 KB | $(kb "$html_7d") KB |"
echo "| overview pages/s, 50 concurrent readers | ≥ 300, p99 ≤ 250 ms | $pages, p99 $p99 |"
echo "| navigation to hydrated, median of 10 | ≤ 500 ms | $nav ms |"
