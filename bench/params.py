#!/usr/bin/env python3
"""Picks the regions and metrics the five questions ask about and renders queries/* into OUTDIR.

    python3 params.py SCALE OUTDIR      # needs the `bench` database (PG* from env.sh)

On medium data (seed 1) the questions are those of the original harness, so figures compare with
earlier runs: county 190102 (Q1), the towns of county 190103 (Q2), the counties of province 260000
(Q3), city 190200 (Q4), county 190104 (Q5). On other data each question takes the region with the
most matching figures, so that no answer is empty. Writes OUTDIR/params.json as well.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
METRICS = {"Q2": "people_visited", "Q3": "funds_allocated", "Q4": "households_visited"}
MEDIUM = {"Q1": "190102", "Q2": "190103", "Q3": "260000", "Q4": "190200", "Q5": "190104"}


def psql(text):
    out = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", text],
                         check=True, capture_output=True, text=True).stdout.strip()
    return out


def busiest(column, level, metric, start, end):
    """Code of the region at LEVEL with the most observations of METRIC ending in [start, end)."""
    return psql(f"""SELECT a.code FROM observation o JOIN region r ON r.id = o.region_id
        JOIN region a ON a.id = r.{column} JOIN metric m ON m.id = o.metric_id
        WHERE a.level = '{level}' AND m.code = '{metric}'
          AND o.period_end >= DATE '{start}' AND o.period_end < DATE '{end}'
        GROUP BY a.code ORDER BY count(*) DESC, a.code LIMIT 1""")


def pick(scale):
    if scale == "medium":
        return dict(MEDIUM)
    return {
        "Q1": psql("""SELECT p.code FROM region p JOIN region c ON c.parent_id = p.id
                      WHERE p.level = 'county' GROUP BY p.code ORDER BY count(*) DESC, p.code LIMIT 1"""),
        "Q2": busiest("county_id", "county", METRICS["Q2"], "2023-01-01", "2024-01-01"),
        "Q3": busiest("province_id", "province", METRICS["Q3"], "2023-01-01", "2024-01-01"),
        "Q4": busiest("city_id", "city", METRICS["Q4"], "2022-01-01", "2025-01-01"),
        "Q5": psql("""SELECT a.code FROM report x JOIN region r ON r.id = x.region_id
                      JOIN region a ON a.id = r.county_id GROUP BY a.code ORDER BY count(*) DESC, a.code LIMIT 1"""),
    }


def main():
    scale, outdir = sys.argv[1], sys.argv[2]
    params = {}
    for q, code in pick(scale).items():
        params[q + "_CODE"] = code
        params[q + "_ID"] = psql(f"SELECT id FROM region WHERE code = '{code}'")
        if not params[q + "_ID"]:
            sys.exit(f"params.py: no region {code} for {q} in database bench")
        if q in METRICS:
            params[q + "_METRIC"] = METRICS[q]
            params[q + "_METRIC_ID"] = psql(f"SELECT id FROM metric WHERE code = '{METRICS[q]}'")
    os.makedirs(outdir, exist_ok=True)
    for name in sorted(os.listdir(os.path.join(HERE, "queries"))):
        text = open(os.path.join(HERE, "queries", name), encoding="utf-8").read()
        for key, value in params.items():
            text = text.replace("@%s@" % key, value)
        open(os.path.join(outdir, name), "w", encoding="utf-8").write(text)
    json.dump(params, open(os.path.join(outdir, "params.json"), "w"), indent=1)
    print("questions: " + ", ".join("%s %s" % (q, params[q + "_CODE"]) for q in ("Q1", "Q2", "Q3", "Q4", "Q5")))


if __name__ == "__main__":
    main()
