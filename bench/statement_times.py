#!/usr/bin/env python3
"""Statement time by statement, from a log of `RUST_LOG=warn,civicgraph::store::statements=debug`.

Usage: python3 bench/statement_times.py LOG [N]

Sums the logged `duration_ms` of each statement, grouped by its first 30 characters, and prints the
N (default 10) largest: count, seconds, statement; then the sum over all and the span of the log
from its first statement to its last (the rest of that span is time outside statements).
"""
import collections
import datetime
import re
import sys

totals = collections.defaultdict(lambda: [0, 0.0])
first = last = None
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r"sql=(.{0,30}).*duration_ms=([\d.]+)", line)
    if not m:
        continue
    at = datetime.datetime.fromisoformat(line[:26])
    first, last = first or at, at
    totals[m.group(1)][0] += 1
    totals[m.group(1)][1] += float(m.group(2))
for head, (n, ms) in sorted(totals.items(), key=lambda t: -t[1][1])[: int(sys.argv[2]) if len(sys.argv) > 2 else 10]:
    print(f"{n:7d} {ms / 1000:8.2f} s  {head}")
if first:
    print(f"all statements {sum(ms for _, ms in totals.values()) / 1000:.1f} s of {(last - first).total_seconds():.1f} s logged")
