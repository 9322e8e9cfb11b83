#!/bin/bash
# Adult in 4 partitions on Spark against the single-machine release (Docs/spark.md, "Measured"):
# per run, one template (fresh U), then the single-machine `release --template` and the Spark
# driver's merged release (4 partitions, local mode) on it; each release is fitted (defaults),
# sampled (as many rows as the training table) and evaluated against the official test split
# (the logistic regression fitted to its optimum, as Docs/bench/defaults.sh does). Prints mean ±
# sd over the runs of quality, pair trends and AUC for both, and whether the means agree within
# one standard deviation. Each run is fresh secure noise (three independent releases each).
#
# Usage: Docs/bench/spark_adult.sh SLICEGEN [OUT]   (OUT default: /work/spark-bench/adult)
# Environment (optional): RUNS (3), EPSILON (4), DELTA (1e-5), PARTITIONS (4), VENV.
# Resumable: a run whose evaluation exists is not redone.
set -euo pipefail
BIN=$(realpath "$1")
OUT=${2:-/work/spark-bench/adult}
RUNS=${RUNS:-3} EPSILON=${EPSILON:-4} DELTA=${DELTA:-1e-5} PARTITIONS=${PARTITIONS:-4}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PY=$("$HERE/spark_setup.sh" "${VENV:-/work/venv-spark}")
TRAIN=$REPO/samples/adult/train.csv TEST=$REPO/samples/adult/test.csv
SCHEMA=$REPO/samples/adult/schema.json TARGET=income
ROWS=$(($(wc -l < "$TRAIN") - 1))
mkdir -p "$OUT/table"

# The training table as 4 CSV files (contiguous rows, a header each): a partitioned table.
if [ ! -s "$OUT/table/part-3.csv" ]; then
  per=$(((ROWS + 3) / 4))
  for i in 0 1 2 3; do
    { head -1 "$TRAIN"; tail -n +2 "$TRAIN" | sed -n "$((i * per + 1)),$(((i + 1) * per))p"; } \
      > "$OUT/table/part-$i.csv"
  done
fi

score() {  # score RELEASE.slg DIR: fit, sample, evaluate into DIR/eval.json; drops the release
  [ -s "$2/eval.json" ] && return
  "$BIN" fit "$1" -o "$2/m.slgm" --quiet
  "$BIN" sample "$2/m.slgm" --rows "$ROWS" -o "$2/syn.csv" --quiet
  "$BIN" evaluate --real "$TEST" --synthetic "$2/syn.csv" --train "$TRAIN" --schema "$SCHEMA" \
    --target "$TARGET" --converged-logistic-regression --json > "$2/eval.json.tmp" 2> "$2/eval.err"
  mv "$2/eval.json.tmp" "$2/eval.json"
  rm -f "$2/syn.csv" "$2/m.slgm"
}

for run in $(seq 1 "$RUNS"); do
  D=$OUT/run$run
  mkdir -p "$D/single" "$D/merged" "$D/work"
  [ -s "$D/template.json" ] || "$BIN" release-template --schema "$SCHEMA" --rows "$ROWS" \
    --partitions "$PARTITIONS" --epsilon "$EPSILON" --delta "$DELTA" -o "$D/template.json"
  if [ ! -s "$D/single/eval.json" ]; then
    [ -s "$D/single.slg" ] ||
      "$BIN" release "$TRAIN" --template "$D/template.json" -o "$D/single.slg" --quiet
    "$BIN" inspect "$D/single.slg" > "$D/single.inspect"
    score "$D/single.slg" "$D/single"
  fi
  if [ ! -s "$D/merged/eval.json" ]; then
    [ -s "$D/merged.slg" ] ||
      "$PY" "$REPO/samples/spark/partitioned_release.py" "$OUT/table" --slicegen "$BIN" \
        --schema "$SCHEMA" --partitions "$PARTITIONS" --epsilon "$EPSILON" --delta "$DELTA" \
        --template "$D/template.json" --work "$D/work" -o "$D/merged.slg" > "$D/spark.log" 2>&1
    "$BIN" inspect "$D/merged.slg" > "$D/merged.inspect"
    score "$D/merged.slg" "$D/merged"
  fi
  # Same σ and statement: the two inspect outputs differ at most in the file name.
  diff <(tail -n +2 "$D/single.inspect") <(tail -n +2 "$D/merged.inspect") > "$D/inspect.diff" ||
    echo "run $run: the two releases' inspect outputs differ (see $D/inspect.diff)"
done

"$PY" - "$OUT" "$RUNS" "$EPSILON" <<'PY'
import json, math, statistics, sys
out, runs, eps = sys.argv[1], int(sys.argv[2]), sys.argv[3]
keys = [("quality", "quality"), ("columnShapes", "shapes"), ("columnPairTrends", "pair trends"),
        ("rocAuc", "AUC")]
print(f"Adult, ε = {eps}, {runs} runs (each a fresh template, single-machine and Spark releases)")
for key, name in keys:
    values = {kind: [json.load(open(f"{out}/run{r}/{kind}/eval.json"))[key]["synthetic"]
                     for r in range(1, runs + 1)] for kind in ("single", "merged")}
    mean = {k: statistics.mean(v) for k, v in values.items()}
    sd = {k: statistics.stdev(v) if len(v) > 1 else 0.0 for k, v in values.items()}
    gap = abs(mean["single"] - mean["merged"])
    # The difference of two means of `runs` independent runs has standard error se.
    se = math.sqrt((sd["single"] ** 2 + sd["merged"] ** 2) / runs)
    verdict = "within one sd" if gap <= max(sd.values()) else "MORE than one sd apart"
    print(f"  {name:<12} single {mean['single']:.4f} ± {sd['single']:.4f}   "
          f"Spark merge {mean['merged']:.4f} ± {sd['merged']:.4f}   |Δ| {gap:.4f} "
          f"({gap / se if se else 0:.1f} se): {verdict}")
    print("               per run: single " + " ".join(f"{v:.4f}" for v in values["single"])
          + " | merge " + " ".join(f"{v:.4f}" for v in values["merged"]))
PY
