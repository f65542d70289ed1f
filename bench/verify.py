#!/usr/bin/env python3
"""Checks that each queries/qN.graphql.json (sent to the peer) and queries/qN.sql
(run with psql) return the same numbers. stdlib only; needs env from env.sh
(PGHOST/PGPORT/PGUSER/PGDATABASE) and the peer URL as argv[1]."""
import json
import os
import subprocess
import sys
import urllib.request

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5678/graphql"
HERE = os.path.dirname(os.path.abspath(__file__))
# The rendered questions (params.py): by default those bench/run leaves in its work folder.
QDIR = os.environ.get("QDIR", os.path.join(os.environ.get("WORK", os.path.join(HERE, ".work")), "queries"))


def gql(n):
    body = open(os.path.join(QDIR, "q%d.graphql.json" % n), "rb").read()
    req = urllib.request.Request(URL, data=body, headers={"content-type": "application/json"})
    res = json.load(urllib.request.urlopen(req))
    if "errors" in res:
        raise SystemExit("q%d graphql errors: %s" % (n, res["errors"]))
    return res["data"]


def sql(n):
    text = open(os.path.join(QDIR, "q%d.sql" % n)).read()
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("--")).strip().rstrip(";")
    out = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c",
                          "SELECT coalesce(json_agg(t), '[]') FROM (%s) t" % text],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def close(a, b):
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))


def groups(n, key):
    g = gql(n)["allObservationGeos"]["groupedAggregates"]
    pg = {str(x["keys"][0]): x["sum"]["value"] for x in g}
    s = sql(n)
    ps = {str(x[key]): x["total"] for x in s}
    ok = pg.keys() == ps.keys() and all(close(pg[k], ps[k]) for k in pg)
    order = [str(x[key]) for x in s]
    return ok, "%d groups, total %.2f; raw-SQL order %s; sample %s" % (
        len(ps), sum(ps.values()), order[:3] + (["..."] if len(order) > 3 else []),
        dict(list(sorted(ps.items()))[:2]))


def main():
    results = []
    # Q1
    g = gql(1)["regionByCode"]
    s = sql(1)[0]
    ok = (g["code"], g["name"], g["level"].lower(), int(g["population"]), g["regionByParentId"]["name"]) == \
         (s["code"], s["name"], s["level"], s["population"], s["parent_name"]) and \
         [(c["code"], c["name"]) for c in g["regionsByParentId"]["nodes"]] == [(c["code"], c["name"]) for c in s["children"]]
    results.append((1, ok, "%s %s parent %s, %d children" % (s["code"], s["name"], s["parent_name"], len(s["children"]))))
    results.append((2, *groups(2, "town_id")))
    results.append((3, *groups(3, "county_id")))
    # Q4 keys: PostGraphile gives the date; the view column is a date
    results.append((4, *groups(4, "month")))
    # Q5
    g = gql(5)["allReports"]["nodes"]
    s = sql(5)
    gg = [(r["id"], r["externalId"], r["publishedOn"], [(o["metricByMetricId"]["code"], o["value"]) for o in r["observationsByReportId"]["nodes"]]) for r in g]
    ss = [(r["id"], r["external_id"], r["published_on"], [(o["metric"], o["value"]) for o in r["observations"]]) for r in s]
    ok = len(gg) == len(ss) and all(a[:3] == b[:3] and len(a[3]) == len(b[3]) and
                                    all(x[0] == y[0] and close(x[1], y[1]) for x, y in zip(a[3], b[3]))
                                    for a, b in zip(gg, ss))
    results.append((5, ok, "%d reports (%s .. %s), %d observations, value sum %.2f" % (
        len(ss), ss[0][2], ss[-1][2], sum(len(r[3]) for r in ss), sum(v for r in ss for _, v in r[3]))))
    bad = 0
    for n, ok, info in results:
        print("Q%d %s  %s" % (n, "SAME" if ok else "DIFFERENT", info))
        bad += not ok
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
