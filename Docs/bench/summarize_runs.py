"""Mean ± standard deviation over seeds of runs named OUT/NAME-epsE-seedR.json (evaluate --json)
and OUT/NAME-epsE-seedR.seconds, as a Markdown table: one row per ε and name; with a peak MiB
column (the largest over seeds; – for a row whose runs did not all record it) when any run has
OUT/NAME-epsE-seedR.kb (peak resident KB, as /usr/bin/time -f %M writes it). Used by
dpsgd_ma_zhang.sh and merf_conditional.sh.

Usage: python3 summarize_runs.py OUT RUNS LABEL SECONDS_LABEL NAME,NAME,... EPS...
"""
import json
import os
import statistics
import sys

out, runs, label, seconds_label, names = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
epsilons = sys.argv[6:]
keys = ['quality', 'columnShapes', 'columnPairTrends', 'softmaxAccuracy', 'mlpAccuracy']
memory = any(os.path.exists(f"{out}/{n}-eps{e}-seed{r}.kb") for n in names.split(',')
             for e in epsilons for r in range(1, runs + 1))
extra = ' peak MiB |' if memory else ''
print(f'| {label} | ε | quality | shapes | pair trends | softmax accuracy | MLP accuracy | {seconds_label} |{extra}')
print('|---|---|---|---|---|---|---|---|' + ('---|' if memory else ''))
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
        peak = ''
        if memory:
            known = all(os.path.exists(b + '.kb') for b in base)
            kb = max(int(open(b + '.kb').read()) for b in base) if known else None
            peak = f" {kb / 1024:.0f} |" if known else " – |"
        print(f"| {name} | {eps} | " + " | ".join(cells) + f" | {sec:.1f} |" + peak)
