/**
 * TreeSHAP benchmark: 10,000 rows × 20 features on a 100-tree depth-6 XGBoost model (binary:logistic),
 * Aegle's TreeSHAP on the imported model beside XGBoost's own `pred_contribs` on the same model, same
 * run, same threads. Run: `npx tsx bench/explain/tree-shap.ts` (needs /usr/bin/python3 with xgboost).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { closeShapPool, shapAt, treeShapAsync } from '../../src/explain/index.js';
import { importXgboostJson } from '../../src/learn/index.js';

const dir = path.resolve('.tmp/bench-explain');
mkdirSync(dir, { recursive: true });
const here = path.dirname(new URL(import.meta.url).pathname);
execFileSync('/usr/bin/python3', [path.join(here, 'make_model.py'), dir]);
const threads = Number(process.env.THREADS ?? availableParallelism());
const repeats = 3;

const { model } = importXgboostJson(readFileSync(path.join(dir, 'model.json'), 'utf8'));
const raw = new Float64Array(readFileSync(path.join(dir, 'X.f64')).buffer.slice(0));
const n = 10000;
const p = 20;
const data = new Float64Array(n * p);
for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) data[j * n + i] = raw[i * p + j];
const X = { data, nRows: n, nCols: p, columns: [...model.featureNames] };

const xgb = JSON.parse(
  execFileSync('/usr/bin/python3', [
    path.join(here, 'contribs.py'),
    dir,
    String(threads),
    String(repeats),
  ]).toString(),
) as { seconds: number; xgboost: string };

await treeShapAsync(model, X, { threads }); // warm-up: starts the workers
let best = Number.POSITIVE_INFINITY;
let s = await treeShapAsync(model, X, { threads });
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  s = await treeShapAsync(model, X, { threads });
  best = Math.min(best, (performance.now() - t0) / 1000);
}
await closeShapPool();

const ref = new Float64Array(readFileSync(path.join(dir, 'contribs.f64')).buffer.slice(0));
let worst = 0;
for (let i = 0; i < n; i++)
  for (let j = 0; j <= p; j++) worst = Math.max(worst, Math.abs(shapAt(s, i, j) - ref[i * (p + 1) + j]));

console.log(
  `TreeSHAP, ${n} rows × ${p} features, 100 trees depth 6, ${threads} thread(s), best of ${repeats}`,
);
console.log(`  aegle   ${best.toFixed(3)} s`);
console.log(`  xgboost ${xgb.seconds.toFixed(3)} s (pred_contribs, ${xgb.xgboost})`);
console.log(
  `  ratio   ${(best / xgb.seconds).toFixed(2)}× (target ≤ 2×); max |Δ| vs pred_contribs ${worst.toExponential(2)}`,
);
