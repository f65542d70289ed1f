#!/usr/bin/env bash
# Usage: bench/measure.sh QUERIES CONNECTIONS SECONDS     (e.g. "1 2 3 4 5" 8 5)
# Measures the five questions on four sides in one run: the peer, civicgraph on SQLite, civicgraph on
# PostgreSQL (wrk, post.lua) and the raw SQL (pgbench). Needs the cluster with databases `bench` and
# `cg`, $WORK/cg.db, $WORK/civicgraph, the peer running and the rendered questions in $WORK/queries.
# Starts its own two civicgraph servers and stops them at the end.
# Before measuring, the answers of all sides are checked (verify.py: peer = raw SQL; cg_verify.py:
# both civicgraph servers agree, and how they differ from raw SQL); each cell's 2 s warm-up checks
# every response (post_check.lua). A sampler (cpu_sampler.py) records the CPU used by processes that
# are not the benchmark's. QUIET_WAIT=S (default 0) waits up to S s before each cell until other
# processes use under 10% CPU, and TRIES=N (default 1) measures a cell again, up to N times, while
# they used 10% or more during it. Output: $WORK/results/ (raw outputs and summary.md).
set -euo pipefail
source "$(dirname "$0")/env.sh"
QS="$1"; C="$2"; T="$3"
CG="${CG:-$WORK/civicgraph}"
export QDIR="$WORK/queries"
declare -A CG_DB=([sqlite]="sqlite://$WORK/cg.db" [pg]="postgres://$PGUSER@$PGHOST:$PGPORT/cg")
declare -A CG_PORTS=([sqlite]=$CG_SQLITE_PORT [pg]=$CG_PG_PORT)
OUTD="$WORK/results"; mkdir -p "$OUTD"; rm -f "$OUTD"/*
cd "$BENCH_DIR"

url() { echo "http://127.0.0.1:${CG_PORTS[$1]}/graphql"; }
cg_pid() { cat "$WORK/cg_$1.pid"; }
cg_stop() {
  if [ -f "$WORK/cg_$1.pid" ]; then
    local p; p=$(cg_pid "$1")
    if kill "$p" 2>/dev/null; then while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; fi
    rm -f "$WORK/cg_$1.pid"
  fi
}
cg_start() {
  RUST_LOG="${CG_LOG:-warn}" nohup "$CG" --db "${CG_DB[$1]}" serve --addr "127.0.0.1:${CG_PORTS[$1]}" >> "$OUTD/cg_$1.log" 2>&1 &
  echo $! > "$WORK/cg_$1.pid"
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "http://127.0.0.1:${CG_PORTS[$1]}/healthz" && return 0
    sleep 0.1
  done
  echo "civicgraph $1 did not come up; see $OUTD/cg_$1.log" >&2; cat "$OUTD/cg_$1.log" >&2; exit 1
}
rss() {  # RSS and peak RSS (VmHWM) of a civicgraph server, in MiB
  awk '/^VmRSS/ {r=$2} /^VmHWM/ {h=$2} END {printf "%.1f %.1f", r/1024, h/1024}' "/proc/$(cg_pid "$1")/status"
}
trap 'kill ${SAMPLER_PID:-} 2>/dev/null || true; cg_stop sqlite; cg_stop pg' EXIT

for s in sqlite pg; do cg_stop "$s"; cg_start "$s"; done
{
  echo "civicgraph $("$CG" --version | awk '{print $2}') (sha256 $(sha256sum "$CG" | cut -c1-12)); $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}'); $(pgbench --version); server $(psql -Atc 'show server_version')"
  echo "data: cg.db $(du -m "$WORK/cg.db" | cut -f1) MiB; database cg $(psql -d cg -Atc "select pg_size_pretty(pg_database_size('cg'))"), bench $(psql -Atc "select pg_size_pretty(pg_database_size('bench'))")"
  echo "-- peer vs raw SQL (verify.py)"
} > "$OUTD/verify.txt"
vf=0
python3 verify.py "$PEER_URL" >> "$OUTD/verify.txt" 2>&1 || vf=1
echo "-- civicgraph (SQLite, PostgreSQL) vs raw SQL (cg_verify.py)" >> "$OUTD/verify.txt"
python3 cg_verify.py "$(url sqlite)" "$(url pg)" >> "$OUTD/verify.txt" 2>&1 || vf=1
cat "$OUTD/verify.txt"
[ "$vf" = 0 ] || { echo "answer checks failed; not measuring" >&2; exit 1; }

ROOTS="$$ $(head -1 "$PGDATA/postmaster.pid") $(cat "$WORK/peer.pid") $(cg_pid sqlite) $(cg_pid pg)"
# shellcheck disable=SC2086
python3 cpu_sampler.py "$OUTD/cpu.txt" 1 $ROOTS &
SAMPLER_PID=$!
measured() {  # LABEL CMD...
  local label=$1 try t0 f; shift
  for try in $(seq 1 "${TRIES:-1}"); do
    # shellcheck disable=SC2086
    [ "${QUIET_WAIT:-0}" = 0 ] || python3 cpu_sampler.py --wait-quiet "$QUIET_WAIT" 10 $ROOTS >> "$OUTD/quiet.txt" || true
    t0=$(date +%s.%N); "$@"
    f=$(python3 cpu_sampler.py --foreign "$OUTD/cpu.txt" "$t0" "$(date +%s.%N)")
    echo "$label try $try: foreign CPU mean/max % $f" >> "$OUTD/foreign.txt"
    awk -v m="${f%% *}" 'BEGIN { exit !(m < 10) }' && return 0
    echo "   $label: foreign CPU ${f%% *}% during the cell"
  done
}
http_cell() {  # SIDE Q
  local side=$1 q=$2 u body th=$(( C < 2 ? C : 2 ))
  if [ "$side" = peer ]; then u="$PEER_URL"; body="$QDIR/q$q.graphql.json"; else u="$(url "$side")"; body="$QDIR/q$q.civicgraph.json"; fi
  BODY="$body" wrk -t1 -c"$C" -d2s -s post_check.lua "$u" | grep -E "^checked|^first bad" | sed "s/^/$side q$q warm-up: /" >> "$OUTD/checks.txt"
  BODY="$body" wrk -t"$th" -c"$C" -d"${T}s" --latency -s post.lua "$u" > "$OUTD/${side}_q$q.txt"
  printf '%-7s q%s %10s req/s\n' "$side" "$q" "$(awk '/Requests\/sec/ {print $2}' "$OUTD/${side}_q$q.txt")"
}
raw_cell() {  # Q
  local q=$1 th=$(( C < 2 ? C : 2 ))
  pgbench -n -f "$QDIR/q$q.sql" -c "$C" -j "$th" -T "$T" > "$OUTD/raw_q$q.txt" 2>&1
  printf '%-7s q%s %10s tps\n' raw "$q" "$(awk '/^tps/ {print $3}' "$OUTD/raw_q$q.txt")"
}
for q in $QS; do
  for side in peer sqlite pg; do measured "$side q$q" http_cell "$side" "$q"; done
  measured "raw q$q" raw_cell "$q"
done
for s in sqlite pg; do echo "$s $(rss "$s")" >> "$OUTD/rss.txt"; done
{ echo "-- after the load"; python3 cg_verify.py "$(url sqlite)" "$(url pg)"; } >> "$OUTD/verify.txt" 2>&1 ||
  { echo "answers changed under load" >&2; exit 1; }
kill $SAMPLER_PID 2>/dev/null || true
python3 summary.py "$OUTD" "$QS" "$C" "$T" | tee "$OUTD/summary.md"
