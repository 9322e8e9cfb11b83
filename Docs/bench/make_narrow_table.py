#!/usr/bin/env python3
"""A narrow generated table for the Spark benchmark (Docs/spark.md): ROWS rows in FILES CSV files
(a partitioned table, each file with its header row) and its public schema.

    python3 Docs/bench/make_narrow_table.py OUT_DIR [--rows 10000000] [--files 8] [--seed 1]

Writes OUT_DIR/table/part-0000i.csv and OUT_DIR/schema.json. Five numeric and four categorical
columns with correlations between them; the encoded width is d = 5 + (5 + 4 + 6 + 2) = 22. The
schema's bounds and categories are the generator's, not read from the rows. Generated with numpy
in chunks of 250,000 rows (memory stays small); a file that already exists with its full row
count is kept, so an interrupted run resumes.
"""

import argparse
import json
import os

import numpy as np

REGIONS = ["north", "south", "east", "west", "centre"]
EDUCATION = ["primary", "secondary", "bachelor", "master"]
SECTORS = ["agriculture", "industry", "trade", "services", "public", "other"]
LABELS = ["no", "yes"]
HEADER = "age,education,region,sector,income,hours,tenure,score,label\n"
CHUNK = 250_000

SCHEMA = {
    "format": "slicegen-schema",
    "version": 1,
    "dataDerived": False,
    "source": "Docs/bench/make_narrow_table.py: the generator's own bounds and categories",
    "target": "label",
    "columns": [
        {"name": "age", "type": "numeric", "lower": 18, "upper": 90, "integer": True},
        {"name": "education", "type": "categorical", "categories": EDUCATION},
        {"name": "region", "type": "categorical", "categories": REGIONS},
        {"name": "sector", "type": "categorical", "categories": SECTORS},
        {"name": "income", "type": "numeric", "lower": 0, "upper": 250000, "integer": True},
        {"name": "hours", "type": "numeric", "lower": 0, "upper": 99, "integer": True},
        {"name": "tenure", "type": "numeric", "lower": 0, "upper": 50, "integer": True},
        {"name": "score", "type": "numeric", "lower": 0, "upper": 1},
        {"name": "label", "type": "categorical", "categories": LABELS},
    ],
}


def chunk_text(rng, rows):
    """`rows` rows as CSV text (no header)."""
    age = np.clip(rng.normal(42, 13, rows), 18, 90).round().astype(int)
    # Education depends on age (younger: more degrees).
    young = (age < 35).astype(float)
    edu_p = np.stack([0.15 - 0.07 * young, 0.45 - 0.05 * young, 0.28 + 0.07 * young,
                      0.12 + 0.05 * young], axis=1)
    education = (rng.random(rows)[:, None] > np.cumsum(edu_p, axis=1)).sum(axis=1)
    region = rng.choice(len(REGIONS), rows, p=[0.2, 0.25, 0.15, 0.15, 0.25])
    # Sector depends on education.
    sector = np.where(education >= 2, rng.choice(6, rows, p=[0.02, 0.1, 0.1, 0.45, 0.28, 0.05]),
                      rng.choice(6, rows, p=[0.12, 0.3, 0.25, 0.15, 0.1, 0.08]))
    # Income depends on education, age and region.
    log_income = (9.8 + 0.35 * education + 0.012 * (age - 18) + 0.1 * (region == 4)
                  + rng.normal(0, 0.45, rows))
    income = np.clip(np.exp(log_income), 0, 250000).round().astype(int)
    hours = np.clip(rng.normal(np.where(sector == 0, 48, 38), 8), 0, 99).round().astype(int)
    tenure = np.clip((age - 18) * rng.beta(2, 3, rows), 0, 50).round().astype(int)
    score = np.clip(0.5 + 0.1 * (education - 1.5) + rng.normal(0, 0.15, rows), 0, 1)
    logit = -6.5 + 0.55 * np.log(income + 1) - 0.3 * education + 0.02 * (hours - 40) \
        + 1.2 * (score - 0.5)
    label = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    edu_names = np.array(EDUCATION)[education]
    region_names = np.array(REGIONS)[region]
    sector_names = np.array(SECTORS)[sector]
    label_names = np.array(LABELS)[label]
    lines = [f"{a},{e},{r},{s},{i},{h},{t},{c:.4f},{l}\n" for a, e, r, s, i, h, t, c, l in
             zip(age.tolist(), edu_names.tolist(), region_names.tolist(),
                 sector_names.tolist(), income.tolist(), hours.tolist(), tenure.tolist(),
                 score.tolist(), label_names.tolist())]
    return "".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    table = os.path.join(arguments.out, "table")
    os.makedirs(table, exist_ok=True)
    with open(os.path.join(arguments.out, "schema.json"), "w") as file:
        json.dump(SCHEMA, file, indent=1)
    per_file = [arguments.rows // arguments.files + (i < arguments.rows % arguments.files)
                for i in range(arguments.files)]
    for index, rows in enumerate(per_file):
        path = os.path.join(table, f"part-{index:05d}.csv")
        if os.path.exists(path):
            with open(path, "rb") as file:
                if sum(1 for _ in file) == rows + 1:
                    print(f"{path}: exists ({rows} rows)")
                    continue
        rng = np.random.default_rng([arguments.seed, index])
        temporary = path + ".tmp"
        with open(temporary, "w") as file:
            file.write(HEADER)
            left = rows
            while left > 0:
                count = min(CHUNK, left)
                file.write(chunk_text(rng, count))
                left -= count
        os.replace(temporary, path)
        print(f"{path}: {rows} rows written")


if __name__ == "__main__":
    main()
