"""How good are a release's 2-way marginals themselves? For every released 2-way table that
involves a numeric column: total-variation similarity (1 − TV) against a real table, after both are
aggregated to 10 equal-width bins (a coarse pair-bin group spread evenly over its fine bins first) of the real table's range for numeric columns (the resolution of
SDMetrics' contingency scores). Also the synthetic table's score, when given.
Reads real data: a tuning aid for the data owner, never part of a release.
Usage: python3 released_pair_tables.py release.slg real.csv schema.json [synthetic.csv]"""
import csv, json, struct, sys
import numpy as np

release, real_path, schema_path = sys.argv[1:4]
syn_path = sys.argv[4] if len(sys.argv) > 4 else None
raw = open(release, "rb").read()
length = struct.unpack("<Q", raw[8:16])[0]
header = json.loads(raw[16:16 + length])
schema = {c["name"]: c for c in json.load(open(schema_path))["columns"]}
numeric = {n for n, c in schema.items() if c["type"] == "numeric"}
real = list(csv.DictReader(open(real_path)))
span = {c: (min(float(r[c]) for r in real), max(float(r[c]) for r in real)) for c in numeric}

def coarse(c, v):
    lo, hi = span[c]
    return min(max(int((v - lo) / (hi - lo) * 10), 0), 9)

def size(c):
    return 10 if c in numeric else len(schema[c]["categories"])

def code(c, value):
    return coarse(c, float(value)) if c in numeric else schema[c]["categories"].index(value)

def table(rows, a, b):
    t = np.zeros((size(a), size(b)))
    for r in rows:
        t[code(a, r[a]), code(b, r[b])] += 1
    return t / t.sum()

def fine_centres(c, bins):
    """The value at the centre of each fine bin (the lower-bound bin at the bound)."""
    lo, hi = bins["lower"], bins["upper"]
    if bins["kind"] == "integerValues":
        return [lo + i for i in range(bins["count"])]
    w = bins["widthBins"]
    return [lo] + [lo + (i - 0.5) / w * (hi - lo) for i in range(1, w + 1)]

def axis(c, bins, groups, k):
    """For each of the table's k bins along this axis, the 10-bin codes it spreads over, with
    weights: a categorical bin is itself; a numeric group spreads evenly over its fine bins."""
    if c not in numeric:
        return [[(i, 1.0)] for i in range(k)]
    fine = fine_centres(c, bins)
    members = [[] for _ in range(k)]
    for x, centre in enumerate(fine):
        members[groups[x] if groups else x].append(coarse(c, centre))
    return [[(code, 1 / len(m)) for code in m] for m in members]

syn = list(csv.DictReader(open(syn_path))) if syn_path else None
for m in header.get("marginals") or []:
    if len(m["columns"]) != 2 or not any(c in numeric for c in m["columns"]):
        continue
    a, b = m["columns"]
    groups = m.get("binGroups") or [None, None]
    p = np.array(m["probabilities"]).reshape(m["shape"])
    ea, eb = axis(a, m["bins"][0], groups[0], p.shape[0]), axis(b, m["bins"][1], groups[1], p.shape[1])
    q = np.zeros((size(a), size(b)))
    for i in range(p.shape[0]):
        for j in range(p.shape[1]):
            for x, wa in ea[i]:
                for y, wb in eb[j]:
                    q[x, y] += p[i, j] * wa * wb
    line = f"{a}:{b} cells={p.size} released-vs-real {1 - 0.5 * abs(q - table(real, a, b)).sum():.3f}"
    if syn:
        line += f" synthetic-vs-real {1 - 0.5 * abs(table(syn, a, b) - table(real, a, b)).sum():.3f}"
    print(line)
