"""Builds the comparison tables of Docs/evaluation.md from samples/adult and prints, for each, every
key of `slicegen evaluate --json` beside SDMetrics' (sdmetrics_compare.py). Run from the
repository root with the SDMetrics virtual environment, after `swift build -c release`:
  .venv-sdm/bin/python Docs/bench/sdmetrics_tables.py DEMO_SYNTHETIC.csv
DEMO_SYNTHETIC.csv is a table written by `slicegen demo` (demo-output/synthetic.csv), or by any
`slicegen sample`. The other tables are made here, seeded:
  - independent: each column of train.csv permuted on its own (numpy default_rng(20261201));
  - sample-5000: `slicegen sample` of the demo's model, 5,000 rows, seed 7 (if the model is
    beside the synthetic table);
  - small: 400 random train rows (default_rng(5)) plus, for each categorical column, the first
    train row of every category the test split has (OneHotEncoder in SDMetrics raises on a
    category the training table lacks), 471 rows;
  - three categorical columns: train.csv with only education, sex, relationship and income kept,
    where scikit-learn's lbfgs converges (nit 47) before max_iter.
Exits 1 if any |difference| exceeds 0.005.
"""
import json, os, subprocess, sys, tempfile
import numpy as np, pandas as pd

demo = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
out = tempfile.mkdtemp(prefix="sdmetrics-tables-")
train = pd.read_csv("samples/adult/train.csv", dtype=str, keep_default_na=False)
test = pd.read_csv("samples/adult/test.csv", dtype=str, keep_default_na=False)
schema = json.load(open("samples/adult/schema.json"))

rng = np.random.default_rng(20261201)
independent = train.copy()
for c in train.columns:
    independent[c] = train[c].to_numpy()[rng.permutation(len(train))]
independent.to_csv(f"{out}/independent.csv", index=False)

cats = [c["name"] for c in schema["columns"] if c["type"] != "numeric" and not c.get("drop")]
rng = np.random.default_rng(5)
rows = set(rng.choice(len(train), 400, replace=False).tolist())
for c in cats:
    for v in test[c].unique():
        rows.add(int(np.flatnonzero(train[c].to_numpy() == v)[0]))
train.iloc[sorted(rows)].to_csv(f"{out}/small.csv", index=False)

few = json.loads(json.dumps(schema))
for c in few["columns"]:
    if c["name"] not in {"education", "sex", "relationship", "income"}:
        c["drop"] = True
json.dump(few, open(f"{out}/schema-3.json", "w"))

tables = [("Adult train.csv", "samples/adult/train.csv", "samples/adult/schema.json"),
          ("independent columns", f"{out}/independent.csv", "samples/adult/schema.json"),
          ("slicegen demo", demo, "samples/adult/schema.json")]
model = os.path.join(os.path.dirname(demo), "adult.slgm")
if os.path.exists(model):
    subprocess.run([".build/release/slicegen", "sample", model, "--rows", "5000", "--seed", "7",
                    "-o", f"{out}/sample-5000.csv", "--quiet"], check=True)
    tables.append(("slicegen sample, 5,000 rows, seed 7", f"{out}/sample-5000.csv",
                   "samples/adult/schema.json"))
tables += [("small (471 rows)", f"{out}/small.csv", "samples/adult/schema.json"),
           ("three categorical columns", "samples/adult/train.csv", f"{out}/schema-3.json")]
status = 0
for title, path, schema_path in tables:
    run = subprocess.run([sys.executable, os.path.join(here, "sdmetrics_compare.py"),
                          "samples/adult/test.csv", path, schema_path, "income",
                          "--title", f"### {title}"], capture_output=True, text=True)
    print(run.stdout, run.stderr, sep="")
    status = max(status, run.returncode)
sys.exit(status)
