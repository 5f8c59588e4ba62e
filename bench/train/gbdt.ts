/**
 * GBDT training benchmark beside scikit-learn HistGradientBoosting and XGBoost hist, in one run on the
 * peers' data: make_classification(n_samples=200_000, n_features=30, n_informative=12, random_state=0),
 * first 160,000 rows to train, last 40,000 held out. 100 iterations, lr 0.1, 2 threads.
 *
 *   npx tsx bench/train/gbdt.ts            (writes .bench-out/synth200k.csv first if absent)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { closeTreePool, enableParallelPredict } from '../../src/compute/index.js';
import type { Matrix } from '../../src/core/index.js';
import { GbdtEstimator } from '../../src/learn/gbdt/gbdt.js';
import { auroc } from '../../src/learn/tree/heart.testdata.js';

export const CSV = '.bench-out/synth200k.csv';
export const N_TRAIN = 160_000;

export function ensureData(): void {
  if (existsSync(CSV)) return;
  mkdirSync('.bench-out', { recursive: true });
  execFileSync('/usr/bin/python3', [
    '-c',
    `from sklearn.datasets import make_classification; import pandas as pd
X,y=make_classification(n_samples=200_000,n_features=30,n_informative=12,random_state=0)
df=pd.DataFrame(X,columns=[f'f{i}' for i in range(30)]); df['y']=y; df.to_csv('${CSV}',index=False)`,
  ]);
}

export function loadSplit(): {
  Xtr: Matrix;
  ytr: Float64Array;
  Xte: Matrix;
  yte: Float64Array;
  Xall: Matrix;
} {
  const text = readFileSync(CSV, 'utf8');
  const lines = text.trim().split('\n');
  const p = lines[0].split(',').length - 1;
  const n = lines.length - 1;
  const cols = lines[0].split(',').slice(0, p);
  const all = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = lines[i + 1].split(',');
    for (let j = 0; j < p; j++) all[j * n + i] = Number(f[j]);
    y[i] = Number(f[p]);
  }
  const part = (a: number, b: number): Matrix => {
    const m = b - a;
    const d = new Float64Array(m * p);
    for (let j = 0; j < p; j++) d.set(all.subarray(j * n + a, j * n + b), j * m);
    return { data: d, nRows: m, nCols: p, columns: cols };
  };
  return {
    Xtr: part(0, N_TRAIN),
    ytr: y.slice(0, N_TRAIN),
    Xte: part(N_TRAIN, n),
    yte: y.slice(N_TRAIN),
    Xall: { data: all, nRows: n, nCols: p, columns: cols },
  };
}

/** Runs a Python peer snippet (`fit`/`proba` defined by `models`) and returns its JSON result. */
export function runPeers(
  models: string,
  reps = 2,
): Record<string, { fit_s: number; predict_rows_s: number; auroc: number }> {
  const py = `
import json, time, sys, numpy as np, pandas as pd
from sklearn.metrics import roc_auc_score
d = pd.read_csv('${CSV}', float_precision='round_trip'); X = d.iloc[:, :30].to_numpy(); y = d['y'].to_numpy()
Xtr, ytr, Xte, yte = X[:${N_TRAIN}], y[:${N_TRAIN}], X[${N_TRAIN}:], y[${N_TRAIN}:]
${models}
out = {}
for name, make in MODELS.items():
    fits = []
    for r in range(${reps}):
        m = make(); t = time.perf_counter(); m.fit(Xtr, ytr); fits.append(time.perf_counter() - t)
    t = time.perf_counter(); p = m.predict_proba(X)[:, 1]; pt = time.perf_counter() - t
    out[name] = {'fit_s': min(fits), 'predict_rows_s': len(X) / pt, 'auroc': roc_auc_score(yte, m.predict_proba(Xte)[:, 1])}
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', maxBuffer: 1 << 24 }));
}

async function main(): Promise<void> {
  ensureData();
  const { Xtr, ytr, Xte, yte, Xall } = loadSplit();
  const rawMB = (Xtr.data.byteLength + ytr.byteLength) / 1e6;
  const rssBefore = process.memoryUsage().rss / 1e6;
  const maxBefore = process.resourceUsage().maxRSS / 1e3;
  const configs: Array<[string, Record<string, unknown>]> = [
    ['aegle depth-wise, depth 6', { growth: 'depthwise', maxDepth: 6 }],
    ['aegle leaf-wise, 31 leaves', { growth: 'leafwise', numLeaves: 31 }],
  ];
  const rows: string[] = [];
  let peakTrainRss = 0;
  for (const [label, params] of configs) {
    const est = new GbdtEstimator({ nEstimators: 100, learningRate: 0.1, ...params });
    const fits: number[] = [];
    let model = null as Awaited<ReturnType<GbdtEstimator['fit']>> | null;
    for (let r = 0; r < 2; r++) {
      const t0 = performance.now();
      model = await est.fit(Xtr, ytr, { threads: 2 });
      fits.push((performance.now() - t0) / 1000);
      peakTrainRss = Math.max(peakTrainRss, process.resourceUsage().maxRSS / 1e3);
    }
    // prediction on two threads, as the peers' (n_jobs=2 / OpenMP) and as the model server scores
    enableParallelPredict(true);
    model!.predictProba(Xte); // warm-up
    const t1 = performance.now();
    model!.predictProba(Xall);
    const predRate = Xall.nRows / ((performance.now() - t1) / 1000);
    enableParallelPredict(false);
    const p = model!.predictProba(Xte);
    const a = auroc(
      Float64Array.from({ length: Xte.nRows }, (_, i) => p[2 * i + 1]),
      yte,
    );
    rows.push(
      `| ${label} | ${Math.min(...fits).toFixed(2)} | ${(predRate / 1e6).toFixed(2)}M | ${a.toFixed(4)} |`,
    );
    console.log(rows[rows.length - 1]);
  }
  await closeTreePool();
  const peers = runPeers(`
from sklearn.ensemble import HistGradientBoostingClassifier
from xgboost import XGBClassifier
MODELS = {
  'sklearn HistGradientBoosting(max_iter=100)': lambda: HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0),
  'XGBoost hist (100 trees, depth 6, n_jobs=2)': lambda: XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method='hist', n_jobs=2, random_state=0),
}`);
  for (const [k, v] of Object.entries(peers)) {
    rows.push(
      `| ${k} | ${v.fit_s.toFixed(2)} | ${(v.predict_rows_s / 1e6).toFixed(2)}M | ${v.auroc.toFixed(4)} |`,
    );
    console.log(rows[rows.length - 1]);
  }
  const mem = `peak RSS: ${peakTrainRss.toFixed(0)} MB (process max; before training rss ${rssBefore.toFixed(0)} MB, max ${maxBefore.toFixed(0)} MB after CSV parsing); raw training data ${rawMB.toFixed(1)} MB`;
  console.log(mem);
  mkdirSync('.bench-out', { recursive: true });
  writeFileSync(
    '.bench-out/gbdt-bench.md',
    `| model | fit s (best of 2) | predict rows/s | test AUROC |\n|---|---|---|---|\n${rows.join('\n')}\n\n${mem}\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
