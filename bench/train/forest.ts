/**
 * Random forest benchmark beside scikit-learn's RandomForestClassifier (100 trees, n_jobs=2) on the
 * peers' 200,000 × 30 data (160,000 train / 40,000 held out), in one run.
 *
 *   npx tsx bench/train/forest.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { closeTreePool } from '../../src/compute/index.js';
import { RandomForest } from '../../src/learn/forest.js';
import { auroc } from '../../src/learn/tree/heart.testdata.js';
import { ensureData, loadSplit, runPeers } from './gbdt.js';

ensureData();
const { Xtr, ytr, Xte, yte, Xall } = loadSplit();
const t0 = performance.now();
const m = await new RandomForest({ nEstimators: 100, seed: 0 }).fit(Xtr, ytr, { threads: 2 });
const fit = (performance.now() - t0) / 1000;
const t1 = performance.now();
m.predictProba(Xall);
const rate = Xall.nRows / ((performance.now() - t1) / 1000);
const p = m.predictProba(Xte);
const a = auroc(
  Float64Array.from({ length: Xte.nRows }, (_, i) => p[2 * i + 1]),
  yte,
);
await closeTreePool();
const rows = [
  `| aegle random-forest (100 trees, 2 threads) | ${fit.toFixed(1)} | ${(rate / 1e3).toFixed(0)}k | ${a.toFixed(4)} |`,
];
console.log(rows[0]);
const peers = runPeers(
  `
from sklearn.ensemble import RandomForestClassifier
MODELS = {'sklearn RandomForestClassifier(100, n_jobs=2)': lambda: RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=0)}`,
  1,
);
for (const [k, v] of Object.entries(peers))
  rows.push(
    `| ${k} | ${v.fit_s.toFixed(1)} | ${(v.predict_rows_s / 1e3).toFixed(0)}k | ${v.auroc.toFixed(4)} |`,
  );
console.log(rows[rows.length - 1]);
mkdirSync('.bench-out', { recursive: true });
writeFileSync(
  '.bench-out/forest-bench.md',
  `| model | fit s | predict rows/s | test AUROC |\n|---|---|---|---|\n${rows.join('\n')}\n`,
);
