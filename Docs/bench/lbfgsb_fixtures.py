"""Reference values for Tests/SliceGenTests/LBFGSBTests.swift, computed with scipy itself
(scipy 1.17.1, numpy 2.4, scikit-learn 1.9.1, in the venv of Docs/evaluation.md):
  .venv-sdm/bin/python Docs/bench/lbfgsb_fixtures.py
Prints, with every digit:
  1. scipy.optimize.minimize(method="L-BFGS-B") on the 2-D Rosenbrock function from (-1.2, 1)
     with default options: every iterate, nit, nfev, and the stop message;
  2. the same with scikit-learn's options (maxls 50, gtol 1e-4, ftol 64 eps) stopped at 5
     iterations; and with default options but maxls 1 and 2 (failed line searches);
  3. the Moré–Thuente search (scipy's DCSRCH, the Python twin of the C dcsrch) on
     phi(a) = -a / (a^2 + 2) from a = 1e-3 and a = 10 (Moré & Thuente 1994, function 1) with
     L-BFGS-B's ftol 1e-3, gtol 0.9, xtol 0.1: every trial step;
  4. scikit-learn's LogisticRegression(lbfgs, C=1, class_weight="balanced", max_iter=3) on a
     12-row problem: coefficients, intercept, nit, nfev;
  5. SDMetrics' BinaryLogisticRegression pipeline on samples/adult (train as the table, the
     positive label the first of test.csv): nit, nfev, intercept, the numeric coefficients, and
     the whole vector (intercept last) written to the file named by a first argument, if any.
"""
import sys
import warnings
import numpy as np
from scipy.optimize import minimize
from scipy.optimize._dcsrch import DCSRCH
warnings.filterwarnings("ignore")

def rosen(x):
    f = 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
    g = np.array([-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200 * (x[1] - x[0] ** 2)])
    return f, g

iterates = []
res = minimize(rosen, np.array([-1.2, 1.0]), jac=True, method="L-BFGS-B",
               callback=lambda x: iterates.append(x.copy()))
print("1. rosenbrock default: nit", res.nit, "nfev", res.nfev, res.message)
for k, x in enumerate(iterates, 1):
    print(f"   {k}: [{float(x[0])!r}, {float(x[1])!r}]")
print("   fun", repr(float(res.fun)))

res = minimize(rosen, np.array([-1.2, 1.0]), jac=True, method="L-BFGS-B",
               options={"maxiter": 5, "maxls": 50, "gtol": 1e-4, "ftol": 64 * np.finfo(float).eps})
print("2. rosenbrock sklearn options, maxiter 5: nit", res.nit, "nfev", res.nfev, res.message)
print(f"   x [{float(res.x[0])!r}, {float(res.x[1])!r}] fun {float(res.fun)!r}")

for maxls in (1, 2):
    res = minimize(rosen, np.array([-1.2, 1.0]), jac=True, method="L-BFGS-B",
                   options={"maxls": maxls})
    print(f"2b. rosenbrock maxls {maxls}: nit {res.nit} nfev {res.nfev} {res.message} "
          f"x {[float(v) for v in res.x]!r}")

phi = lambda a: -a / (a * a + 2)
dphi = lambda a: (a * a - 2) / (a * a + 2) ** 2
phi2 = lambda a: (a + 0.004) ** 5 - 2 * (a + 0.004) ** 4
dphi2 = lambda a: 5 * (a + 0.004) ** 4 - 8 * (a + 0.004) ** 3
phi3 = lambda a: -np.sin(a) * np.exp(-a / 2)
dphi3 = lambda a: -np.cos(a) * np.exp(-a / 2) + 0.5 * np.sin(a) * np.exp(-a / 2)
for name, f, df, a0, gtol in [("1", phi, dphi, 1e-3, 0.1), ("1", phi, dphi, 1000.0, 0.9),
                              ("3", phi3, dphi3, 1000.0, 0.1), ("2", phi2, dphi2, 10.0, 0.9),
                              ("1", phi, dphi, 10.0, 0.9)]:
    steps = []
    def logged(a):
        steps.append(float(a))
        return f(a)
    search = DCSRCH(logged, df, ftol=1e-3, gtol=gtol, xtol=0.1, stpmin=0, stpmax=1e10)
    _, _, _, task = search(a0, phi0=f(0.0), derphi0=df(0.0), maxiter=50)
    print(f"3. function {name} from {a0}, gtol {gtol}: trial steps {steps!r} -> {task.decode()}")

from sklearn.linear_model import LogisticRegression
X = np.array([[0.5, 1.0], [1.5, -0.5], [-1.0, 2.0], [2.0, 0.0], [0.0, 0.5], [-0.5, -1.5],
              [1.0, 1.0], [3.0, -1.0], [-2.0, 0.5], [0.5, -0.5], [1.5, 2.5], [-1.5, -0.5]])
y = np.array([1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0])
y[4] = 1; y[6] = 0  # not separable
import scipy.optimize as so
import sklearn.linear_model._logistic as L
cap = {}
orig = so.minimize
def spy(*a, **k):
    r = orig(*a, **k); cap["res"] = r; return r
L.optimize.minimize = spy
model = LogisticRegression(solver="lbfgs", class_weight="balanced", max_iter=3).fit(X, y)
r = cap["res"]
print("4. logistic regression max_iter 3: nit", r.nit, "nfev", r.nfev)
print(f"   coef {[float(v) for v in model.coef_[0]]!r} intercept {float(model.intercept_[0])!r}")

import json, pandas as pd
from sdmetrics.utils import HyperTransformer
from sklearn.pipeline import Pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import RobustScaler
schema = json.load(open("samples/adult/schema.json"))
names = [c["name"] for c in schema["columns"] if not c.get("drop")]
train = pd.read_csv("samples/adult/train.csv")[names]
test = pd.read_csv("samples/adult/test.csv")[names]
y = (train["income"] == test["income"].unique()[0]).to_numpy()
X = HyperTransformer().fit_transform(train.drop(columns=["income"]))
pipe = Pipeline([("imputer", SimpleImputer()), ("scaler", RobustScaler()),
                 ("model", LogisticRegression(solver="lbfgs", class_weight="balanced",
                                              max_iter=50))]).fit(X, y)
r = cap["res"]
print("5. adult: nit", r.nit, "nfev", r.nfev, r.message)
print(f"   intercept {float(r.x[-1])!r} numeric {[float(v) for v in r.x[:4]]!r} norm "
      f"{float(np.linalg.norm(r.x))!r}")
if len(sys.argv) > 1:
    np.savetxt(sys.argv[1], r.x, fmt="%.17g")

# 6. The same on education, sex and relationship alone: well conditioned, converges in time.
few = ["education", "sex", "relationship"]
X = HyperTransformer().fit_transform(train[few])
pipe = Pipeline([("imputer", SimpleImputer()), ("scaler", RobustScaler()),
                 ("model", LogisticRegression(solver="lbfgs", class_weight="balanced",
                                              max_iter=50))]).fit(X, y)
r = cap["res"]
print("6. adult, 3 categorical columns: nit", r.nit, "nfev", r.nfev, r.message)
print(f"   intercept {float(r.x[-1])!r}")
