"""The share of a binary target's positive label within each value of some categorical columns,
real against synthetic (how much of the target's dependence a synthetic table kept).
Usage: python3 conditional_rates.py real.csv synthetic.csv TARGET POSITIVE COLUMN [COLUMN …]"""
import collections, csv, sys

real_path, syn_path, target, positive, *columns = sys.argv[1:]
tables = {"real": list(csv.DictReader(open(real_path))),
          "synthetic": list(csv.DictReader(open(syn_path)))}
for column in columns:
    for name, rows in tables.items():
        hits, totals = collections.Counter(), collections.Counter()
        for r in rows:
            totals[r[column]] += 1
            hits[r[column]] += r[target].startswith(positive)
        top = sorted(totals, key=lambda k: -totals[k])[:6]
        print(column, name.ljust(9), "  ".join(f"{k}: {hits[k] / totals[k]:.2f}" for k in top))
