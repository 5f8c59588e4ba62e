"""Reference AUROCs for src/learn/gbdt/gbdt.test.ts and src/learn/tree/trees.test.ts (UCI heart disease).
Run: npx tsx bench/train/tree-references.ts   (exports the TS split to .tmp/heart-split.csv, then runs this with /usr/bin/python3)."""
import numpy as np, pandas as pd, json
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import roc_auc_score
from xgboost import XGBClassifier
df = pd.read_csv('../shared/data/tabular/uci-heart-disease-processed.cleveland.data.csv', na_values='?')
X = df.iloc[:, :13].to_numpy(float); y = (df.iloc[:, 13] > 0).astype(int).to_numpy()
sp = pd.read_csv('.tmp/heart-split.csv')
tr = sp[sp.set == 'train'].row.to_numpy(); te = sp[sp.set == 'test'].row.to_numpy()
Xtr, Xte, ytr, yte = X[tr], X[te], y[tr], y[te]
out = {}
h = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, l2_regularization=0, early_stopping=False, random_state=0).fit(Xtr, ytr)
out['hgb'] = roc_auc_score(yte, h.predict_proba(Xte)[:, 1])
x = XGBClassifier(n_estimators=100, max_depth=3, learning_rate=0.1, tree_method='hist', reg_lambda=1, min_child_weight=1, n_jobs=1, random_state=0).fit(Xtr, ytr)
out['xgb'] = roc_auc_score(yte, x.predict_proba(Xte)[:, 1])
med = np.nanmedian(Xtr, axis=0)
Xtr_i = np.where(np.isnan(Xtr), med, Xtr); Xte_i = np.where(np.isnan(Xte), med, Xte)
rf = [roc_auc_score(yte, RandomForestClassifier(n_estimators=300, random_state=s, n_jobs=2).fit(Xtr_i, ytr).predict_proba(Xte_i)[:, 1]) for s in range(5)]
out['rf_seeds'] = rf; out['rf_mean'] = float(np.mean(rf)); out['rf_sd'] = float(np.std(rf))
print(json.dumps(out, indent=1))
