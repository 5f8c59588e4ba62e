"""Bench model for bench/explain/tree-shap.ts: 100 trees, depth 6, 10,000 rows x 20 features (5% missing)."""
import numpy as np, xgboost as xgb, time, os, sys
out = sys.argv[1]
rng = np.random.default_rng(1)
n, p = 10000, 20
X = rng.normal(size=(n, p)).astype(np.float32)
X[rng.random((n, p)) < 0.05] = np.nan
lin = X[:, 0] - 2*np.nan_to_num(X[:, 1]) + np.nan_to_num(X[:, 2])*np.nan_to_num(X[:, 3])
y = (lin + rng.logistic(size=n) > 0).astype(np.float32)
d = xgb.DMatrix(X, label=y)
b = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "nthread": 2}, d, 100)
b.save_model(os.path.join(out, "model.json"))
X.astype(np.float64).tofile(os.path.join(out, "X.f64"))
