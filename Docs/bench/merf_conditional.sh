#!/bin/bash
# DP-MERF with the class-conditional image generator (Docs/benchmarks.md, "DP-MERF with the
# class-conditional image generator"): per ε and seed, a fresh `release --mechanism merf`
# (zero-out unless NEIGHBORS says otherwise, δ = 1e-5, class-conditional on the schema's
# target), then `fit --sampler conditional` and, beside it on the same release, `fit` with the
# default generator (or the fits VARIANTS names); each samples as many rows as the training
# table and is evaluated against the holdout, and a conditional model draws a picture (10 per
# class). Resumable. Prints mean ± std of quality, pair trends and the two accuracies per ε and
# generator, the seconds and the fit's peak memory (GNU time).
#
# Usage: Docs/bench/merf_conditional.sh SLICEGEN OUT TRAIN.csv HOLDOUT.csv SCHEMA.json RUNS EPS...
# RELEASE_ARGS (environment, optional): extra release options, for example "--length-scale 0.2".
# NEIGHBORS (environment, optional): the release's relation, zero-out by default.
# VARIANTS (environment, optional): the fits to run on each release, "conditional generator" by
# default; a name other than those two runs `fit` with the options in the variable ARGS_<name>,
# for example VARIANTS="conditional conv" ARGS_conv="--sampler conditional --conv-channels 32,16".
set -euo pipefail
BIN=$1 OUT=$2 TRAIN=$3 HOLDOUT=$4 SCHEMA=$5 RUNS=$6
shift 6
ROWS=$(($(wc -l < "$TRAIN") - 1))
mkdir -p "$OUT"
for eps in "$@"; do
  for run in $(seq 1 "$RUNS"); do
    R=$OUT/eps$eps-seed$run.slg
    [ -s "$R" ] || "$BIN" release "$TRAIN" --schema "$SCHEMA" --epsilon "$eps" --delta 1e-5 \
      --neighbors "${NEIGHBORS:-zero-out}" --mechanism merf ${RELEASE_ARGS:-} -o "$R" --quiet
    for variant in ${VARIANTS:-conditional generator}; do
      N=$OUT/$variant-eps$eps-seed$run
      [ -s "$N.json" ] && continue
      args=ARGS_$variant
      args=${!args:---sampler $variant}
      start=$(date +%s.%N)
      # shellcheck disable=SC2086 # the variant's options are split on purpose
      /usr/bin/time -f %M -o "$N.kb" "$BIN" fit "$R" $args --seed "$run" -o "$N.slgm" --quiet
      "$BIN" sample "$N.slgm" --rows "$ROWS" --seed "$run" -o "$N.csv" --quiet
      echo "$(date +%s.%N) - $start" | bc > "$N.seconds"
      [[ " $args " == *" conditional "* ]] &&
        "$BIN" sample "$N.slgm" --png "$N.png" --per-class 10 --quiet
      bash "$(dirname "$0")/evaluate_run.sh" "$BIN" "$N" "$TRAIN" "$HOLDOUT" "$SCHEMA"
    done
  done
done
VARIANTS=${VARIANTS:-conditional generator}
python3 "$(dirname "$0")/summarize_runs.py" "$OUT" "$RUNS" generator "seconds (fit + sample)" \
  "${VARIANTS// /,}" "$@"
