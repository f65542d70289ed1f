#!/usr/bin/env python3
"""Checks civicgraph's answers to queries/qN.civicgraph.json (N = 1..5) and compares them with
the raw SQL (queries/qN.sql on database `bench`, which verify.py shows equals the peer's).

    python3 cg_verify.py URL [URL ...]      # e.g. the SQLite server, then the PostgreSQL server

For each URL and query: HTTP 200, no `errors`, a non-empty answer. The servers must answer the
same (floats to 1e-9 relative). Then, per query, how civicgraph's answer differs from the raw/peer
one: civicgraph's aggregate counts a figure only if its whole period lies in the window (with
`grain`, in one calendar bucket) and drops superseded figures, where the peer sums every figure
whose period_end is in the window. A second, untimed query per Q2-Q4 asks civicgraph how many
observations it counted and dropped. stdlib only; needs PG* from env.sh. Exit code 1 on any failure.
"""
import json
import os
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# The rendered questions (params.py): by default those bench/run leaves in its work folder.
QDIR = os.environ.get("QDIR", os.path.join(os.environ.get("WORK", os.path.join(HERE, ".work")), "queries"))
URLS = sys.argv[1:] or ["http://127.0.0.1:8101/graphql"]
FAIL = []
P = json.load(open(os.path.join(QDIR, "params.json")))


def post(url, body):
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        status = r.status
        return status, json.load(r)


def cg(url, n):
    body = open(os.path.join(QDIR, "q%d.civicgraph.json" % n), "rb").read()
    status, res = post(url, body)
    if status != 200 or "errors" in res or not res.get("data"):
        FAIL.append("q%d at %s: HTTP %s %s" % (n, url, status, json.dumps(res, ensure_ascii=False)[:2000]))
        return None
    return res["data"]


def cg_raw(url, query, variables):
    status, res = post(url, json.dumps({"query": query, "variables": variables}).encode())
    if status != 200 or "errors" in res:
        FAIL.append("diagnostic at %s: %s" % (url, json.dumps(res, ensure_ascii=False)[:2000]))
        return None
    return res["data"]


def psql(text):
    out = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", text],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def sql(n):
    text = open(os.path.join(QDIR, "q%d.sql" % n)).read()
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("--")).strip().rstrip(";")
    return psql("SELECT coalesce(json_agg(t), '[]') FROM (%s) t" % text)


def codes(ids):
    if not ids:
        return {}
    rows = psql("SELECT json_agg(json_build_object('id', id, 'code', code)) FROM region WHERE id IN (%s)"
                % ",".join(str(int(i)) for i in ids))
    return {r["id"]: r["code"] for r in rows}


