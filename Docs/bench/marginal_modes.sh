#!/bin/bash
# Which `--marginals` mode serves a table best (issue: many columns, unmeasured pairs): for each
# mode, release at ε = 1 with every other setting at its default, fit (defaults), sample as many
# rows as the holdout and evaluate against it with the training rows beside (shuffled real
# columns); the private floor is Docs/bench/private_floor.py. Prints one line per run, with the
# all-pairs figures that show invented structure; resumable (a run whose evaluation exists is
# printed, not redone).
#
# Usage: Docs/bench/marginal_modes.sh SLICEGEN OUT TABLE TRAIN.csv HOLDOUT.csv SCHEMA.json TARGET RUNS MODE...
#   MODE: any --marginals value (one-way, tree, select:K, auto, ...).
set -euo pipefail
BIN=$1 OUT=$2 TABLE=$3 TRAIN=$4 HOLDOUT=$5 SCHEMA=$6 TARGET=$7 RUNS=$8
shift 8
ROWS=$(($(wc -l < "$HOLDOUT") - 1))
extra=()
grep -q '"dataDerived": true' "$SCHEMA" && extra+=(--accept-data-derived-schema)
for run in $(seq 1 "$RUNS"); do
  for mode in "$@"; do
    D=$OUT/$TABLE-${mode//:/}-$run
    mkdir -p "$D"
    if [ ! -s "$D/eval.json" ]; then
      rm -f "$D/r.slg" "$D/m.slgm"
      start=$(date +%s)
      "$BIN" release "$TRAIN" --schema "$SCHEMA" --epsilon 1 --marginals "$mode" \
        "${extra[@]}" -o "$D/r.slg" > "$D/release.log" 2>&1
      "$BIN" fit "$D/r.slg" -o "$D/m.slgm" --quiet > "$D/fit.log" 2>&1
      "$BIN" sample "$D/m.slgm" --rows "$ROWS" -o "$D/syn.csv" --quiet
      echo $(( $(date +%s) - start )) > "$D/seconds"
      "$BIN" evaluate --real "$HOLDOUT" --synthetic "$D/syn.csv" --train "$TRAIN" \
        --schema "$SCHEMA" --target "$TARGET" --json > "$D/eval.json.tmp" 2> "$D/eval.err"
      mv "$D/eval.json.tmp" "$D/eval.json"
    fi
    python3 - "$D/eval.json" "$TABLE" "$mode" "$run" "$(cat "$D/seconds")" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
s = lambda k: j[k]["synthetic"]
r = lambda k: j[k].get("independent", float("nan"))
print(f"{sys.argv[2]:8} {sys.argv[3]:10} run {sys.argv[4]} ({sys.argv[5]} s): "
      f"quality {s('quality'):.3f}  shapes {s('columnShapes'):.3f}  "
      f"pair trends {s('columnPairTrends'):.3f}  all pairs {s('columnPairTrendsAll'):.3f}  "
      f"contingency {s('contingencySimilarity'):.3f}  "
      f"(shuffled: all pairs {r('columnPairTrendsAll'):.3f}, "
      f"contingency {r('contingencySimilarity'):.3f})")
PY
  done
done
