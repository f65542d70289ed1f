#!/usr/bin/env bash
# Usage: bench/peer/peer.sh start | stop
# The peer: PostGraphile with pg-aggregates and connection-filter (peer_server.js) over database
# `bench`, on 127.0.0.1:$PEER_PORT (5678). `start` installs it on first use into $WORK/peer with
# `npm ci` from package.json and package-lock.json (pinned versions), serves it in the background
# (pid in $WORK/peer.pid, log in $WORK/peer.log) and waits until it answers; a peer already
# running is left as it is. PEER_WORKERS=N runs N Node processes (default 1).
set -euo pipefail
source "$(dirname "$0")/../env.sh"
HERE="$BENCH_DIR/peer"

start() {
  if [ -f "$WORK/peer.pid" ] && kill -0 "$(cat "$WORK/peer.pid")" 2>/dev/null; then
    echo "peer already running (pid $(cat "$WORK/peer.pid"))"; return 0
  fi
  mkdir -p "$WORK/peer"
  if ! cmp -s "$HERE/package-lock.json" "$WORK/peer/package-lock.json" || [ ! -d "$WORK/peer/node_modules" ]; then
    command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
    echo "installing the peer into $WORK/peer (npm ci, versions from bench/peer/package-lock.json)"
    cp "$HERE/package.json" "$HERE/package-lock.json" "$WORK/peer/"
    (cd "$WORK/peer" && npm ci --no-audit --no-fund --no-progress --loglevel=error)
  fi
  if curl -s -o /dev/null "$PEER_URL"; then
    echo "something else already answers on $PEER_URL; not starting a second peer" >&2; exit 1
  fi
  NODE_PATH="$WORK/peer/node_modules" NODE_ENV=production PEER_PORT="$PEER_PORT" PEER_WORKERS="${PEER_WORKERS:-1}" \
    DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/bench" nohup node "$HERE/peer_server.js" > "$WORK/peer.log" 2>&1 < /dev/null &
  echo $! > "$WORK/peer.pid"
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{"query":"{__typename}"}' "$PEER_URL"; then
      echo "peer up at $PEER_URL (pid $(cat "$WORK/peer.pid"))"; return 0
    fi
    kill -0 "$(cat "$WORK/peer.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "peer did not come up; see $WORK/peer.log" >&2; cat "$WORK/peer.log" >&2; exit 1
}

stop() {
  if [ -f "$WORK/peer.pid" ]; then
    local p; p=$(cat "$WORK/peer.pid")
    if kill "$p" 2>/dev/null; then
      for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      echo "peer stopped"
    fi
    rm -f "$WORK/peer.pid"
  fi
}

cmd="${1:?usage: peer.sh start | stop}"; shift
"$cmd" "$@"
