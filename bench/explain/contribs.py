"""Times XGBoost's own TreeSHAP (pred_contribs) on the bench model; prints JSON. Args: DIR NTHREAD REPEATS."""
import json, sys, time
import numpy as np
import xgboost as xgb

d, nthread, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = xgb.Booster()
b.load_model(f"{d}/model.json")
X = np.fromfile(f"{d}/X.f64").reshape(10000, 20)
m = xgb.DMatrix(X)
b.set_param({"nthread": nthread})
b.predict(m, pred_contribs=True)  # warm-up
best = float("inf")
for _ in range(repeats):
    t = time.perf_counter()
    c = b.predict(m, pred_contribs=True)
    best = min(best, time.perf_counter() - t)
np.asarray(c, dtype=np.float64).tofile(f"{d}/contribs.f64")
print(json.dumps({"seconds": best, "xgboost": xgb.__version__, "nthread": nthread}))
