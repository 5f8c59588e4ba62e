"""Generates the reference numbers the learn/evaluate tests compare against.

Run once (tests never call Python):  /usr/bin/python3 bench/train/make_references.py
Writes src/learn/testdata/references.json. scikit-learn 1.2.1, statsmodels 0.13.5, numpy 1.24.2 (Debian).
"""
import json, sys, numpy as np, pandas as pd, sklearn, statsmodels
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression, LinearRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.naive_bayes import GaussianNB, CategoricalNB
from sklearn import metrics as M
from sklearn.model_selection import train_test_split
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

out = {"provenance": f"bench/train/make_references.py with scikit-learn {sklearn.__version__}, statsmodels {statsmodels.__version__}, numpy {np.__version__}"}
rng = np.random.default_rng(42)

# --- binary logistic data
n, p = 200, 4
X = np.round(rng.normal(size=(n, p)), 4)
logit = 0.3 + X @ np.array([1.0, -0.8, 0.5, 0.0])
y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
sw = np.round(rng.uniform(0.5, 2.0, size=n), 3)
out["bin"] = {"X": X.tolist(), "y": y.tolist(), "sw": sw.tolist()}
def lr(**kw):
    m = LogisticRegression(tol=1e-12, max_iter=100000, **kw)
    return m
