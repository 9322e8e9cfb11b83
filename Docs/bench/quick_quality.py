"""Quick quality figures for tuning (not the SDMetrics-exact evaluation): column shapes
(KSComplement / TVComplement) and all-pairs trends (contingency similarity on 10 equal-width bins
of the real range for numeric columns), synthetic vs real, and the same for independent columns.
Usage: python3 quick_quality.py real.csv synthetic.csv [schema.json]"""
import csv, json, sys
import numpy as np

def load(path, cols):
    rows = list(csv.DictReader(open(path)))
    return {c: np.array([r[c] for r in rows]) for c in cols}

def scores(real, syn, numeric, cols):
    shapes = []
    for c in cols:
        if c in numeric:
            a = np.sort(real[c].astype(float)); b = np.sort(syn[c].astype(float))
            grid = np.union1d(a, b)
            ks = np.max(np.abs(np.searchsorted(a, grid, side="right") / len(a)
                               - np.searchsorted(b, grid, side="right") / len(b)))
            shapes.append(1 - ks)
        else:
            cats = np.union1d(real[c], syn[c])
            pa = np.array([np.mean(real[c] == k) for k in cats])
            pb = np.array([np.mean(syn[c] == k) for k in cats])
            shapes.append(1 - 0.5 * np.abs(pa - pb).sum())
    def codes(t, c, ref):
        if c in numeric:
            lo, hi = ref[c].astype(float).min(), ref[c].astype(float).max()
            return np.clip(((t[c].astype(float) - lo) / (hi - lo + 1e-12) * 10).astype(int), 0, 9)
        cats = {k: i for i, k in enumerate(np.union1d(real[c], syn[c]))}
        return np.array([cats[v] for v in t[c]])
    enc_r = {c: codes(real, c, real) for c in cols}
    enc_s = {c: codes(syn, c, real) for c in cols}
    pairs = []
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            ka = max(enc_r[a].max(), enc_s[a].max()) + 1
            kb = max(enc_r[b].max(), enc_s[b].max()) + 1
            tr = np.bincount(enc_r[a] * kb + enc_r[b], minlength=ka * kb) / len(enc_r[a])
            ts = np.bincount(enc_s[a] * kb + enc_s[b], minlength=ka * kb) / len(enc_s[a])
            pairs.append(1 - 0.5 * np.abs(tr - ts).sum())
    return float(np.mean(shapes)), float(np.mean(pairs))

if __name__ == "__main__":
    real_path, syn_path = sys.argv[1], sys.argv[2]
    schema = json.load(open(sys.argv[3] if len(sys.argv) > 3 else "samples/adult/schema.json"))
    cols = [c["name"] for c in schema["columns"] if not c.get("drop")]
    numeric = {c["name"] for c in schema["columns"] if c.get("type") == "numeric"}
    real, syn = load(real_path, cols), load(syn_path, cols)
    rng = np.random.default_rng(0)
    indep = {c: rng.permutation(real[c]) for c in cols}
    s, p = scores(real, syn, numeric, cols)
    si, pi = scores(real, indep, numeric, cols)
    print(json.dumps({"shapes": round(s, 4), "pairsAll": round(p, 4),
                      "independentShapes": round(si, 4), "independentPairsAll": round(pi, 4)}))
