/**
 * Logistic regression fit time beside scikit-learn's lbfgs, same data, same run.
 *
 *   npx tsx bench/train/logistic.ts [.bench-out/synth200k.csv]
 *
 * Data: ../shared/peers/speed_bench.py's `make_classification(n_samples=200_000, n_features=30,
 * n_informative=12, random_state=0)` CSV (generated here with the same call when absent). Peer:
 * `LogisticRegression(solver='lbfgs', max_iter=1000)` on the raw features (as speed_bench.py), timed
 * inside one Python process (median of 3), with OMP/OpenBLAS limited to 2 threads. Ours: the same
 * objective (L2, C = 1), the same stopping tolerance (max |gradient| of the mean objective ≤ 1e-4) and
 * our default (1e-6), median of 3, single thread. Also prints the breast-cancer test AUROC of both
 * (stratified 70/30, random_state=0, standardised) — that data set ships with Debian's sklearn and is not
 * copied into the project.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Matrix } from '../../src/core/index.js';
import { auroc } from '../../src/evaluate/index.js';
import { LogisticRegression } from '../../src/learn/index.js';

const PY = '/usr/bin/python3';
const file = process.argv[2] ?? '.bench-out/synth200k.csv';
const env = { ...process.env, OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2', MKL_NUM_THREADS: '2' };

if (!existsSync(file)) {
  console.error(`generating ${file} …`);
  execFileSync(PY, [
    '-c',
    `
from sklearn.datasets import make_classification
import pandas as pd
X, y = make_classification(n_samples=200_000, n_features=30, n_informative=12, random_state=0)
df = pd.DataFrame(X, columns=[f"f{i}" for i in range(30)]); df["y"] = y
df.to_csv(${JSON.stringify(file)}, index=False)`,
  ]);
}

function readCsv(path: string): { X: Matrix; y: Float64Array } {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const p = header.length - 1;
  const n = lines.length - 1;
  const data = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const parts = lines[i + 1].split(',');
    for (let j = 0; j < p; j++) data[j * n + i] = Number(parts[j]);
    y[i] = Number(parts[p]);
  }
  return { X: { data, nRows: n, nCols: p, columns: header.slice(0, p) }, y };
}

const median = (a: number[]) => [...a].sort((x, z) => x - z)[Math.floor(a.length / 2)];

async function main() {
  const { X, y } = readCsv(file);
  const peer = JSON.parse(
    execFileSync(
      PY,
      [
        '-c',
        `
import json, time, numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, log_loss
df = pd.read_csv(${JSON.stringify(file)}, float_precision="round_trip")
X = df.drop(columns=["y"]).values; y = df["y"].values
ts = []; cs = []
for _ in range(3):
    t0 = time.perf_counter(); c0 = time.process_time(); m = LogisticRegression(solver="lbfgs", max_iter=1000).fit(X, y); ts.append(time.perf_counter() - t0); cs.append(time.process_time() - c0)
p = m.predict_proba(X)[:, 1]
print(json.dumps({"fit_s": sorted(ts)[1], "all_s": ts, "cpu_s": sorted(cs)[1], "n_iter": int(m.n_iter_[0]), "train_auroc": roc_auc_score(y, p), "log_loss": log_loss(y, p), "coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0])}))
`,
      ],
      { env, maxBuffer: 1 << 24 },
    ).toString(),
  );
  const rows: string[] = [];
  const results: Record<string, unknown> = { data: { file, rows: X.nRows, features: X.nCols }, peer };
  for (const tol of [1e-4, 1e-6]) {
    const ts: number[] = [];
    const cs: number[] = [];
    let m = await new LogisticRegression({ tol }).fit(X, y);
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      m = await new LogisticRegression({ tol }).fit(X, y);
      ts.push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      cs.push((c.user + c.system) / 1e6);
    }
    const cpu = median(cs);
    const proba = m.predictProba(X);
    const score = Float64Array.from({ length: X.nRows }, (_, i) => proba[2 * i + 1]);
    let ll = 0;
    for (let i = 0; i < X.nRows; i++) ll -= Math.log(y[i] === 1 ? score[i] : 1 - score[i]);
    ll /= X.nRows;
    let maxDiff = Math.abs(m.intercept[0] - peer.intercept);
    for (let j = 0; j < X.nCols; j++) maxDiff = Math.max(maxDiff, Math.abs(m.coef[j] - peer.coef[j]));
    const fit = median(ts);
    results[`aegle_tol_${tol}`] = {
      fit_s: fit,
      all_s: ts,
      cpu_s: cpu,
      iterations: m.info.iterations,
      train_auroc: auroc(y, score),
      log_loss: ll,
      max_coef_diff_vs_sklearn: maxDiff,
    };
    rows.push(
      `| Aegle LogisticRegression (L-BFGS, tol ${tol}), 1 thread | ${fit.toFixed(3)} s | ${(fit / peer.fit_s).toFixed(2)}× | ${cpu.toFixed(3)} s | ${m.info.iterations} | ${auroc(y, score).toFixed(6)} | ${ll.toFixed(6)} | ${maxDiff.toExponential(1)} |`,
    );
  }
  const bc = JSON.parse(
    execFileSync(
      PY,
      [
        '-c',
        `
import json
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
X, y = load_breast_cancer(return_X_y=True)
tr, te = train_test_split(range(len(y)), test_size=0.3, stratify=y, random_state=0)
sc = StandardScaler().fit(X[tr])
m = LogisticRegression(C=1.0, max_iter=1000).fit(sc.transform(X[tr]), y[tr])
print(json.dumps({"Xtr": sc.transform(X[tr]).tolist(), "ytr": y[tr].tolist(), "Xte": sc.transform(X[te]).tolist(), "yte": y[te].tolist(), "auroc": roc_auc_score(y[te], m.predict_proba(sc.transform(X[te]))[:, 1])}))
`,
      ],
      { env, maxBuffer: 1 << 26 },
    ).toString(),
  );
  const toM = (rows2: number[][]): Matrix => {
    const n = rows2.length;
    const p = rows2[0].length;
    const data = new Float64Array(n * p);
    rows2.forEach((r, i) => {
      r.forEach((v, j) => {
        data[j * n + i] = v;
      });
    });
    return { data, nRows: n, nCols: p, columns: Array.from({ length: p }, (_, j) => `x${j}`) };
  };
  const bm = await new LogisticRegression({ C: 1 }).fit(toM(bc.Xtr), Float64Array.from(bc.ytr));
  const bp = bm.predictProba(toM(bc.Xte));
  const bcAuroc = auroc(
    Float64Array.from(bc.yte),
    Float64Array.from({ length: bc.yte.length }, (_, i) => bp[2 * i + 1]),
  );
  results.breast_cancer = { sklearn_test_auroc: bc.auroc, aegle_test_auroc: bcAuroc };

  const table = [
    '| fit | wall time (median of 3) | vs sklearn | CPU time | iterations | train AUROC | train log loss | max |coef − sklearn| |',
    '|---|---|---|---|---|---|---|---|',
    `| scikit-learn 1.2.1 LogisticRegression(solver='lbfgs', max_iter=1000), 2 BLAS threads | ${peer.fit_s.toFixed(3)} s | 1.00× | ${peer.cpu_s.toFixed(3)} s | ${peer.n_iter} | ${peer.train_auroc.toFixed(6)} | ${peer.log_loss.toFixed(6)} | – |`,
    ...rows,
  ].join('\n');
  console.log(table);
  console.log(
    `\nbreast cancer (stratified 70/30, random_state=0, standardised, C=1): test AUROC sklearn ${bc.auroc.toFixed(4)}, Aegle ${bcAuroc.toFixed(4)}`,
  );
  writeFileSync('.bench-out/train-logistic.json', JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
