#!/usr/bin/env python3
"""The private floor: a synthetic table from 1-way marginals alone, at the same (ε, δ).

Usage: python3 Docs/bench/private_floor.py SCHEMA.json TRAIN.csv EPSILON DELTA ROWS OUT.csv [SEED]

Every kept column of the schema gets one histogram over public bins (categories, plus a missing
bin when nullable; numeric columns: one bin per value for an integer column of at most 128
values, else a point bin for the lower bound and 128 equal-width bins, as `release
--marginal-bins 128` counts them). Under
replace-one each histogram has L2 sensitivity √2, so the C histograms together have √(2C); σ is
the smallest with the analytic Gaussian mechanism's δ(ε) ≤ δ (Balle and Wang 2018), found by
bisection and rounded up. Noisy counts are clipped at 0 and normalised; each column of OUT.csv is
drawn independently from its own noisy histogram (uniform within a numeric bin, rounded for
integer columns). This is the reference the quality figures stand beside: what a release that
learns no structure at all reaches at the same budget. A measurement for the docs (numpy's
generator, not a secure one: nothing here is published), not part of slicegen.
"""
import csv
import json
import math
import sys

import numpy as np
from scipy.stats import norm

schema_path, train_path = sys.argv[1], sys.argv[2]
epsilon, delta, rows = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
out_path = sys.argv[6]
rng = np.random.default_rng(int(sys.argv[7]) if len(sys.argv) > 7 else 0)

schema = json.load(open(schema_path))
missing_tokens = set(schema.get("missingValues", [""]))
missing_out = schema.get("missingValues", [""])[0]
columns = [c for c in schema["columns"] if not c.get("drop")]
data = list(csv.DictReader(open(train_path)))


def analytic_delta(sigma, sensitivity, eps):
    a, b = sensitivity / (2 * sigma), eps * sigma / sensitivity
    return norm.cdf(a - b) - math.exp(eps) * norm.cdf(-a - b)


sensitivity = math.sqrt(2 * len(columns))
low, high = 1e-6, 1e9
for _ in range(200):
    mid = math.sqrt(low * high)
    if analytic_delta(mid, sensitivity, epsilon) <= delta:
        high = mid
    else:
        low = mid
sigma = high * (1 + 1e-9)
print(f"private floor: {len(columns)} one-way histograms, L2 sensitivity {sensitivity:.3f}, "
      f"σ = {sigma:.2f} at (ε, δ) = ({epsilon}, {delta})", file=sys.stderr)


def bins_of(c):
    """(labels or edges, sampler) for one column: a function from a bin index to a value."""
    nullable = c.get("nullable", False)
    if c["type"] == "categorical":
        cats = list(c["categories"])
        catch = c.get("catchAll")

        def code(v):
            if v in missing_tokens and nullable:
                return len(cats)
            if v in cats:
                return cats.index(v)
            return cats.index(catch) if catch in cats else None

        values = cats + ([missing_out] if nullable else [])
        return len(values), code, lambda i: values[i]
    lo, hi, integer = float(c["lower"]), float(c["upper"]), c.get("integer", False)
    per_value = integer and hi - lo + 1 <= 128
    count = int(hi - lo) + 1 if per_value else 129  # a point bin for the lower bound, 128 widths

    def code(v):
        if v in missing_tokens:
            return count if nullable else 0
        try:
            x = min(max(float(v), lo), hi)
        except ValueError:
            return count if nullable else 0
        if per_value:
            return int(round(x - lo))
        if x == lo or hi == lo:
            return 0
        return 1 + min(int((x - lo) / (hi - lo) * 128), 127)

    def value(i):
        if i == count:
            return missing_out
        if per_value:
            return str(int(lo + i))
        if i == 0:
            return str(int(lo)) if integer else repr(lo)
        x = lo + (i - 1 + rng.random()) * (hi - lo) / 128
        return str(int(round(x))) if integer else repr(float(x))

    return count + (1 if nullable else 0), code, value


output = {}
for c in columns:
    k, code, value = bins_of(c)
    counts = np.zeros(k)
    for r in data:
        i = code(r[c["name"]])
        if i is not None:
            counts[i] += 1
    noisy = np.clip(counts + rng.normal(0, sigma, k), 0, None)
    p = noisy / noisy.sum() if noisy.sum() > 0 else np.full(k, 1 / k)
    output[c["name"]] = [value(i) for i in rng.choice(k, size=rows, p=p)]

names = [c["name"] for c in columns]
with open(out_path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(names)
    for i in range(rows):
        w.writerow([output[n][i] for n in names])
