#!/usr/bin/env bash
# Usage: bench/wait_events.sh PSQL_CONNINFO DATABASE [SAMPLES]
# What the client backends of DATABASE wait on, sampled every 0.2 s (default 250 samples): counts of
# wait_event_type:wait_event:state from pg_stat_activity ("CPU" when not waiting). Run it while an
# import or a load runs, e.g. bench/wait_events.sh "host=127.0.0.1 user=postgres dbname=test" imp
set -euo pipefail
CONN=$1 DB=$2 SAMPLES=${3:-250}
for _ in $(seq "$SAMPLES"); do
  psql "$CONN" -Atc "SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') || ':' || state
                     FROM pg_stat_activity WHERE datname = '$DB' AND backend_type = 'client backend'"
  sleep 0.2
done | sort | uniq -c | sort -rn
