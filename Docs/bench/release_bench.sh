#!/usr/bin/env bash
# Release throughput and peak memory: Adult, and a generated table of 1,000,000 rows with
# encoded width d = 100 (50 integer columns in 0..999 + 5 categorical columns of 10 categories),
# m' = 200 (m = 100, k = 2). Usage: bash Docs/bench/release_bench.sh [rows]
# Build flags: SWIFT_FLAGS, e.g. SWIFT_FLAGS="-Xswiftc -target-cpu -Xswiftc native" (host tuning);
# empty by default (a plain `swift build -c release`). `--scratch-path DIR` in SWIFT_FLAGS keeps
# such a build apart from the default one.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
work=${TMPDIR:-/tmp}/slicegen-release-bench
mkdir -p "$work"
# shellcheck disable=SC2086
swift build -c release ${SWIFT_FLAGS:-} --product slicegen >/dev/null
# shellcheck disable=SC2086
bin=$(swift build -c release ${SWIFT_FLAGS:-} --show-bin-path)/slicegen
python3 - "$work" "$rows" <<'PY'
import json, os, sys, numpy as np
work, rows = sys.argv[1], int(sys.argv[2])
path = os.path.join(work, f"table-{rows}.csv")
cols = [{"name": f"n{i}", "type": "numeric", "lower": 0, "upper": 999, "integer": True} for i in range(50)]
cols += [{"name": f"c{i}", "type": "categorical", "categories": [f"k{j}" for j in range(10)]} for i in range(5)]
json.dump({"columns": cols}, open(os.path.join(work, "table.json"), "w"))
if not os.path.exists(path):
    rng = np.random.default_rng(0)
    with open(path, "w") as f:
        f.write(",".join(c["name"] for c in cols) + "\n")
        for start in range(0, rows, 100000):
            b = min(100000, rows - start)
            num = rng.integers(0, 1000, size=(b, 50)).astype(str)
            cat = np.char.add("k", rng.integers(0, 10, size=(b, 5)).astype(str))
            f.write("\n".join(",".join(r) for r in np.concatenate([num, cat], axis=1)) + "\n")
PY
run() {  # name, csv, schema
  /usr/bin/time -v "$bin" release "$2" --schema "$3" --epsilon 1 --delta 1e-7 --slices 100 \
    --slice-dim 2 -o "$work/$1.slg" --quiet 2> "$work/$1.time"
  local seconds rss n
  seconds=$(grep "Elapsed (wall clock)" "$work/$1.time" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$work/$1.time" | awk '{print $NF}')
  n=$("$bin" inspect "$work/$1.slg" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['rows'])")
  python3 - "$1" "$seconds" "$rss" "$n" <<'PY'
import sys
name, t, rss, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
parts = [float(p) for p in t.split(":")]
sec = parts[-1] + (parts[-2] * 60 if len(parts) > 1 else 0) + (parts[-3] * 3600 if len(parts) > 2 else 0)
release_mb = n * 200 * 4 / 2**20
print(f"{name}: {n} rows in {sec:.2f} s = {n/sec:,.0f} rows/s; peak RSS {rss/1024:.0f} MiB "
      f"(the release matrix O alone: {release_mb:.0f} MiB)")
PY
}
run adult samples/adult/train.csv samples/adult/schema.json
run generated "$work/table-$rows.csv" "$work/table.json"
