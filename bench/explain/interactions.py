"""Times XGBoost's SHAP interaction values (pred_interactions) on the first ROWS bench rows; prints JSON.
Args: DIR NTHREAD ROWS."""
import json, sys, time
import numpy as np
import xgboost as xgb

d, nthread, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = xgb.Booster()
b.load_model(f"{d}/model.json")
X = np.fromfile(f"{d}/X.f64").reshape(10000, 20)[:rows]
m = xgb.DMatrix(X)
b.set_param({"nthread": nthread})
t = time.perf_counter()
v = b.predict(m, pred_interactions=True)
seconds = time.perf_counter() - t
np.asarray(v, dtype=np.float64).tofile(f"{d}/interactions.f64")
print(json.dumps({"seconds": seconds, "xgboost": xgb.__version__, "nthread": nthread}))
