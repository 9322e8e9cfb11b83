"""A peer for the quality benchmarks (issue: past AIM and MST): dpmm's MST or AIM at the same
(ε, δ) on the same training split, writing a synthetic CSV that `slicegen evaluate` scores like
ours. dpmm is never a dependency of slicegen: install it into a virtual environment,

    python3 -m venv /work/venv-dpmm && /work/venv-dpmm/bin/pip install dpmm==0.1.9

and run this script with that environment's python:

    /work/venv-dpmm/bin/python Docs/bench/peer_mst.py mst TRAIN.csv SCHEMA.json EPSILON DELTA ROWS SEED OUT.csv

The schema's bounds and categories are handed to dpmm as its domain, so it reads no domain from
the data. dpmm's pipeline bins numeric columns with its private tree binner, which spends its own
ε = 0.1 on top of EPSILON (its default): the peer runs at a slightly larger budget than ours, and
under add/remove, a weaker relation than our replace-one. Prints the seconds fit and sampling took.
"""
import json
import sys
import time

import pandas as pd
from dpmm.pipelines.aim import AIMPipeline
from dpmm.pipelines.mst import MSTPipeline

kind, train, schema_path, epsilon, delta, rows, seed, out = sys.argv[1:9]
schema = json.load(open(schema_path))
columns = [c for c in schema["columns"] if not c.get("drop")]
dtypes = {c["name"]: (str if c["type"] == "categorical" else float) for c in columns}
df = pd.read_csv(train, dtype=dtypes, keep_default_na=False, na_values=[""])
df = df[[c["name"] for c in columns]]
domain = {}
for c in columns:
    if c["type"] == "categorical":
        domain[c["name"]] = {"categories": [str(v) for v in c["categories"]]}
    else:
        domain[c["name"]] = {"lower": c["lower"], "upper": c["upper"]}
pipeline = {"mst": MSTPipeline, "aim": AIMPipeline}[kind](
    epsilon=float(epsilon), delta=float(delta), n_jobs=2)
start = time.time()
pipeline.fit(df, domain=domain, random_state=int(seed))
fitted = time.time()
synthetic = pipeline.generate(n_records=int(rows), random_state=int(seed))
for c in columns:
    if c["type"] != "categorical" and c.get("integer"):
        synthetic[c["name"]] = synthetic[c["name"]].round().astype("Int64")
synthetic.to_csv(out, index=False)
print(f"{kind}: fit {fitted - start:.1f} s, sample {time.time() - fitted:.1f} s")
