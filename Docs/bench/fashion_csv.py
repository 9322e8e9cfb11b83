"""Fashion-MNIST as slicegen tables (Docs/benchmarks.md, "slicegen compare on Fashion-MNIST").

Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*-ubyte.gz, gzipped IDX)
and writes OUT/train.csv (N training images drawn at random with seed 0, subsampled so that every
cell of the comparison runs in minutes on 2 cores), OUT/test.csv (the 10,000 test images, or the
first M), with columns px_<row>_<col> and label. numpy only.

Usage: python3 Docs/bench/fashion_csv.py OUT [N=10000] [M=10000]
"""
import gzip
import os
import sys

import numpy as np

SOURCE = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(SOURCE, name), "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic == 0x803:
        n, r, c = (int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, r * c)
    if magic == 0x801:
        n = int.from_bytes(data[4:8], "big")
        return np.frombuffer(data, np.uint8, offset=8)[:n]
    raise SystemExit(f"{name}: not an IDX file (magic {magic:#x})")


def write(path, images, labels):
    header = ",".join([f"px_{i // 28}_{i % 28}" for i in range(784)] + ["label"])
    rows = np.concatenate([images, labels[:, None]], axis=1)
    tmp = path + ".tmp"
    np.savetxt(tmp, rows, fmt="%d", delimiter=",", header=header, comments="")
    os.replace(tmp, path)


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    m = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    os.makedirs(out, exist_ok=True)
    train_x, train_y = idx("train-images-idx3-ubyte.gz"), idx("train-labels-idx1-ubyte.gz")
    test_x, test_y = idx("t10k-images-idx3-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz")
    pick = np.random.default_rng(0).choice(len(train_x), size=n, replace=False)
    write(os.path.join(out, "train.csv"), train_x[pick], train_y[pick])
    write(os.path.join(out, "test.csv"), test_x[:m], test_y[:m])
    print(f"wrote {out}/train.csv ({n} of {len(train_x)} training images, seed 0) and "
          f"{out}/test.csv ({m} test images)")


if __name__ == "__main__":
    main()
