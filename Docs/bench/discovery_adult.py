#!/usr/bin/env python3
"""Private discovery on Adult against the reviewed schema (Docs/privacy.md, "Choosing f").

Usage: python3 Docs/bench/discovery_adult.py [slicegen] [adult_train.csv] [runs]
For ε in {1, 4, 10} and discovery fractions f in {0.05, 0.1, 0.2, 0.3}, runs `slicegen release`
without --schema (secure noise, `runs` times each) and compares the discovered schema with
samples/adult/schema.json on the columns the reviewed schema keeps:
  type      columns whose type (numeric/categorical) matches;
  num cov   share of numeric values inside the discovered bounds (the rest are clamped);
  num res   geometric mean over numeric columns of reviewed width / discovered width (1 = as fine
            as the reviewed bounds; above 1 the discovered range is narrower and clamps more);
  collapsed numeric columns whose discovered range is under 1 % of the reviewed one;
  cat cov   share of categorical values kept as a category (the rest go to the catch-all);
  s ratio   the release's noise scale s against a release with the reviewed schema at full (ε, δ).
Reads the real data to score the result: a measurement for the docs, not part of slicegen.
"""
import csv, json, math, os, subprocess, sys, tempfile

slicegen = sys.argv[1] if len(sys.argv) > 1 else ".build/release/slicegen"
data = sys.argv[2] if len(sys.argv) > 2 else "/work/shared/data/adult_train.csv"
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
reviewed = json.load(open("samples/adult/schema.json"))
kept = [c for c in reviewed["columns"] if not c.get("drop")]
rows = list(csv.DictReader(open(data)))
delta = 1e-6  # the default δ for n = 32,561
work = tempfile.mkdtemp()

def inspect(path):
    return json.loads(subprocess.check_output([slicegen, "inspect", path, "--json"]))

def score(schema):
    found = {c["name"]: c for c in schema["columns"]}
    typ = num_in = num_all = cat_in = cat_all = 0
    res = []
    collapsed = 0
    for c in kept:
        d = found[c["name"]]
        typ += d["type"] == c["type"]
        values = [r[c["name"]] for r in rows]
        if c["type"] == "numeric" and d["type"] == "numeric":
            xs = [float(v) for v in values]
            num_in += sum(d["lower"] <= x <= d["upper"] for x in xs)
            num_all += len(xs)
            ratio = (c["upper"] - c["lower"]) / (d["upper"] - d["lower"])
            res.append(math.log(ratio))
            collapsed += ratio > 100
        elif c["type"] == "categorical" and d["type"] == "categorical":
            cats = set(d["categories"]) - {d.get("catchAll")}
            cat_in += sum(v in cats for v in values)
            cat_all += len(values)
    return (typ, num_in / max(num_all, 1), math.exp(sum(res) / max(len(res), 1)),
            collapsed, cat_in / max(cat_all, 1))

print("| ε | f | type (of %d) | num cov | num res | collapsed | cat cov | s ratio | failed runs |"
      % len(kept))
print("|---|---|---|---|---|---|---|---|---|")
for eps in [1, 4, 10]:
    full = os.path.join(work, f"full{eps}.slg")
    subprocess.check_call([slicegen, "release", "samples/adult/train.csv", "--schema",
                           "samples/adult/schema.json", "--epsilon", str(eps), "--delta",
                           str(delta), "-o", full, "--quiet"])
    s_full = inspect(full)["noiseScale"]
    for f in [0.05, 0.1, 0.2, 0.3]:
        scores, ratios, failed = [], [], 0
        for run in range(runs):
            out = os.path.join(work, f"r{eps}-{f}-{run}.slg")
            p = subprocess.run([slicegen, "release", data, "--epsilon", str(eps), "--delta",
                                str(delta), "--discovery-budget", str(f), "-o", out, "--quiet"],
                               capture_output=True, text=True)
            if p.returncode != 0:
                failed += 1
                print("  run failed:", p.stderr.strip().splitlines()[0][:160], file=sys.stderr)
                continue
            scores.append(score(json.load(open(out + ".schema.json"))))
            ratios.append(inspect(out)["noiseScale"] / s_full)
        if not scores:
            print(f"| {eps} | {f} | – | – | – | – | – | – | {failed} |")
            continue
        m = [sum(s[i] for s in scores) / len(scores) for i in range(5)]
        print(f"| {eps} | {f} | {m[0]:.1f} | {m[1]:.3f} | {m[2]:.2f} | {m[3]:.1f} | {m[4]:.3f} | "
              f"{sum(ratios) / len(ratios):.3f} | {failed} |")
