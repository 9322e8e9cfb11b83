#!/bin/bash
# The last step of one benchmark run, shared by dpsgd_ma_zhang.sh and merf_conditional.sh:
# evaluates NAME.csv against the holdout into NAME.json (written whole or not at all, so a
# resumed script redoes a run whose evaluation was cut short) and removes NAME.csv.
#
# Usage: Docs/bench/evaluate_run.sh SLICEGEN NAME TRAIN.csv HOLDOUT.csv SCHEMA.json
set -euo pipefail
BIN=$1 N=$2 TRAIN=$3 HOLDOUT=$4 SCHEMA=$5
"$BIN" evaluate --real "$HOLDOUT" --synthetic "$N.csv" --train "$TRAIN" --schema "$SCHEMA" \
  --json > "$N.json.tmp" 2> /dev/null
mv "$N.json.tmp" "$N.json"
rm -f "$N.csv"
