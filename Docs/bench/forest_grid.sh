#!/bin/bash
# The forest sampler (`sample --forest`, MarginalForest.swift) under different budget splits:
# for each split and share, release at ε = 1 with --marginals MODE, draw as many rows as the
# holdout from the forest of the release's marginals and evaluate against the holdout, the
# training rows beside it (shuffled real columns). Resumable: a run whose evaluation exists is
# printed, not redone.
#
# Usage: Docs/bench/forest_grid.sh SLICEGEN OUT TABLE TRAIN.csv HOLDOUT.csv SCHEMA.json TARGET MODE RUNS SPLIT@SHARE[@PAIRBINS]...
#   SPLIT: the --pair-selection-split value (a,b,c); SHARE: the --aggregate-share value;
#   PAIRBINS: the --pair-bins value (default auto).
set -euo pipefail
BIN=$1 OUT=$2 TABLE=$3 TRAIN=$4 HOLDOUT=$5 SCHEMA=$6 TARGET=$7 MODE=$8 RUNS=$9
shift 9
ROWS=$(($(wc -l < "$HOLDOUT") - 1))
extra=()
grep -q '"dataDerived": true' "$SCHEMA" && extra+=(--accept-data-derived-schema)
for run in $(seq 1 "$RUNS"); do
  for setting in "$@"; do
    IFS=@ read -r split share pairbins <<< "$setting"
    pairbins=${pairbins:-auto}
    tag=$share
    [ "$pairbins" != auto ] && tag=$share-pb$pairbins
    D=$OUT/$TABLE-${MODE//:/}-${split//,/_}-$tag-$run
    mkdir -p "$D"
    if [ ! -s "$D/eval.json" ]; then
      "$BIN" release "$TRAIN" --schema "$SCHEMA" --epsilon 1 --marginals "$MODE" \
        --pair-selection-split "$split" --aggregate-share "$share" --pair-bins "$pairbins" \
        "${extra[@]}" \
        -o "$D/r.slg" --quiet > "$D/release.log" 2>&1
      "$BIN" sample "$D/r.slg" --forest --rows "$ROWS" -o "$D/syn.csv" --quiet 2> /dev/null
      "$BIN" evaluate --real "$HOLDOUT" --synthetic "$D/syn.csv" --train "$TRAIN" \
        --schema "$SCHEMA" --target "$TARGET" --json > "$D/eval.json.tmp" 2> "$D/eval.err"
      mv "$D/eval.json.tmp" "$D/eval.json"
    fi
    python3 - "$D/eval.json" "$TABLE" "$setting" "$run" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = lambda k: j[k]["synthetic"]
print(f"{sys.argv[2]:8} {sys.argv[3]:22} run {sys.argv[4]}: quality {s('quality'):.3f}  "
      f"shapes {s('columnShapes'):.3f}  pair trends {s('columnPairTrends'):.3f}  "
      f"all pairs {s('columnPairTrendsAll'):.3f}  contingency {s('contingencySimilarity'):.3f}  "
      f"AUC {s('rocAuc'):.3f}")
PY
  done
done
