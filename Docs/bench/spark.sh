#!/bin/bash
# The partitioned release on Spark against the single-machine release (Docs/spark.md,
# "Measured"): 10^7 rows of a generated narrow table (d = 22) in 8 CSV files, one template
# (release-template), then
#   (a) `slicegen release all.csv --template T` on one machine, and
#   (b) samples/spark/partitioned_release.py with 8 partitions in Spark's local mode
#       (local[2]) on the same template,
# each with its wall time and the peak RSS of every slicegen process; then `slicegen inspect` of
# both releases side by side (same σ, same statement).
#
# Usage: Docs/bench/spark.sh SLICEGEN [OUT]   (OUT default: /work/spark-bench)
# Environment (optional): ROWS (10000000), PARTITIONS (8), EPSILON (4), DELTA (1e-9),
# SLICES (50), MASTER (local[2]), VENV (/work/venv-spark).
#
# Disk: a release holds n × m' noisy projections as 4-byte floats. --slices 50 of dimension 2
# (m' = 100) gives 10^7 × 100 × 4 B = 4 GB per release; the single-machine release, the
# partials (deleted after the merge) and the merged release peak at about 12 GB, plus 1 GB of
# CSV (the 8 files and their concatenation). The default 100 slices would need about 24 GB.
#
# Resumable: every step whose output exists is skipped (delete a file to redo its step).
set -euo pipefail
BIN=$(realpath "$1")
OUT=${2:-/work/spark-bench}
ROWS=${ROWS:-10000000} PARTITIONS=${PARTITIONS:-8} EPSILON=${EPSILON:-4} DELTA=${DELTA:-1e-9}
SLICES=${SLICES:-50} MASTER=${MASTER:-local[2]}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PY=$("$HERE/spark_setup.sh" "${VENV:-/work/venv-spark}")
mkdir -p "$OUT"
df -h "$OUT" | tail -1

# 1. The table: 8 CSV files with a header each, and one concatenation for the single machine.
"$PY" "$HERE/make_narrow_table.py" "$OUT/narrow" --rows "$ROWS" --files 8
if [ ! -s "$OUT/narrow/all.csv" ]; then
  first=$(ls "$OUT"/narrow/table/part-*.csv | head -1)
  { head -1 "$first"; for f in "$OUT"/narrow/table/part-*.csv; do tail -n +2 "$f"; done; } \
    > "$OUT/narrow/all.csv.tmp"
  mv "$OUT/narrow/all.csv.tmp" "$OUT/narrow/all.csv"
fi

# 2. The template, written before any row is read; both releases use it (same U, same σ).
T=$OUT/narrow-template.json
if [ ! -s "$T" ]; then
  "$BIN" release-template --schema "$OUT/narrow/schema.json" --rows "$ROWS" \
    --partitions "$PARTITIONS" --epsilon "$EPSILON" --delta "$DELTA" --slices "$SLICES" -o "$T"
fi

# 3. One machine. /usr/bin/time -v gives its wall time and peak RSS.
if [ ! -s "$OUT/single.slg" ]; then
  /usr/bin/time -v -o "$OUT/single.time" \
    "$BIN" release "$OUT/narrow/all.csv" --template "$T" -o "$OUT/single.slg" \
    > "$OUT/single.log" 2>&1
fi

# 4. Spark, local mode. The driver's --stats has every slicegen process's wall time and peak
# RSS (os.wait4), the peak RSS of the Python worker that fed it and of the Spark JVM (VmHWM);
# /usr/bin/time -v on the driver gives the whole run's wall time.
if [ ! -s "$OUT/merged.slg" ]; then
  mkdir -p "$OUT/work"
  /usr/bin/time -v -o "$OUT/spark.time" \
    "$PY" "$REPO/samples/spark/partitioned_release.py" "$OUT/narrow/table" --slicegen "$BIN" \
    --schema "$OUT/narrow/schema.json" --partitions "$PARTITIONS" --epsilon "$EPSILON" \
    --delta "$DELTA" --template "$T" --master "$MASTER" --work "$OUT/work" \
    --stats "$OUT/spark-stats.json" -o "$OUT/merged.slg" > "$OUT/spark.log" 2>&1
fi

# 5. The figures.
wall() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1"; }
rss() { echo "$(($(sed -n 's/.*Maximum resident set size (kbytes): //p' "$1") / 1024)) MiB"; }
echo "rows $ROWS, $PARTITIONS partitions, ε $EPSILON, δ $DELTA, --slices $SLICES; $(nproc) cores"
echo "single machine: slicegen release  wall $(wall "$OUT/single.time"), peak RSS $(rss "$OUT/single.time")"
echo "Spark $MASTER driver run        wall $(wall "$OUT/spark.time")"
"$PY" - "$OUT/spark-stats.json" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))
print(f"  driver's own wall time {stats['wallSeconds']:.1f} s")
for p in stats["processes"]:
    seconds = "" if p["seconds"] is None else f"{p['seconds']:7.1f} s"
    worker = p.get("workerPeakRssKiB")
    worker = f"  (its Python worker {worker / 1024:.0f} MiB)" if worker else ""
    print(f"  {p['process']:<22} {seconds:>9}  peak RSS {p['peakRssKiB'] / 1024:6.0f} MiB{worker}")
PY
ls -l "$OUT/single.slg" "$OUT/merged.slg"
"$BIN" inspect "$OUT/single.slg" > "$OUT/single.inspect"
"$BIN" inspect "$OUT/merged.slg" > "$OUT/merged.inspect"
echo "--- inspect: single machine | Spark merge (diff of the two, then the single's)"
diff "$OUT/single.inspect" "$OUT/merged.inspect" || true
head -30 "$OUT/single.inspect"
