#!/bin/bash
# The no-guarantee baseline of the membership scores (Docs/benchmarks.md, "A no-guarantee
# baseline"): generators trained directly on Adult's training rows with `train-nonprivate`,
# without and with the proportional-noise regularisation, sampled and evaluated against the
# test split with --privacy. NOT PRIVATE: nothing here is a privacy guarantee. Writes its files
# to the current folder.
#
# Usage: Docs/bench/nonprivate_baseline.sh SLICEGEN SAMPLES_FOLDER [WEIGHT…]
set -e
B=$1 S=$2
shift 2
WEIGHTS=${*:-1e-4 1e-3}
run() {  # name, extra train-nonprivate options…
  local name=$1
  shift
  /usr/bin/time -f "train-nonprivate $name: %e s" \
    $B train-nonprivate $S/adult/train.csv --schema $S/adult/schema.json "$@" -o $name.slgm --quiet
  $B sample $name.slgm --rows 32561 -o $name.csv --quiet 2>/dev/null
  echo "== $name"
  $B evaluate --real $S/adult/test.csv --synthetic $name.csv --train $S/adult/train.csv \
    --schema $S/adult/schema.json --model $name.slgm --privacy 2>/dev/null
}
run none
for w in $WEIGHTS; do
  run pn-$w --regularisation proportional-noise --regularisation-weight $w
done