r = {}
m = lr(C=0.5).fit(X, y); r["l2_C0.5"] = {"coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0]), "proba": m.predict_proba(X[:5])[:, 1].tolist()}
m = lr(penalty="none").fit(X, y); r["none"] = {"coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0])}
m = lr(C=1.0, class_weight="balanced").fit(X, y); r["balanced"] = {"coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0])}
m = lr(C=1.0, class_weight={0: 1.0, 1: 3.0}).fit(X, y); r["cw_map"] = {"coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0])}
m = lr(C=1.0).fit(X, y, sample_weight=sw); r["sw"] = {"coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0])}
m = lr(C=0.05, penalty="l1", solver="saga").fit(X, y); r["l1_C0.05"] = {"coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0])}
m = lr(C=0.05, penalty="elasticnet", l1_ratio=0.5, solver="saga").fit(X, y); r["en_C0.05"] = {"coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0])}
m = lr(C=1.0, fit_intercept=False).fit(X, y); r["nointercept"] = {"coef": m.coef_[0].tolist()}
res = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12, maxiter=1000)
ci = res.conf_int(0.05)
r["statsmodels"] = {"params": res.params.tolist(), "bse": res.bse.tolist(), "z": res.tvalues.tolist(), "p": res.pvalues.tolist(), "ci_low": ci[:, 0].tolist(), "ci_high": ci[:, 1].tolist()}
out["bin"]["ref"] = r

# --- multiclass
n3 = 150
X3 = np.round(rng.normal(size=(n3, 3)), 4)
W = np.array([[1.0, -0.5, 0.2], [-0.7, 0.9, 0.0], [0.0, 0.0, -1.0]])
P = np.exp(X3 @ W.T); P /= P.sum(1, keepdims=True)
y3 = np.array([rng.choice(3, p=pp) for pp in P])
m = LogisticRegression(C=1.0, tol=1e-12, max_iter=100000).fit(X3, y3)
out["multi"] = {"X": X3.tolist(), "y": y3.tolist(), "coef": m.coef_.tolist(), "intercept": m.intercept_.tolist(), "proba": m.predict_proba(X3[:5]).tolist()}

# --- linear regression
nl = 80
XL = np.round(rng.normal(size=(nl, 3)), 4)
yl = np.round(2.0 + XL @ np.array([1.5, -2.0, 0.0]) + rng.normal(scale=0.7, size=nl), 4)
ols = sm.OLS(yl, sm.add_constant(XL)).fit(); ci = ols.conf_int(0.05)
rd = Ridge(alpha=2.0).fit(XL, yl)
lrm = LinearRegression().fit(XL, yl, sample_weight=sw[:nl])
out["linear"] = {"X": XL.tolist(), "y": yl.tolist(), "sw": sw[:nl].tolist(), "ols": {"params": ols.params.tolist(), "bse": ols.bse.tolist(), "t": ols.tvalues.tolist(), "p": ols.pvalues.tolist(), "ci_low": ci[:, 0].tolist(), "ci_high": ci[:, 1].tolist(), "r2": ols.rsquared}, "ridge2": {"coef": rd.coef_.tolist(), "intercept": float(rd.intercept_)}, "wls": {"coef": lrm.coef_.tolist(), "intercept": float(lrm.intercept_)}}

# --- kNN / NB on the binary data
Q = np.round(rng.normal(size=(6, p)), 4)
kn = {}
for w in ["uniform", "distance"]:
    for metric in ["euclidean", "manhattan"]:
        c = KNeighborsClassifier(n_neighbors=7, weights=w, metric=metric).fit(X, y)
        rg = KNeighborsRegressor(n_neighbors=7, weights=w, metric=metric).fit(X, X[:, 3])
        kn[f"{w}_{metric}"] = {"proba": c.predict_proba(Q)[:, 1].tolist(), "reg": rg.predict(Q).tolist()}
out["knn"] = {"Q": Q.tolist(), "ref": kn}
g = GaussianNB().fit(X3, y3)
out["gnb"] = {"proba": g.predict_proba(X3[:6]).tolist(), "theta": g.theta_.tolist(), "var": g.var_.tolist()}
g2 = GaussianNB(var_smoothing=0.1).fit(X3, y3)
out["gnb_vs"] = {"proba": g2.predict_proba(X3[:6]).tolist()}
Xc = rng.integers(0, 3, size=(60, 2)); Xc[:, 1] = rng.integers(0, 4, size=60)
yc = ((Xc[:, 0] + rng.integers(0, 2, size=60)) > 1).astype(int)
cnb = CategoricalNB(alpha=1.0).fit(Xc, yc); cnb2 = CategoricalNB(alpha=0.5).fit(Xc, yc)
out["cnb"] = {"X": Xc.tolist(), "y": yc.tolist(), "proba": cnb.predict_proba(Xc[:6]).tolist(), "proba_a05": cnb2.predict_proba(Xc[:6]).tolist()}

# --- metrics
yt = rng.integers(0, 2, size=40)
ys = np.round(np.clip(yt * 0.3 + rng.uniform(size=40) * 0.7, 0.01, 0.99), 1)  # rounded: many ties
yp = (ys >= 0.5).astype(int)
tn, fp, fn, tp = M.confusion_matrix(yt, yp).ravel()
out["metrics"] = {
    "y_true": yt.tolist(), "y_score": ys.tolist(),
    "accuracy": M.accuracy_score(yt, yp), "balanced_accuracy": M.balanced_accuracy_score(yt, yp),
    "recall": M.recall_score(yt, yp), "specificity": tn / (tn + fp), "precision": M.precision_score(yt, yp), "npv": tn / (tn + fn),
    "f1": M.f1_score(yt, yp), "auroc": M.roc_auc_score(yt, ys), "average_precision": M.average_precision_score(yt, ys),
    "log_loss": M.log_loss(yt, ys), "brier": M.brier_score_loss(yt, ys), "confusion": M.confusion_matrix(yt, yp).tolist(),
}
sw40 = np.round(rng.uniform(0.5, 2, size=40), 2)
out["metrics"]["sw"] = sw40.tolist()
out["metrics"]["auroc_w"] = M.roc_auc_score(yt, ys, sample_weight=sw40)
out["metrics"]["ap_w"] = M.average_precision_score(yt, ys, sample_weight=sw40)
ym = rng.integers(0, 3, size=30)
S = rng.uniform(size=(30, 3)); S[np.arange(30), ym] += 0.4; S = np.round(S / S.sum(1, keepdims=True), 3); S[:, 2] = 1 - S[:, 0] - S[:, 1]
out["metrics_multi"] = {"y_true": ym.tolist(), "proba": S.tolist(), "macro": M.roc_auc_score(ym, S, multi_class="ovr", average="macro"), "weighted": M.roc_auc_score(ym, S, multi_class="ovr", average="weighted"), "log_loss": M.log_loss(ym, S), "accuracy": M.accuracy_score(ym, S.argmax(1)), "balanced_accuracy": M.balanced_accuracy_score(ym, S.argmax(1)), "f1_macro": M.f1_score(ym, S.argmax(1), average="macro")}
rt = np.round(rng.normal(size=25), 3); rp = np.round(rt + rng.normal(scale=0.5, size=25), 3)
out["metrics_reg"] = {"y_true": rt.tolist(), "y_pred": rp.tolist(), "mae": M.mean_absolute_error(rt, rp), "rmse": float(np.sqrt(M.mean_squared_error(rt, rp))), "r2": M.r2_score(rt, rp)}

# --- real data: heart disease (num > 0), heart failure (DEATH_EVENT); stratified 70/30, random_state=0
def real(path, target, positive):
    df = pd.read_csv(path, na_values=["?"])
    df.columns = [c.strip("()").split(")")[0] for c in df.columns] if path.endswith("cleveland.data.csv") else df.columns
    yv = positive(df[target]).astype(int).values
    Xv = df.drop(columns=[target])
    idx = np.arange(len(df))
    tr, te = train_test_split(idx, test_size=0.3, stratify=yv, random_state=0)
    imp = SimpleImputer(strategy="median").fit(Xv.iloc[tr]); sc = StandardScaler().fit(imp.transform(Xv.iloc[tr]))
    f = lambda ii: sc.transform(imp.transform(Xv.iloc[ii]))
    m = LogisticRegression(C=1.0, max_iter=1000).fit(f(tr), yv[tr])
    return {"columns": list(Xv.columns), "train": sorted(tr.tolist()), "test": sorted(te.tolist()), "auroc": M.roc_auc_score(yv[te], m.predict_proba(f(te))[:, 1]), "coef": m.coef_[0].tolist()}
base = "../shared/data/tabular/"
out["heart_disease"] = real(base + "uci-heart-disease-processed.cleveland.data.csv", "num", lambda s: s > 0)
out["heart_failure"] = real(base + "uci-heart-failure-clinical-records.csv", "DEATH_EVENT", lambda s: s == 1)
json.dump(out, open("src/learn/testdata/references.json", "w"))
print("ok", out["heart_disease"]["auroc"], out["heart_failure"]["auroc"])
