#!/usr/bin/env bash
# Measures the dashboard on the demo data in a release build: the time from navigation to the first
# drawn view (the page's `dashboard-first-view` performance mark, set once the charts and the table
# are drawn), over fresh loads with an empty cache and with a warm one, and the page's weight as
# transferred (gzip, as the server compresses), chart library included.
#
#   scripts/dashboard-first-view.sh [RUNS]     (default 7 runs of each kind; needs chromium and
#                                               chromium-driver, and python3)
#
# It builds `cargo build --release`, serves the demo on a temporary SQLite file and a free port, and
# drives headless Chromium through chromedriver on another free port. Figures only: nothing is
# asserted about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
driver="${CHROMEDRIVER:-/usr/bin/chromedriver}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$driver" ] || { echo "chromedriver not found at $driver (apt-get install chromium chromium-driver)" >&2; exit 1; }

cargo build --release -q -p civicgraph
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
driver_port="$(free_port)"
"$target/release/civicgraph" --db "sqlite://$work/demo.db" serve --demo --addr "127.0.0.1:$port" \
  >"$work/server.log" 2>&1 &
server=$!
"$driver" --port="$driver_port" >"$work/driver.log" 2>&1 &
chromedriver=$!
trap 'kill "$server" "$chromedriver" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && curl -sf "http://127.0.0.1:$driver_port/status" >/dev/null && break
  sleep 0.2
done

view="metric=problems_solved&within=330000&level=COUNTY&from=2020-01-01&to=2024-12-31"
echo "release build, demo data, $(nproc) cores; view: /dashboard?$view"
python3 - "$port" "$driver_port" "$chromium" "$runs" "$view" <<'EOF'
import json, statistics, sys, time, urllib.request

port, driver_port, chromium, runs, view = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
base = f"http://127.0.0.1:{port}"
wd = f"http://127.0.0.1:{driver_port}"

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(wd + path, data, {"Content-Type": "application/json"}, method=method)
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)["value"]

def session():
    caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": chromium, "args": [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,1000"]}}}}
    return call("POST", "/session", caps)["sessionId"]

def run(sid, script):
    return call("POST", f"/session/{sid}/execute/sync", {"script": script, "args": []})

def load(sid):
    call("POST", f"/session/{sid}/url", {"url": f"{base}/dashboard?{view}"})
    for _ in range(400):
        mark = run(sid, "const m = performance.getEntriesByName('dashboard-first-view')[0]; return m ? m.startTime : null;")
        if mark is not None:
            return mark
        time.sleep(0.025)
    raise SystemExit("the first view was never drawn")

def weight(sid):
    return run(sid, """
        const nav = performance.getEntriesByType('navigation')[0];
        const all = [nav, ...performance.getEntriesByType('resource')];
        const sum = (f) => all.filter(f).reduce((n, e) => n + e.transferSize, 0);
        const body = (f) => all.filter(f).reduce((n, e) => n + e.decodedBodySize, 0);
        const graphql = (e) => e.name.includes('/graphql');
        const echarts = (e) => e.name.includes('echarts');
        return {total: sum(() => true), decoded: body(() => true), echarts: sum(echarts),
                graphql: sum(graphql), page: sum((e) => !graphql(e) && !echarts(e)),
                requests: all.length};""")

cold, warm = [], []
figures = None
for i in range(runs):
    sid = session()            # a new browser: empty cache
    cold.append(load(sid))
    if figures is None:
        figures = weight(sid)
    warm.append(load(sid))     # the same browser again: cached files, fresh data
    call("DELETE", f"/session/{sid}")

fmt = lambda xs: f"median {statistics.median(xs):.0f} ms (min {min(xs):.0f}, max {max(xs):.0f}, {len(xs)} runs)"
print(f"first view drawn, empty cache: {fmt(cold)}")
print(f"first view drawn, warm cache:  {fmt(warm)}")
kb = lambda n: f"{n / 1024:.0f} KiB"
print(f"transferred on first load: {kb(figures['total'])} in {figures['requests']} requests "
      f"(echarts.min.js {kb(figures['echarts'])}, page and its modules {kb(figures['page'])}, "
      f"GraphQL answers {kb(figures['graphql'])}); {kb(figures['decoded'])} uncompressed")
EOF
