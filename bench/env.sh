# Settings shared by bench/run and its helpers (sourced). Override any of them by exporting first.
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${WORK:-$BENCH_DIR/.work}"
PGBIN="${PGBIN:-}"
if [ -z "$PGBIN" ]; then  # the newest installed PostgreSQL
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do [ -x "$d/postgres" ] && { PGBIN="$d"; break; }; done
fi
# psql, pgbench and pg_ctl from the same installation as the server (not whatever is first on PATH)
[ -z "$PGBIN" ] || export PATH="$PGBIN:$PATH"
PGDATA="${PGDATA:-$WORK/pgdata}"
PGRUN="$WORK/run"
export PGHOST=127.0.0.1 PGPORT="${PGPORT:-5499}" PGUSER=postgres PGDATABASE=bench
PEER_PORT="${PEER_PORT:-5678}"
PEER_URL="http://127.0.0.1:$PEER_PORT/graphql"
CG_SQLITE_PORT="${CG_SQLITE_PORT:-8101}"; CG_PG_PORT="${CG_PG_PORT:-8102}"
# initdb and pg_ctl refuse to run as root: as root they run as `postgres` (the Debian packages create it).
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }
# Seconds from T0 to T1 (default now), both from date +%s.%N, one decimal.
took() { python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "${2:-$(date +%s.%N)}"; }
