#!/usr/bin/env python3
"""Prints the markdown summary of one bench/measure.sh run.

    python3 summary.py RESULTS_DIR QUERIES CONNECTIONS SECONDS
"""
import os
import platform
import re
import sys
import time

outd, qs, conns, secs = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4]
WHAT = {"1": "region + parent + children", "2": "compare the towns of a county for a year",
        "3": "roll towns up to counties in a province", "4": "monthly series in a city over 3 years",
        "5": "20 latest reports with their observations"}


def text(name):
    return open(os.path.join(outd, name)).read()


def ms(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", s)
    return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3, "m": 6e4}[m.group(2)]


def http(side, q):
    t = text("%s_q%s.txt" % (side, q))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    p50 = ms(re.search(r"\n\s+50%\s+(\S+)", t).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    sock = re.search(r"Socket errors: (.*)", t)
    note = (" (%s non-2xx)" % bad.group(1) if bad else "") + (" (socket errors: %s)" % sock.group(1) if sock else "")
    return rps, p50, note


def raw(q):
    t = text("raw_q%s.txt" % q)
    tps = float(re.search(r"tps = ([\d.]+)", t).group(1))
    lat = float(re.search(r"latency average = ([\d.]+) ms", t).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", t)
    return tps, lat, " (%s failed)" % failed.group(1) if failed and failed.group(1) != "0" else ""


cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) // 1024 // 1024
print("%s UTC; %d cores (%s), %d GiB, %s; %s connections, %s s per cell"
      % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), os.cpu_count(), cpu, mem, platform.platform(terse=True), conns, secs))
print()
print("| question | peer | civicgraph SQLite | civicgraph PostgreSQL | raw SQL | SQLite/peer | PG/peer | PG/raw |")
print("|---|---|---|---|---|---|---|---|")
rows = {}
for q in qs:
    p, s, g, r = http("peer", q), http("sqlite", q), http("pg", q), raw(q)
    rows[q] = p, s, g, r
    print("| Q%s %s | %.0f%s | %.0f%s | %.0f%s | %.0f%s | %.2f | %.2f | %.2f |" % (
        q, WHAT[q], p[0], p[2], s[0], s[2], g[0], g[2], r[0], r[2], s[0] / p[0], g[0] / p[0], g[0] / r[0]))
print()
print("Latency p50 in ms (raw SQL: pgbench's average): " + "; ".join(
    "Q%s peer %.2f, SQLite %.2f, PG %.2f, raw %.2f" % (q, rows[q][0][1], rows[q][1][1], rows[q][2][1], rows[q][3][1]) for q in qs))
checks = text("checks.txt")
n = sum(int(m.group(1)) for m in re.finditer(r"checked (\d+) responses", checks))
bad = [l for l in checks.splitlines() if not re.search(r": 0 bad,", l)]
verify = text("verify.txt")
print("Answers: %s; warm-up responses checked: %d, %s." % (
    "checked before and after the load (verify.txt)" if "FAIL" not in verify else "FAILURES in verify.txt",
    n, "all good" if not bad else "PROBLEMS: %s" % bad))
rss = dict((l.split()[0], l.split()[1:]) for l in text("rss.txt").splitlines())
print("civicgraph server memory after the load: SQLite RSS %s MiB (peak %s), PostgreSQL RSS %s MiB (peak %s)." % (
    rss["sqlite"][0], rss["sqlite"][1], rss["pg"][0], rss["pg"][1]))
cells = [re.match(r"(\w+) q(\d+) try (\d+): foreign CPU mean/max % (\S+) (\S+)", l) for l in text("foreign.txt").splitlines()]
kept = {(m.group(1), m.group(2)): (float(m.group(4)), float(m.group(5))) for m in cells}
names = {}
for line in text("cpu.txt").splitlines():
    for kv in line.split()[3:]:
        k, v = kv.rsplit(":", 1)
        k = re.sub(r"\[\d+\]$", "", k)
        names[k] = max(names.get(k, 0), float(v))
print("Foreign CPU (other processes, %% of one core, 1 s samples) during the measured cells: mean %.1f%%, "
      "largest cell mean %.1f%%, largest sample %.1f%%; busiest others: %s." % (
          sum(v[0] for v in kept.values()) / len(kept), max(v[0] for v in kept.values()), max(v[1] for v in kept.values()),
          ", ".join("%s %.0f%%" % kv for kv in sorted(names.items(), key=lambda kv: -kv[1])[:4]) or "none"))
print("Per cell (peer / SQLite / PG / raw): " + "; ".join(
    "Q%s %s" % (q, " / ".join("%.0f" % kept[side, q][0] for side in ("peer", "sqlite", "pg", "raw"))) for q in qs))
work = os.path.dirname(outd)
imports = [open(os.path.join(work, f)).read().strip() for f in ("import_sqlite.txt", "import_postgres.txt")
           if os.path.exists(os.path.join(work, f))]
if imports:
    print("Import (last one done): " + "; ".join(imports) + ".")
