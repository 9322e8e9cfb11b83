#!/usr/bin/env python3
"""A discovered schema beside a given one (Docs/discovery.md), as a Markdown table.

Usage: python3 Docs/bench/discovery_compare.py given.json discovered.json train.csv
For every column of the given schema: its given and discovered domains, and the share of the
training values each keeps (numeric: inside the bounds, the rest are clamped; categorical: in a
listed category, the rest go to the catch-all or are refused). Reads the real data to score the
result: a measurement for the docs, not part of slicegen.
"""
import csv, json, sys

given = json.load(open(sys.argv[1]))
found = {c["name"]: c for c in json.load(open(sys.argv[2]))["columns"]}
rows = list(csv.DictReader(open(sys.argv[3])))


def describe(c):
    if c is None:
        return "(absent)"
    if c.get("drop"):
        return "dropped"
    if c["type"] == "numeric":
        kind = "integer" if c.get("integer") else "numeric"
        return f"{kind} [{c['lower']:g}, {c['upper']:g}]"
    cats = [x for x in c["categories"] if x != c.get("catchAll")]
    extra = f" + {c['catchAll']}" if c.get("catchAll") else ""
    return f"{len(cats)} categories{extra}"


def kept(c, values):
    if c is None or c.get("drop"):
        return None
    if c["type"] == "numeric":
        xs = []
        for v in values:
            try:
                xs.append(float(v))
            except ValueError:
                pass
        return sum(c["lower"] <= x <= c["upper"] for x in xs) / max(len(xs), 1)
    cats = set(c["categories"]) - {c.get("catchAll")}
    return sum(v in cats for v in values) / max(len(values), 1)


print("| column | given | discovered | values kept (given) | values kept (discovered) |")
print("|---|---|---|---|---|")
totals = []
for c in given["columns"]:
    values = [r[c["name"]] for r in rows]
    d = found.get(c["name"])
    a, b = kept(c, values), kept(d, values)
    fmt = lambda x: "–" if x is None else f"{x:.3f}"
    print(f"| {c['name']} | {describe(c)} | {describe(d)} | {fmt(a)} | {fmt(b)} |")
    if a is not None and b is not None:
        totals.append(b)
print(f"\nMean share of values kept over the given schema's kept columns: "
      f"{sum(totals) / max(len(totals), 1):.3f} (given: 1.000 by construction for a reviewed "
      f"or drafted schema).")
