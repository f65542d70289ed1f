#!/usr/bin/env bash
# Peak memory of one request: starts `civicgraph serve` on the demo data plus the small synthetic
# dataset, then sends each query below to a fresh server and prints how far the server's peak RSS
# (VmHWM in /proc/PID/status) rose over its level after a warm-up query.
#
#   scripts/request-memory.sh [BINARY]      # default: target/release/civicgraph
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/civicgraph}
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" generate --scale small --seed 1 > "$work/small.ndjson" 2>/dev/null
"$bin" --db "sqlite://$work/db.sqlite" import data/demo.ndjson "$work/small.ndjson" >/dev/null

# Each query costs just under the default limit of 50,000 (see README "Limits and errors").
queries=(
  '{ reports(first: 100) { edges { node { title body observations(first: 100) { edges { node { value quote } } } } } } }'
  '{ observations(first: 100) { edges { node { value quote report { title body authors } region { name ancestors { name } } } } } }'
  '{ regions(first: 100, level: VILLAGE) { edges { node { name ancestors { name } observations(first: 100) { edges { node { value } } } } } } }'
  '{ compare(metric: "people_visited", within: "53", level: VILLAGE, from: "2019-01-01", to: "2024-12-31") { rows { value region { name } sources { title } } } }'
)
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
port=18765
for q in "${queries[@]}"; do
  "$bin" --db "sqlite://$work/db.sqlite" serve --addr "127.0.0.1:$port" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" \
      >/dev/null 2>&1 && break
    sleep 0.1
  done
  post() {
    python3 - "$port" "$1" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/graphql",
                             json.dumps({"query": sys.argv[2]}).encode(),
                             {"Content-Type": "application/json"})
body = urllib.request.urlopen(req, timeout=60).read()
answer = json.loads(body)
print(len(body), answer["errors"][0]["extensions"]["code"] if "errors" in answer else "ok")
PY
  }
  post '{ regions(first: 1) { totalCount } }' >/dev/null
  before=$(hwm "$server")
  answer=$(post "$q")
  after=$(hwm "$server")
  printf '%6d KiB -> %6d KiB  (+%5d KiB)  answer %s  %s\n' "$before" "$after" $((after - before)) "$answer" "${q:0:70}"
  kill "$server"; wait "$server" 2>/dev/null || true
done
