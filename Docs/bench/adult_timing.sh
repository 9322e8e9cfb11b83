#!/bin/bash
# Issue 16, target 3: slicegen's release + fit + sample of Adult with the defaults at ε = 1
# against dpmm's MST (fit + sample) in the same run, wall time and peak memory, and the ratio.
# MST runs from a virtual environment (see Docs/bench/peer_mst.py); never a dependency.
#
# Usage: Docs/bench/adult_timing.sh SLICEGEN VENV_PYTHON OUT [RUNS]
set -euo pipefail
BIN=$1 PY=$2 OUT=$3 RUNS=${4:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
A=$HERE/../../samples/adult
mkdir -p "$OUT"
for i in $(seq 1 "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$OUT/slicegen-$i.time" bash -c "\"$BIN\" release $A/train.csv \
    --schema $A/schema.json --epsilon 1 --delta 1e-5 -o $OUT/r.slg --quiet && \"$BIN\" fit \
    $OUT/r.slg -o $OUT/m.slgm --quiet && \"$BIN\" sample $OUT/m.slgm --rows 32561 \
    -o $OUT/s.csv --quiet"
  echo "slicegen release + fit + sample, run $i: $(awk '{print $1 " s, " int($2/1024) " MiB"}' "$OUT/slicegen-$i.time")"
done
/usr/bin/time -f "%e %M" -o "$OUT/mst.time" "$PY" "$HERE/peer_mst.py" mst $A/train.csv \
  $A/schema.json 1 1e-5 32561 1 "$OUT/mst.csv"
echo "MST fit + sample: $(awk '{print $1 " s, " int($2/1024) " MiB"}' "$OUT/mst.time")"
python3 - "$OUT" "$RUNS" <<'PY'
import sys
out, runs = sys.argv[1], int(sys.argv[2])
ours = sum(float(open(f"{out}/slicegen-{i}.time").read().split()[0]) for i in range(1, runs + 1)) / runs
mst = float(open(f"{out}/mst.time").read().split()[0])
print(f"mean slicegen {ours:.2f} s; MST {mst:.1f} s; MST / slicegen = {mst / ours:.0f}x")
PY
