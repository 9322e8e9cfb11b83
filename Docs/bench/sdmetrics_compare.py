"""Every key of `slicegen evaluate --json` beside SDMetrics' value (sdmetrics_check.py) on the same
files, as a Markdown table with the difference; exits 1 if any |difference| exceeds 0.005.
Run with the SDMetrics virtual environment (Docs/evaluation.md):
  .venv-sdm/bin/python Docs/bench/sdmetrics_compare.py holdout.csv table.csv schema.json income
Optional: --slicegen PATH (default .build/release/slicegen), --title TEXT.
"""
import json, os, subprocess, sys

args = sys.argv[1:]
slicegen, title = ".build/release/slicegen", None
if "--slicegen" in args:
    i = args.index("--slicegen"); slicegen = args[i + 1]; del args[i:i + 2]
if "--title" in args:
    i = args.index("--title"); title = args[i + 1]; del args[i:i + 2]
holdout, table, schema, target = args[:4]
here = os.path.dirname(os.path.abspath(__file__))
reference = json.loads(subprocess.run(
    [sys.executable, os.path.join(here, "sdmetrics_check.py"), holdout, table, schema, target,
     "--full"], check=True, capture_output=True, text=True).stdout)
ours = json.loads(subprocess.run(
    [slicegen, "evaluate", "--real", holdout, "--synthetic", table, "--schema", schema,
     "--target", target, "--json"], check=True, capture_output=True, text=True).stdout)
keys = ["quality", "qualityAll", "columnShapes", "columnPairTrends", "columnPairTrendsAll",
        "ksComplement", "tvComplement", "contingencySimilarity", "correlationSimilarity",
        "logisticRegressionF1", "minorityF1", "rocAuc"]
if title:
    print(f"{title}\n")
print("| key | slicegen | SDMetrics 0.32.0 | difference |\n|---|---|---|---|")
worst = 0.0
for key in keys:
    a, b = float(ours[key]["synthetic"]), float(reference[key])
    if a != a and b != b:  # both undefined (no numeric column, say): the same answer
        print(f"| {key} | nan | nan | (both undefined) |")
        continue
    difference = abs(a - b) if a == a and b == b else float("inf")
    worst = max(worst, difference)
    print(f"| {key} | {a:.4f} | {b:.4f} | {a - b:+.1e} |")
print(f"\nlargest |difference|: {worst:.1e}")
sys.exit(0 if worst <= 0.005 else 1)
