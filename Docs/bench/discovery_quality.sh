#!/bin/bash
# Discovery against a given schema, end to end (Docs/discovery.md): for each table, release at
# ε = 1 with every other setting at its default, once with the given schema and once without
# (private discovery), then fit (defaults), sample as many rows as the holdout and evaluate
# against the holdout with the given schema (with the training rows, so that the shuffled real
# columns stand beside it; the private floor is Docs/bench/private_floor.py). Prints one line per run; resumable (a run whose
# evaluation exists is printed, not redone).
#
# Usage: Docs/bench/discovery_quality.sh SLICEGEN OUT TABLE TRAIN.csv HOLDOUT.csv SCHEMA.json TARGET RUNS [declare]
#   SCHEMA.json: the given schema (a reviewed one, or one drafted from the public table: then
#   the given-schema release passes --accept-data-derived-schema and says so).
#   declare: "yes" (default) passes --target TARGET to release; "no" leaves the target to the
#   evaluation only (a target class too rare for discovery at this n and ε makes a release that
#   declares it fail, by design).
set -euo pipefail
BIN=$1 OUT=$2 TABLE=$3 TRAIN=$4 HOLDOUT=$5 SCHEMA=$6 TARGET=$7 RUNS=$8 DECLARE=${9:-yes}
ROWS=$(($(wc -l < "$HOLDOUT") - 1))
for run in $(seq 1 "$RUNS"); do
  for mode in given discovered; do
    D=$OUT/$TABLE-$mode-$run
    mkdir -p "$D"
    if [ ! -s "$D/eval.json" ]; then
      if [ $mode = given ]; then
        extra=(--schema "$SCHEMA")
        grep -q '"dataDerived": true' "$SCHEMA" && extra+=(--accept-data-derived-schema)
      else
        extra=()
      fi
      [ "$DECLARE" = yes ] && extra+=(--target "$TARGET")
      rm -f "$D/r.slg" "$D/r.slg.schema.json" "$D/m.slgm"
      "$BIN" release "$TRAIN" --epsilon 1 "${extra[@]}" -o "$D/r.slg" \
        > "$D/release.log" 2>&1
      "$BIN" fit "$D/r.slg" -o "$D/m.slgm" --quiet > "$D/fit.log" 2>&1
      "$BIN" sample "$D/m.slgm" --rows "$ROWS" -o "$D/syn.csv" --quiet
      "$BIN" evaluate --real "$HOLDOUT" --synthetic "$D/syn.csv" --train "$TRAIN" \
        --schema "$SCHEMA" --target "$TARGET" --json > "$D/eval.json.tmp" 2> "$D/eval.err"
      mv "$D/eval.json.tmp" "$D/eval.json"
    fi
    python3 - "$D/eval.json" "$TABLE" "$mode" "$run" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
s = lambda k: j[k]["synthetic"]
print(f"{sys.argv[2]:8} {sys.argv[3]:10} run {sys.argv[4]}: quality {s('quality'):.3f}  "
      f"shapes {s('columnShapes'):.3f}  pair trends {s('columnPairTrends'):.3f}  "
      f"F1 {s('logisticRegressionF1'):.3f}  AUC {s('rocAuc'):.3f}  "
      f"(shuffled real columns: quality {j['quality']['independent']:.3f})")
EOF
  done
done
