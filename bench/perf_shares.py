#!/usr/bin/env python3
"""Shares of a profile's samples by function, from `perf script -F comm,ip,sym` of a `perf record -g`.

Usage: python3 bench/perf_shares.py PERF_SCRIPT_OUTPUT [SUBSTRING ...]

Prints, for each function, the share of samples whose call stack holds it (inclusive) and the
share whose leaf it is (self), the 25 largest of each; with SUBSTRINGs, only functions whose name
contains one of them, and first the share of samples whose stack holds any such function.
"""
import collections
import sys

stacks, current = [], []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip()
    if not line:
        if current:
            stacks.append(current)
        current = []
    elif line[0] in " \t":
        parts = line.split(None, 1)
        current.append(parts[1] if len(parts) > 1 else "?")
    else:
        current = []
if current:
    stacks.append(current)
wanted = sys.argv[2:]
keep = lambda f: not wanted or any(w in f for w in wanted)
inclusive, leaf = collections.Counter(), collections.Counter()
for stack in stacks:
    leaf[stack[0][:110]] += 1
    for f in {f[:110] for f in stack}:
        inclusive[f] += 1
n = len(stacks) or 1
print(f"{len(stacks)} samples")
if wanted:
    hits = sum(1 for stack in stacks if any(keep(f) for f in stack))
    print(f"any of {wanted}: {100 * hits / n:.1f} %")
for title, counts in (("inclusive", inclusive), ("self", leaf)):
    print(f"-- {title}")
    for f, c in [fc for fc in counts.most_common() if keep(fc[0])][:25]:
        print(f"{100 * c / n:5.1f} %  {f}")
