#!/usr/bin/env bash
# Usage: bench/alternate.sh BINARY_A BINARY_B DATABASE_URL Q [ROUNDS] [DATABASE_URL_B]
# Requests per second of two builds on question Q (bench/.work/queries/qQ.civicgraph.json, after a
# bench/run), alternated ROUNDS times (default 3): each cell starts the build serving DATABASE_URL
# (BINARY_B serves DATABASE_URL_B when given: a copy migrated by BINARY_B, when B adds a migration) on
# 127.0.0.1:8124 (RUST_LOG=warn, as bench/run), warms it up for 2 s and measures 5 s with wrk at 8
# connections. Cells move with the machine; compare a build with the other of the same round.
set -euo pipefail
A=$1 B=$2 DB=$3 Q=$4 ROUNDS=${5:-3} DB_B=${6:-$3}
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
export BODY="$BENCH_DIR/.work/queries/q$Q.civicgraph.json"
URL=http://127.0.0.1:8124/graphql
for _ in $(seq "$ROUNDS"); do
  for cell in "$A $DB" "$B $DB_B"; do
    read -r bin db <<< "$cell"
    RUST_LOG=warn "$bin" --db "$db" serve --addr 127.0.0.1:8124 > /dev/null 2>&1 &
    server=$!
    for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8124/healthz && break; sleep 0.2; done
    wrk -t2 -c8 -d2s -s "$BENCH_DIR/post.lua" "$URL" > /dev/null
    rps=$(wrk -t2 -c8 -d5s -s "$BENCH_DIR/post.lua" "$URL" | awk '/Requests\/sec/ {print $2}')
    echo "$(basename "$bin") q$Q $rps"
    kill "$server"; wait "$server" 2>/dev/null || true
  done
done
