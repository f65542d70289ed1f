#!/usr/bin/env bash
# Usage: bench/cg_import.sh [--if-needed] FILE.ndjson
# Fills civicgraph's two databases from FILE with `civicgraph import`: the SQLite file $WORK/cg.db
# and database `cg` on the private cluster, then VACUUM (ANALYZE) on `cg`. Uses the binary $CG
# (default $WORK/civicgraph). Each import is stamped with the binary's sha256 and the file's name,
# size and mtime; with --if-needed a database whose stamp matches is kept (a different binary, whose
# schema may differ, or a different file imports again). Prints time, rate and peak memory.
set -euo pipefail
source "$(dirname "$0")/env.sh"
IF_NEEDED=0
if [ "${1:-}" = --if-needed ]; then IF_NEEDED=1; shift; fi
SRC="$(realpath "${1:?usage: cg_import.sh [--if-needed] FILE.ndjson}")"
CG="${CG:-$WORK/civicgraph}"
STAMP="civicgraph $(sha256sum "$CG" | cut -c1-16) imported $(basename "$SRC") $(stat -c '%s bytes, mtime %Y' "$SRC")"
OBS=$(grep -o '"period_start"' "$SRC" | wc -l)  # observations in the file

timed_import() {  # LABEL DB-URL
  local t0 log=$WORK/import_$1.log
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$WORK/import_$1.rss" "$CG" --db "$2" import "$SRC" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
  local s; s=$(took "$t0")
  echo "$1 import: $s s, $(python3 -c "print('%.0f' % ($OBS / $s))") observations/s, peak RSS $(( $(cat "$WORK/import_$1.rss") / 1024 )) MiB" |
    tee "$WORK/import_$1.txt"
}

if [ "$IF_NEEDED" = 1 ] && [ -f "$WORK/cg.db" ] && [ "$(cat "$WORK/cg.db.stamp" 2>/dev/null)" = "$STAMP" ]; then
  echo "sqlite cg.db: already $STAMP"
else
  rm -f "$WORK/cg.db" "$WORK/cg.db-wal" "$WORK/cg.db-shm" "$WORK/cg.db.stamp"
  timed_import sqlite "sqlite://$WORK/cg.db"
  echo "$STAMP" > "$WORK/cg.db.stamp"
fi

if [ "$IF_NEEDED" = 1 ] &&
   [ "$(psql -d postgres -Atc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'cg'")" = "$STAMP" ]; then
  echo "postgres cg: already $STAMP"
else
  psql -d postgres -qc "DROP DATABASE IF EXISTS cg WITH (FORCE)" -c "CREATE DATABASE cg"
  timed_import postgres "postgres://$PGUSER@$PGHOST:$PGPORT/cg"
  t0=$(date +%s.%N)
  psql -d cg -qc "VACUUM (ANALYZE)"
  echo "postgres cg: VACUUM (ANALYZE) $(took "$t0") s, $(psql -d cg -Atc "select pg_size_pretty(pg_database_size('cg'))")"
  psql -d postgres -qc "COMMENT ON DATABASE cg IS '$STAMP'"
fi
