"""Mean ± standard deviation over seeds of runs named OUT/NAME-epsE-seedR.json (evaluate --json)
and OUT/NAME-epsE-seedR.seconds, as a Markdown table: one row per ε and name. Used by
dpsgd_ma_zhang.sh and merf_conditional.sh.

Usage: python3 summarize_runs.py OUT RUNS LABEL SECONDS_LABEL NAME,NAME,... EPS...
"""
import json
import statistics
import sys

out, runs, label, seconds_label, names = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
epsilons = sys.argv[6:]
keys = ['quality', 'columnShapes', 'columnPairTrends', 'softmaxAccuracy', 'mlpAccuracy']
print(f'| {label} | ε | quality | shapes | pair trends | softmax accuracy | MLP accuracy | {seconds_label} |')
print('|---|---|---|---|---|---|---|---|')
for eps in epsilons:
    for name in names.split(','):
        base = [f"{out}/{name}-eps{eps}-seed{r}" for r in range(1, runs + 1)]
        js = [json.load(open(b + '.json')) for b in base]
        cells = []
        for k in keys:
            v = [j[k]['synthetic'] for j in js]
            sd = statistics.stdev(v) if len(v) > 1 else 0
            cells.append(f"{statistics.mean(v):.3f} ± {sd:.3f}")
        sec = statistics.mean(float(open(b + '.seconds').read()) for b in base)
        print(f"| {name} | {eps} | " + " | ".join(cells) + f" | {sec:.1f} |")