def close(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    return a == b


def same(a, b):
    """Deep equality, floats to 1e-9 relative, dict key order ignored."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return close(a, b)
    return a == b


def nonempty(n, d):
    if n == 1:
        r = d["region"]
        return bool(r and r["parent"] and r["children"]["nodes"])
    if n == 2:
        return any(r["value"] is not None for r in d["compare"]["rows"])
    if n in (3, 4):
        return len(d["aggregate"]) > 0
    return len(d["reports"]["nodes"]) > 0 and all(r["observations"]["nodes"] for r in d["reports"]["nodes"])


def groups_diff(cgmap, rawmap):
    """Text on how the civicgraph groups {key: value} differ from the raw groups."""
    keys = sorted(set(cgmap) | set(rawmap))
    equal = [k for k in keys if k in cgmap and k in rawmap and close(cgmap[k], rawmap[k])]
    lower = [k for k in keys if k in cgmap and k in rawmap and cgmap[k] < rawmap[k] and not close(cgmap[k], rawmap[k])]
    higher = [k for k in keys if k in cgmap and k in rawmap and cgmap[k] > rawmap[k] and not close(cgmap[k], rawmap[k])]
    only_raw = [k for k in keys if k not in cgmap]
    only_cg = [k for k in keys if k not in rawmap]
    tc, tr = sum(cgmap.values()), sum(rawmap.values())
    worst = max((k for k in keys if k in cgmap and k in rawmap),
                key=lambda k: abs(cgmap[k] - rawmap[k]), default=None)
    return ("groups: civicgraph %d, raw/peer %d; same value %d, lower %d, higher %d, only raw %d, only civicgraph %d; "
            "total civicgraph %.2f vs raw %.2f (%.1f%%)%s" % (
                len(cgmap), len(rawmap), len(equal), len(lower), len(higher), len(only_raw), len(only_cg),
                tc, tr, 100.0 * tc / tr if tr else float("nan"),
                "; largest gap %s: %.2f vs %.2f" % (worst, cgmap[worst], rawmap[worst]) if worst else ""))


def main():
    answers = {}
    for url in URLS:
        for n in range(1, 6):
            d = cg(url, n)
            if d is not None and not nonempty(n, d):
                FAIL.append("q%d at %s: empty answer %s" % (n, url, json.dumps(d, ensure_ascii=False)[:500]))
            answers[(url, n)] = d
    for n in range(1, 6):
        base = answers[(URLS[0], n)]
        for url in URLS[1:]:
            if base is not None and answers[(url, n)] is not None and not same(base, answers[(url, n)]):
                FAIL.append("q%d: %s and %s answer differently" % (n, URLS[0], url))
    lines = []
    d = {n: answers[(URLS[0], n)] for n in range(1, 6)}
    # Q1: identical information expected.
    if d[1]:
        g, s = d[1]["region"], sql(1)[0]
        ok = (g["code"], g["name"], g["level"].lower(), g["population"], g["parent"]["code"], g["parent"]["name"]) == \
             (s["code"], s["name"], s["level"], s["population"], s["parent_code"], s["parent_name"]) and \
            [(c["code"], c["name"]) for c in g["children"]["nodes"]] == [(c["code"], c["name"]) for c in s["children"]]
        lines.append("Q1 %s  %s %s parent %s, %d children" % ("SAME" if ok else "DIFFERENT", g["code"], g["name"],
                                                              g["parent"]["name"], len(g["children"]["nodes"])))
        if not ok:
            FAIL.append("Q1 differs from raw SQL")
    # Q2-Q4: the semantics differ; say how far.
    diag = {
        2: ("""query($m: String!, $w: String!, $f: Date!, $t: Date!) { aggregate(metric: $m, within: $w, level: TOWN,
              from: $f, to: $t) { observations superseded } }""",
            {"m": P["Q2_METRIC"], "w": P["Q2_CODE"], "f": "2023-01-01", "t": "2023-12-31"},
            "SELECT json_build_array(count(*), count(*) FILTER (WHERE o.period_start < DATE '2023-01-01')) FROM observation o "
            "JOIN region r ON r.id = o.region_id WHERE r.county_id = %s AND o.metric_id = %s " % (P["Q2_ID"], P["Q2_METRIC_ID"]) +
            
            "AND o.period_end >= DATE '2023-01-01' AND o.period_end < DATE '2024-01-01'"),
        3: ("""query($m: String!, $w: String!, $f: Date!, $t: Date!) { aggregate(metric: $m, within: $w, level: COUNTY,
              from: $f, to: $t) { observations superseded } }""",
            {"m": P["Q3_METRIC"], "w": P["Q3_CODE"], "f": "2023-01-01", "t": "2023-12-31"},
            "SELECT json_build_array(count(*), count(*) FILTER (WHERE o.period_start < DATE '2023-01-01')) FROM observation o "
            "JOIN region r ON r.id = o.region_id WHERE r.province_id = %s AND o.metric_id = %s " % (P["Q3_ID"], P["Q3_METRIC_ID"]) +
            
            "AND o.period_end >= DATE '2023-01-01' AND o.period_end < DATE '2024-01-01'"),
        4: ("""query($m: String!, $w: String!, $f: Date!, $t: Date!) { aggregate(metric: $m, within: $w, grain: MONTH,
              from: $f, to: $t) { observations superseded } }""",
            {"m": P["Q4_METRIC"], "w": P["Q4_CODE"], "f": "2022-01-01", "t": "2024-12-31"},
            "SELECT json_build_array(count(*), count(*) FILTER (WHERE date_trunc('month', o.period_start) "
            "<> date_trunc('month', o.period_end))) FROM observation o "
            "JOIN region r ON r.id = o.region_id WHERE r.city_id = %s AND o.metric_id = %s " % (P["Q4_ID"], P["Q4_METRIC_ID"]) +
            
            "AND o.period_end >= DATE '2022-01-01' AND o.period_end < DATE '2025-01-01'"),
    }

    def why(n):
        q, v, s = diag[n]
        dd = cg_raw(URLS[0], q, v)
        counted = sum(r["observations"] for r in dd["aggregate"]) if dd else -1
        superseded = sum(r["superseded"] for r in dd["aggregate"]) if dd else -1
        in_scope, outside = psql(s)
        what = "starting before the window" if n != 4 else "spanning more than one month"
        return ("observations: raw/peer sums %d (%d of them %s); civicgraph counted %d, dropped %d as superseded"
                % (in_scope, outside, what, counted, superseded))

    if d[2]:
        raw = sql(2)
        names = codes([x["town_id"] for x in raw])
        rawmap = {names[x["town_id"]]: x["total"] for x in raw}
        rows = d[2]["compare"]["rows"]
        cgmap = {r["region"]["code"]: r["value"] for r in rows if r["value"] is not None}
        lines.append("Q2 %s  %d rows (%d with a value); %s; order civicgraph %s, raw %s; %s" % (
            "SAME" if same(cgmap, rawmap) else "DIFFERS", len(rows), len(cgmap), groups_diff(cgmap, rawmap),
            [r["region"]["code"] for r in rows if r["value"] is not None][:3], [names[x["town_id"]] for x in raw][:3], why(2)))
    if d[3]:
        raw = sql(3)
        names = codes([x["county_id"] for x in raw])
        rawmap = {names[x["county_id"]]: x["total"] for x in raw}
        cgmap = {r["region"]["code"]: r["value"] for r in d[3]["aggregate"] if r["value"] is not None}
        lines.append("Q3 %s  %s; %s" % ("SAME" if same(cgmap, rawmap) else "DIFFERS", groups_diff(cgmap, rawmap), why(3)))
    if d[4]:
        raw = sql(4)
        rawmap = {x["month"]: x["total"] for x in raw}
        cgmap = {r["periodStart"]: r["value"] for r in d[4]["aggregate"] if r["value"] is not None}
        lines.append("Q4 %s  %s; %s" % ("SAME" if same(cgmap, rawmap) else "DIFFERS", groups_diff(cgmap, rawmap), why(4)))
    if d[5]:
        raw = sql(5)
        gg = [(r["externalId"], r["title"], r["publishedOn"], [(o["metric"]["code"], o["value"]) for o in r["observations"]["nodes"]])
              for r in d[5]["reports"]["nodes"]]
        ss = [(r["external_id"], r["title"], r["published_on"], [(o["metric"], o["value"]) for o in r["observations"]]) for r in raw]
        ok = same([list(x[:3]) + [[list(o) for o in x[3]]] for x in gg], [list(x[:3]) + [[list(o) for o in x[3]]] for x in ss])
        lines.append("Q5 %s  %d reports (%s .. %s), %d observations, value sum %.2f%s" % (
            "SAME" if ok else "DIFFERENT", len(gg), gg[0][2], gg[-1][2], sum(len(r[3]) for r in gg),
            sum(v for r in gg for _, v in r[3]),
            "" if ok else "; raw: %d reports, ids %s vs %s" % (len(ss), [x[0] for x in ss][:5], [x[0] for x in gg][:5])))
        if not ok:
            FAIL.append("Q5 differs from raw SQL")
    print("civicgraph answers: HTTP 200, no errors, non-empty, same on %d server(s): %s"
          % (len(URLS), "yes" if not FAIL else "NO"))
    for l in lines:
        print(l)
    for f in FAIL:
        print("FAIL", f)
    sys.exit(1 if FAIL else 0)


if __name__ == "__main__":
    main()
