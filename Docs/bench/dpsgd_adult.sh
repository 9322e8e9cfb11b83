#!/bin/bash
# DP-SGD (train-dpsgd) beside the default release -> fit on Adult, at ε = 1 and 10, δ = 1e-5.
# Usage: bash Docs/bench/dpsgd_adult.sh SLICEGEN SAMPLES_DIR OUT_DIR dpsgd|release
# (the two halves can run side by side; the DP-SGD runs of ε = 1 and 10 run in parallel).
set -euo pipefail
S=$1; D=$2; O=$3; PART=$4
mkdir -p "$O"
dpsgd() {
  E=$1
  /usr/bin/time -f "train-dpsgd eps $E: %e s wall, %M KiB peak" \
    "$S" train-dpsgd "$D/adult/train.csv" --schema "$D/adult/schema.json" --epsilon $E \
    --delta 1e-5 --clipping adaptive --clipping-norm 50 --epochs 5 \
    -o "$O/dpsgd-$E.slgm" --diagnostics "$O/dpsgd-$E.csv" --quiet 2> "$O/dpsgd-$E-time.txt" 
  "$S" sample "$O/dpsgd-$E.slgm" --rows 32561 -o "$O/dpsgd-$E-s.csv" --quiet
  "$S" evaluate --real "$D/adult/test.csv" --synthetic "$O/dpsgd-$E-s.csv" \
    --train "$D/adult/train.csv" --schema "$D/adult/schema.json" --model "$O/dpsgd-$E.slgm" \
    > "$O/dpsgd-$E-eval.txt"
}
if [ "$PART" = dpsgd ]; then
  dpsgd 1 & dpsgd 10 & wait
  exit 0
fi
for E in 1 10; do
  /usr/bin/time -f "release+fit eps $E: %e s wall, %M KiB peak" bash -c "
    '$S' release '$D/adult/train.csv' --schema '$D/adult/schema.json' --epsilon $E --delta 1e-5 \
      --neighbors zero-out -o '$O/rel-$E.slg' --quiet &&
    '$S' fit '$O/rel-$E.slg' -o '$O/rel-$E.slgm' --quiet"
  "$S" sample "$O/rel-$E.slgm" --rows 32561 -o "$O/rel-$E-s.csv" --quiet
  "$S" evaluate --real "$D/adult/test.csv" --synthetic "$O/rel-$E-s.csv" \
    --train "$D/adult/train.csv" --schema "$D/adult/schema.json" --model "$O/rel-$E.slgm" \
    > "$O/rel-$E-eval.txt"
done
