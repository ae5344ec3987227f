#!/usr/bin/env bash
# Runs Schemathesis (from PyPI, in a virtual environment under target/) against the OpenAPI
# document of a freshly seeded release server, with an admin's API key: every response must be
# documented and none may be a 5xx. Not part of the test run (it takes minutes).
#   scripts/schemathesis.sh [MAX_EXAMPLES]   (default 50 per operation)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-50}"
bin=target/server-release/signalboard
[ -x "$bin" ] || { echo "build the release server first: cargo leptos build --release" >&2; exit 1; }
venv=target/schemathesis-venv
if ! "$venv/bin/python" -c "import schemathesis, hypothesis; assert hypothesis.__version__ < \"6.131.15\"" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'schemathesis>=3.39,<4' 'hypothesis<6.131.15'
fi
dir="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
db="sqlite://$dir/st.db"
"$bin" seed --signals 5000 --database-url "$db" >/dev/null
printf 'schemathesis-password\n' | "$bin" users create --username st.admin --role admin --password-stdin --database-url "$db" >/dev/null
port=3199
"$bin" serve --addr "127.0.0.1:$port" --database-url "$db" --no-demo --site-root target/site >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
cookie="$(curl -s -o /dev/null -D - -X POST "http://127.0.0.1:$port/login" \
  --data-urlencode username=st.admin --data-urlencode password=schemathesis-password --data-urlencode next=/ \
  | awk -F'[ ;]' 'tolower($1) == "set-cookie:" { print $2 }')"
key="$(curl -s -X POST "http://127.0.0.1:$port/api/v1/api-keys" -H "cookie: $cookie" -H 'content-type: application/json' \
  -d '{"name":"schemathesis"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')"
status=0
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --hypothesis-max-examples "$examples" --hypothesis-seed 1 \
  --exclude-method DELETE --experimental=openapi-3.1 \
  --generation-with-security-parameters=false || status=$?
if grep -q "panicked" "$dir/server.log"; then echo "the server panicked:" >&2; grep -A3 panicked "$dir/server.log" >&2; exit 1; fi
exit $status
