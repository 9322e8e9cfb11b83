#!/usr/bin/env bash
# Quality benchmark on Adult: release → fit (defaults) → sample 32,561 rows → evaluate against the
# test split, at ε ∈ {1, 4, 10} (δ = 1e-5, replace-one), three seeds each; prints a markdown
# table (mean ± std) with the independent-columns and real references.
# Usage: [RELEASE_ARGS="--marginals all-pairs"] [LABEL=combined] bash Docs/bench/quality_bench.sh \
#          [slicegen binary] [extra fit options…]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/release/slicegen}; shift || true
label=${LABEL:-slicing}
work=${TMPDIR:-/tmp}/slicegen-quality-bench-$label
mkdir -p "$work"
for eps in 1 4 10; do
  for seed in 0 1 2; do
    tag="e$eps-s$seed"
    "$bin" release samples/adult/train.csv --schema samples/adult/schema.json --epsilon "$eps" \
      --delta 1e-5 -o "$work/$tag.slg" --quiet ${RELEASE_ARGS:-}
    start=$(date +%s.%N)
    "$bin" fit "$work/$tag.slg" --seed "$seed" -o "$work/$tag.slgm" --quiet "$@"
    end=$(date +%s.%N)
    "$bin" sample "$work/$tag.slgm" --rows 32561 --seed "$seed" -o "$work/$tag.csv" --quiet
    "$bin" evaluate --real samples/adult/test.csv --synthetic "$work/$tag.csv" \
      --schema samples/adult/schema.json --train samples/adult/train.csv --target income \
      --json > "$work/$tag.json" 2>/dev/null
    echo "$eps $seed $(echo "$end - $start" | bc)" >> "$work/times.txt"
  done
done
python3 - "$work" "$label" <<'PY'
import json, sys, statistics as st
work, label = sys.argv[1], sys.argv[2]
keys = ["quality", "columnShapes", "columnPairTrends", "columnPairTrendsAll", "minorityF1", "rocAuc"]
def cell(values):
    values = [v for v in values if v is not None]
    return f"{st.mean(values):.3f} ± {st.stdev(values):.3f}" if len(values) > 1 else f"{values[0]:.3f}"
print("| data | " + " | ".join(keys) + " |")
print("|---" * (len(keys) + 1) + "|")
first = json.load(open(f"{work}/e1-s0.json"))
for ref in ["real", "independent"]:
    print(f"| {ref} | " + " | ".join(f"{first[k][ref]:.3f}" for k in keys) + " |")
for eps in [1, 4, 10]:
    runs = [json.load(open(f"{work}/e{eps}-s{s}.json")) for s in range(3)]
    print(f"| {label}, ε = {eps} | " + " | ".join(cell([r[k]["synthetic"] for r in runs]) for k in keys) + " |")
PY
