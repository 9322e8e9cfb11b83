#!/bin/bash
# Ma and Zhang's additions to the DP-SGD generator on an image table (Docs/benchmarks.md, "Ma and
# Zhang's additions on the digits"): plain DP-SGD (its defaults), the reconstruction term
# (λ = 10), the same with noise injection (s = 0.1), error feedback alone, and error feedback
# with both (Ma and Zhang's combination), RUNS seeds each at every ε. Each run: train-dpsgd,
# sample as many rows as the training table, evaluate against the holdout, and a picture
# (10 per class). Resumable: a run whose evaluation exists is not redone. Prints mean ± std.
#
# Usage: Docs/bench/dpsgd_ma_zhang.sh SLICEGEN OUT TRAIN.csv HOLDOUT.csv SCHEMA.json RUNS EPS...
# VARIANTS (environment, optional): the variants to run, by name, all five by default (for
# example VARIANTS="ma-zhang"). The training's peak memory is recorded (GNU time).
set -euo pipefail
BIN=$1 OUT=$2 TRAIN=$3 HOLDOUT=$4 SCHEMA=$5 RUNS=$6
shift 6
ROWS=$(($(wc -l < "$TRAIN") - 1))
mkdir -p "$OUT"
variants=(
  "plain:"
  "reconstruction:--reconstruction-weight 10"
  "reconstruction+injection:--reconstruction-weight 10 --noise-injection 0.1"
  "error-feedback:--clipping error-feedback"
  "ma-zhang:--clipping error-feedback --reconstruction-weight 10 --noise-injection 0.1"
)
for eps in "$@"; do
  for run in $(seq 1 "$RUNS"); do
    for v in "${variants[@]}"; do
      name=${v%%:*} args=${v#*:}
      [[ " ${VARIANTS:-$name} " == *" $name "* ]] || continue
      N=$OUT/$name-eps$eps-seed$run
      [ -s "$N.json" ] && continue
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      /usr/bin/time -f %M -o "$N.kb" "$BIN" train-dpsgd "$TRAIN" --schema "$SCHEMA" --epsilon "$eps" --delta 1e-5 \
        --seed "$run" $args -o "$N.slgm" --quiet
      echo "$(date +%s.%N) - $start" | bc > "$N.seconds"
      "$BIN" sample "$N.slgm" --rows "$ROWS" --seed "$run" -o "$N.csv" --quiet
      "$BIN" sample "$N.slgm" --png "$N.png" --per-class 10 --quiet
      bash "$(dirname "$0")/evaluate_run.sh" "$BIN" "$N" "$TRAIN" "$HOLDOUT" "$SCHEMA"
    done
  done
done
ALL="plain reconstruction reconstruction+injection error-feedback ma-zhang"
VARIANTS=${VARIANTS:-$ALL}
python3 "$(dirname "$0")/summarize_runs.py" "$OUT" "$RUNS" variant seconds "${VARIANTS// /,}" "$@"
