#!/bin/bash
# Membership scores (evaluate --privacy: DCR and the distance attack's AUC) of the DP methods that
# the membership table in Docs/benchmarks.md lacked: the paper's slicing mechanism alone, DP-MERF
# and DP-SGD, each at ε = 1, δ = 1e-5, zero-out (the relation DP-SGD is stated under), one run each,
# sampled to the training table's 32,561 rows and evaluated against the test split.
# Usage: Docs/bench/membership_methods.sh SLICEGEN [OUT]   (resumable: finished methods are skipped)
set -euo pipefail
B=$(realpath "$1")
S=$(cd "$(dirname "$0")/../.." && pwd)/samples/adult
OUT=${2:-.}; mkdir -p "$OUT"; cd "$OUT"
common=(--schema "$S/schema.json" --epsilon 1 --delta 1e-5)
for method in slicing merf dp-sgd; do
  [ -s $method.eval.txt ] && continue
  case $method in
    slicing)
      "$B" release "$S/train.csv" "${common[@]}" --neighbors zero-out --mechanism slicing -o slicing.slg --quiet
      "$B" fit slicing.slg -o slicing.slgm --quiet ;;
    merf)
      "$B" release "$S/train.csv" "${common[@]}" --neighbors zero-out --mechanism merf -o merf.slg --quiet
      "$B" fit merf.slg -o merf.slgm --quiet ;;
    dp-sgd)
      "$B" train-dpsgd "$S/train.csv" "${common[@]}" -o dp-sgd.slgm --quiet ;;
  esac
  "$B" sample $method.slgm --rows 32561 --seed 1 -o $method.csv --quiet
  "$B" evaluate --real "$S/test.csv" --synthetic $method.csv --train "$S/train.csv" \
    --schema "$S/schema.json" --model $method.slgm --privacy > $method.eval.txt.tmp
  mv $method.eval.txt.tmp $method.eval.txt
done
grep -H -E "^(quality|columnPairTrends|contingencySimilarity|logisticRegressionF1|rocAuc) |closer|DCR|attack" *.eval.txt
