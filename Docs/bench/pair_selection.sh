#!/bin/sh
# Pair selection on real public data (Docs/pair-selection.md): release → fit → sample → evaluate
# at ε = $EPSILON (default 1), one release and one fit seed per mode, default fit.
# Usage: [EPSILON=E] Docs/bench/pair_selection.sh OUT_DIR adult|digits MODE...
set -eu
out=$1; data=$2; shift 2
bin=${SLICEGEN:-.build/release/slicegen}
epsilon=${EPSILON:-1}
case $data in
  adult) train=samples/adult/train.csv; real=samples/adult/test.csv; schema=samples/adult/schema.json
         rows=32561; target=income ;;
  digits) train=samples/digits/train.csv; real=samples/digits/holdout.csv
          schema=samples/digits/schema.json; rows=1497; target=target ;;
esac
for mode in "$@"; do
  d=$out/$data-$(echo "$mode" | tr ':' '-')-e$epsilon; mkdir -p "$d"
  start=$(date +%s)
  $bin release $train --schema $schema --epsilon $epsilon --marginals "$mode" -o "$d/r.slg" --quiet
  $bin fit "$d/r.slg" -o "$d/m.slgm" > "$d/fit.log" 2>&1
  $bin sample "$d/m.slgm" --rows $rows -o "$d/s.csv" > /dev/null 2>&1
  $bin evaluate --real $real --synthetic "$d/s.csv" --schema $schema --train $train \
    --target $target --json > "$d/eval.json"
  echo "$data $mode ε=$epsilon $(( $(date +%s) - start )) s"
done
