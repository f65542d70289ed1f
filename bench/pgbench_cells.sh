#!/usr/bin/env bash
# Usage: bench/pgbench_cells.sh CONNINFO ROUNDS FILE...
# Mean latency (ms) of each single-statement FILE under `pgbench -n -c 1 -T 4` against CONNINFO
# (e.g. "-h 127.0.0.1 -U postgres large"), with JIT off as the server's connections have it, the
# files' cells alternated ROUNDS times: a line per round. Cells move with the machine; compare
# statements within a round.
set -euo pipefail
CONN=$1 ROUNDS=$2; shift 2
for _ in $(seq "$ROUNDS"); do
  for f in "$@"; do
    # shellcheck disable=SC2086
    ms=$(PGOPTIONS="-c jit=off" pgbench -n -c 1 -T 4 -f "$f" $CONN 2>/dev/null | awk '/latency average/ {print $4}')
    printf '%s %s  ' "$(basename "$f" .sql)" "$ms"
  done
  echo
done
