"""Computes, with SDMetrics itself, every metric `slicegen evaluate --json` reports, on the same
files, and prints them with the same keys (synthetic only; run it once per table).
Run with a virtual environment that has sdmetrics 0.32 (never a dependency of slicegen):
  python3 -m venv sdm && sdm/bin/pip install 'sdmetrics==0.32.*'
  sdm/bin/python Docs/bench/sdmetrics_check.py holdout.csv synthetic.csv schema.json income
Add --full to print every digit instead of four (Docs/bench/sdmetrics_compare.py does).
"""
import json, sys, warnings
import numpy as np, pandas as pd
warnings.filterwarnings("ignore")
from sdmetrics.reports.single_table import QualityReport
from sdmetrics.single_table import BinaryLogisticRegression
from sklearn.metrics import f1_score, roc_auc_score

full = "--full" in sys.argv
args = [a for a in sys.argv[1:] if a != "--full"]
real_path, syn_path, schema_path = args[0:3]
target = args[3] if len(args) > 3 else None
schema = json.load(open(schema_path))
kept = [c for c in schema["columns"] if not c.get("drop")]
names = [c["name"] for c in kept]
real = pd.read_csv(real_path)[names]
syn = pd.read_csv(syn_path)[names]
metadata = {"columns": {c["name"]: {"sdtype": "numerical" if c["type"] == "numeric" else "categorical"} for c in kept}}
report = QualityReport()
report.generate(real, syn, metadata, verbose=False)
shapes = report.get_details("Column Shapes")
pairs = report.get_details("Column Pair Trends")
out = {
    "quality": report.get_score(),
    "columnShapes": report.get_properties().set_index("Property").loc["Column Shapes", "Score"],
    "columnPairTrends": report.get_properties().set_index("Property").loc["Column Pair Trends", "Score"],
    "ksComplement": shapes[shapes.Metric == "KSComplement"].Score.mean(),
    "tvComplement": shapes[shapes.Metric == "TVComplement"].Score.mean(),
}
# All pairs: the same metrics without thresholds.
from sdmetrics.reports.single_table._properties import ColumnPairTrends
prop = ColumnPairTrends()
prop.num_rows_subsample = None
prop.get_score(real, syn, metadata)
all_pairs = prop.details
out["columnPairTrendsAll"] = all_pairs.Score.mean()
out["contingencySimilarity"] = all_pairs[all_pairs.Metric == "ContingencySimilarity"].Score.mean()
out["correlationSimilarity"] = all_pairs[all_pairs.Metric == "CorrelationSimilarity"].Score.mean()
out["qualityAll"] = (out["columnShapes"] + out["columnPairTrendsAll"]) / 2
out["pairsMeetingThreshold"] = int(pairs["Meets Threshold?"].sum())
if target:
    out["logisticRegressionF1"] = BinaryLogisticRegression.compute(real, syn, metadata, target=target)
    # Minority F1 and AUC with the same pipeline.
    from sdmetrics.single_table.efficacy.base import MLEfficacyMetric
    from sdmetrics.utils import HyperTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import RobustScaler
    from sklearn.linear_model import LogisticRegression
    first = real[target].unique()[0]
    ytr = (syn[target] == first).to_numpy(); yte = (real[target] == first).to_numpy()
    ht = HyperTransformer(); Xtr = ht.fit_transform(syn.drop(columns=[target])); Xte = ht.transform(real.drop(columns=[target]))
    pipe = Pipeline([("imputer", SimpleImputer()), ("scaler", RobustScaler()),
                     ("model", LogisticRegression(solver="lbfgs", class_weight="balanced", max_iter=50))])
    pipe.fit(Xtr, ytr)
    p = pipe.predict_proba(Xte)[:, list(pipe.classes_).index(True)]
    pred = p > 0.5
    minority_is_first = yte.mean() < 0.5
    out["minorityF1"] = f1_score(yte if minority_is_first else ~yte, pred if minority_is_first else ~pred)
    out["rocAuc"] = roc_auc_score(yte, p)
digits = 17 if full else 4
print(json.dumps({k: (round(float(v), digits) if not isinstance(v, int) else v) for k, v in out.items()}, indent=1))
