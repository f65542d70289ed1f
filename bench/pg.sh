#!/usr/bin/env bash
# Usage: bench/pg.sh start | load [--if-needed] FILE.ndjson | stop
# The private PostgreSQL cluster of the benchmark: under $WORK/pgdata, on 127.0.0.1:$PGPORT (5499)
# only. `start` installs PostgreSQL (Debian) if missing, creates the cluster on first use and starts
# it. `load` (re)creates database `bench` (the peer's and raw SQL's) from FILE through CSV and COPY,
# builds its indexes and analyzes it; a finished load marks the database with the file's name, size
# and mtime, and with --if-needed a database so marked is kept.
set -euo pipefail
source "$(dirname "$0")/env.sh"

start() {
  if [ -z "$PGBIN" ]; then
    echo "installing PostgreSQL from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
    PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    export PATH="$PGBIN:$PATH"
  fi
  mkdir -p "$WORK" "$PGRUN"
  [ "$(id -u)" != 0 ] || chown postgres:postgres "$PGRUN"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"; [ "$(id -u)" != 0 ] || chown postgres:postgres "$PGDATA"; chmod 700 "$PGDATA"
    as_pg "'$PGBIN/initdb' -D '$PGDATA' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8" >/dev/null
    cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGRUN'
max_connections = 100
shared_buffers = 2GB
effective_cache_size = 12GB
work_mem = 32MB
maintenance_work_mem = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min
random_page_cost = 1.1
jit = off
max_parallel_workers_per_gather = 1
shared_preload_libraries = 'pg_stat_statements'
CONF
  fi
  if ! as_pg "'$PGBIN/pg_ctl' -D '$PGDATA' status" >/dev/null 2>&1; then
    as_pg "'$PGBIN/pg_ctl' -D '$PGDATA' -l '$PGRUN/postgres.log' -w start" >/dev/null
  fi
  echo "postgres $(psql -d postgres -Atc 'show server_version') on $PGHOST:$PGPORT, pid $(head -1 "$PGDATA/postmaster.pid")"
}

load() {
  local if_needed=0 src mark t0 t1 t2
  if [ "${1:-}" = --if-needed ]; then if_needed=1; shift; fi
  src="$(realpath "${1:?usage: pg.sh load [--if-needed] FILE.ndjson}")"
  mark="loaded $(basename "$src") $(stat -c '%s bytes, mtime %Y' "$src")"
  if [ "$if_needed" = 1 ] &&
     [ "$(psql -d postgres -Atc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'bench'")" = "$mark" ]; then
    echo "database bench: already $mark"; return 0
  fi
  # WITH (FORCE): a running peer's connections would otherwise block the drop.
  psql -d postgres -qc "DROP DATABASE IF EXISTS bench WITH (FORCE)" -c "CREATE DATABASE bench"
  psql -q -v ON_ERROR_STOP=1 -f "$BENCH_DIR/schema.sql" 2>&1 | grep -v NOTICE || true
  t0=$(date +%s.%N)
  python3 "$BENCH_DIR/ndjson_to_csv.py" "$src" "$WORK/csv"
  t1=$(date +%s.%N)
  for t in region metric program report observation; do
    psql -q -v ON_ERROR_STOP=1 -c "\\copy $t FROM '$WORK/csv/$t.csv' WITH (FORMAT csv)"
  done
  t2=$(date +%s.%N)
  psql -q -v ON_ERROR_STOP=1 -f "$BENCH_DIR/indexes.sql" >/dev/null
  psql -q -c "VACUUM (ANALYZE)"
  echo "database bench: csv $(took "$t0" "$t1") s, COPY $(took "$t1" "$t2") s, indexes and analyze $(took "$t2") s;" \
    "$(psql -Atc "SELECT count(*) || ' regions, ' || (SELECT count(*) FROM observation) || ' observations, '
                  || pg_size_pretty(pg_database_size('bench')) FROM region")"
  psql -d postgres -qc "COMMENT ON DATABASE bench IS '$mark'"
}

stop() {
  if [ -f "$PGDATA/PG_VERSION" ] && as_pg "'$PGBIN/pg_ctl' -D '$PGDATA' status" >/dev/null 2>&1; then
    as_pg "'$PGBIN/pg_ctl' -D '$PGDATA' -m fast -w stop" >/dev/null && echo "postgres stopped"
  fi
}

cmd="${1:?usage: pg.sh start | load [--if-needed] FILE | stop}"; shift
"$cmd" "$@"
