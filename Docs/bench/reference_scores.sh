#!/bin/bash
# References for the image accuracies (softmaxAccuracy, mlpAccuracy) and the membership scores
# (evaluate --privacy): the private floor (1-way marginals at the same ε, columns drawn
# independently) and shuffled real columns (each column of the training split shuffled on its
# own, seed 1), on digits (ε = 10) and Adult (ε = 1). Writes its files to the current folder.
#
# Usage: Docs/bench/reference_scores.sh SLICEGEN SAMPLES_FOLDER
set -e
B=$1 S=$2
python3 - "$S" <<'PY'
import csv, random, sys
S = sys.argv[1]
for name, path in [("adult", f"{S}/adult/train.csv"), ("digits", f"{S}/digits/train.csv")]:
    rows = list(csv.reader(open(path)))
    head, body = rows[0], rows[1:]
    rng = random.Random(1)
    cols = list(zip(*body))
    cols = [rng.sample(c, len(c)) for c in cols]
    with open(f"{name}-shuffled.csv", "w", newline="") as f:
        w = csv.writer(f); w.writerow(head); w.writerows(zip(*cols))
PY
for t in digits:10:1500:holdout adult:1:32561:test; do
  IFS=: read name eps rows real <<< "$t"
  $B release $S/$name/train.csv --schema $S/$name/schema.json --epsilon $eps --delta 1e-5 --marginals one-way --aggregate-share 0.999 -o $name-floor.slg --quiet
  $B sample $name-floor.slg --independent --rows $rows -o $name-floor.csv --quiet
  for kind in floor shuffled; do
    echo "== $name, $kind (ε = $eps for the floor)"
    $B evaluate --real $S/$name/$real.csv --synthetic $name-$kind.csv --train $S/$name/train.csv --schema $S/$name/schema.json --privacy 2>/dev/null | grep -E "softmaxAccuracy|mlpAccuracy|closer to train|protection|attack"
  done
done
