"""Splits the digits table (1,797 images of 8x8 pixels, 64 columns px_<row>_<col> and `target`) into
samples/digits/train.csv and samples/digits/holdout.csv: 300 data rows drawn at random with
random.Random(0).sample(range(1797), 300) go to holdout.csv, the other 1,497 to train.csv. Both
keep the header and the original row order; every line is copied byte for byte.

Usage: python3 Docs/bench/split_digits.py DIGITS_CSV OUT_DIR   (Python 3 standard library only)
"""
import random
import sys

SEED = 0
HOLDOUT = 300

source, out = sys.argv[1], sys.argv[2]
lines = open(source, "rb").read().splitlines(keepends=True)
header, rows = lines[0], lines[1:]
holdout = set(random.Random(SEED).sample(range(len(rows)), HOLDOUT))
with open(f"{out}/train.csv", "wb") as train, open(f"{out}/holdout.csv", "wb") as test:
    train.write(header)
    test.write(header)
    for index, row in enumerate(rows):
        (test if index in holdout else train).write(row)
print(f"train.csv: {len(rows) - HOLDOUT} rows, holdout.csv: {HOLDOUT} rows (seed {SEED})")
