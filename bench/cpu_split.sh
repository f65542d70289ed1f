#!/usr/bin/env bash
# Usage: bench/cpu_split.sh BINARY DATABASE_URL Q [SECONDS]
# Where the CPU of one question goes: starts BINARY serving DATABASE_URL on 127.0.0.1:8102, warms it
# up with 20 requests of question Q (bench/.work/queries/qQ.civicgraph.json, after a bench/run), runs
# wrk at 8 connections for SECONDS (default 5) and prints requests per second and the CPU time
# (utime + stime from /proc) per request of the server process and of all PostgreSQL processes
# (those named `postgres`). Alternate two builds with it to compare them. The server logs at
# RUST_LOG=$CG_LOG (default warn, as bench/run; the server's own default is
# CG_LOG=info,sqlx=warn,sea_orm_migration=warn).
set -euo pipefail
BIN=$1 DB=$2 Q=$3 SECS=${4:-5}
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
BODY="$BENCH_DIR/.work/queries/q$Q.civicgraph.json"
RUST_LOG="${CG_LOG:-warn}" "$BIN" --db "$DB" serve --addr 127.0.0.1:8102 > /dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8102/healthz && break; sleep 0.2; done
for _ in $(seq 20); do
  curl -s -o /dev/null -H 'content-type: application/json' --data @"$BODY" http://127.0.0.1:8102/graphql
done
ticks() {  # clock ticks used so far by the processes given
  local sum=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
server_before=$(ticks $SERVER)
pg_before=$(ticks $(pgrep -x postgres || true))
out=$(BODY="$BODY" wrk -t1 -c8 -d"${SECS}s" -s "$BENCH_DIR/post.lua" http://127.0.0.1:8102/graphql)
server_after=$(ticks $SERVER)
pg_after=$(ticks $(pgrep -x postgres || true))
requests=$(awk '/requests in/ {print $1}' <<< "$out")
rate=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
hz=$(getconf CLK_TCK)
per() { awk -v t="$1" -v n="$requests" -v hz="$hz" 'BEGIN { printf "%.3f", t * 1000 / hz / n }'; }
echo "q$Q $(basename "$BIN"): $rate requests/s; server $(per $((server_after - server_before))) ms/request;" \
  "postgres $(per $((pg_after - pg_before))) ms/request"
