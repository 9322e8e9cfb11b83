#!/bin/bash
# Error feedback against fixed clipping on Adult, ε = 4, δ = 1e-5, 2 epochs, C = 50 (C₂ = C).
set -e
B=${1:?usage: dpsgd_error_feedback.sh SLICEGEN [OUT]}
B=$(realpath "$B")
S=$(cd "$(dirname "$0")/../.." && pwd)/samples/adult
OUT=${2:-.}; mkdir -p "$OUT"; cd "$OUT"
for mode in fixed error-feedback; do
  [ -f $mode.eval.txt ] && continue
  /usr/bin/time -v $B train-dpsgd $S/train.csv --schema $S/schema.json --epsilon 4 --delta 1e-5 \
    --clipping $mode --clipping-norm 50 --epochs 2 -o $mode.slgm --diagnostics $mode.csv --quiet 2> $mode.time
  $B inspect $mode.slgm > $mode.inspect.txt
  $B sample $mode.slgm --rows 32561 --seed 1 -o $mode.synthetic.csv --quiet
  $B evaluate --real $S/test.csv --synthetic $mode.synthetic.csv --train $S/train.csv --schema $S/schema.json --model $mode.slgm > $mode.eval.txt
done
