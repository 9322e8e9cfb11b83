#!/usr/bin/env bash
# Shards at scale: a generated 10,000,000-row table as 10 shards of 1,000,000 rows. The first
# shard is released without a schema (private discovery), the other nine with --like, then all
# ten are merged. Every step runs under /usr/bin/time -v (wall time, peak RSS).
# Usage: bash Docs/bench/shard_bench.sh [shards] [rows per shard]   (needs python3 with numpy)
set -euo pipefail
cd "$(dirname "$0")/../.."
shards=${1:-10}
rows=${2:-1000000}
work=${TMPDIR:-/tmp}/slicegen-shard-bench
mkdir -p "$work"
bin=.build/release/slicegen
python3 - "$work" "$shards" "$rows" <<'PY'
import os, sys, numpy as np
work, shards, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# 6 numeric columns (ages, counts, a heavy tail, a fraction, a signed value with 1 % missing) and
# 4 categorical ones (10 common categories, and a rare value held by a handful of rows).
names = ["age", "hours", "income", "ratio", "delta", "visits", "c0", "c1", "c2", "c3"]
for k in range(shards):
    path = os.path.join(work, f"shard{k}.csv")
    if os.path.exists(path):
        continue
    rng = np.random.default_rng(k)
    with open(path + ".tmp", "w") as f:
        f.write(",".join(names) + "\n")
        for start in range(0, rows, 200_000):
            b = min(200_000, rows - start)
            age = rng.integers(17, 91, b).astype(str)
            hours = rng.integers(1, 100, b).astype(str)
            income = np.floor(rng.lognormal(10, 1.2, b)).astype(np.int64).astype(str)
            ratio = np.char.mod("%.4f", rng.random(b))
            delta = np.char.mod("%.2f", rng.normal(0, 50, b))
            delta[rng.random(b) < 0.01] = ""
            visits = rng.poisson(3, b).astype(str)
            cats = [np.char.add(f"k{i}_", rng.integers(0, 10, b).astype(str)) for i in range(4)]
            cats[3][rng.random(b) < 2e-6] = "rare"
            cols = [age, hours, income, ratio, delta, visits] + cats
            f.write("\n".join(",".join(r) for r in np.stack(cols, axis=1)) + "\n")
    os.rename(path + ".tmp", path)
PY
timed() {  # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" 2> "$work/$label.time" > /dev/null || { cat "$work/$label.time"; exit 1; }
  local t rss
  t=$(grep "Elapsed (wall clock)" "$work/$label.time" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$work/$label.time" | awk '{print $NF}')
  echo "| $label | $t | $((rss / 1024)) MiB |"
}
echo "| step | wall time | peak RSS |"
echo "|---|---|---|"
timed "release shard0 (discovery)" "$bin" release "$work/shard0.csv" --epsilon 4 --delta 1e-8 \
  -o "$work/shard0.slg" --quiet
others=()
for ((k = 1; k < shards; k++)); do
  timed "release shard$k --like" "$bin" release "$work/shard$k.csv" --like "$work/shard0.slg" \
    -o "$work/shard$k.slg" --quiet
  others+=("$work/shard$k.slg")
done
timed "merge $shards shards" "$bin" merge "$work/shard0.slg" "${others[@]}" -o "$work/all.slg" --quiet
"$bin" inspect "$work/all.slg" | head -20
ls -l "$work"/*.slg | awk '{s += $5} END {print "release files:", s / 2^30, "GiB"}'
