/**
 * Benchmark: fit + transform of impute(median) → standard scale → one-hot on a 1,000,000 × 30 frame
 * (25 numeric columns with ~5% NaN, 5 categoricals with 10 levels), against scikit-learn's
 * ColumnTransformer([Pipeline(SimpleImputer(median), StandardScaler()), OneHotEncoder()]) on the same
 * data. Both sides read the same binary files (little-endian float64 / int32); only fit+transform is
 * timed on each side. Run: `npx tsx bench/pipeline/run.ts [rows]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Column, Rng, makeFrame } from '../../src/core/index.js';
import { OneHotEncoder, Pipeline, Scaler, SimpleImputer } from '../../src/transform/index.js';

const nRows = Number(process.argv[2] ?? 1_000_000);
const nNum = 25;
const nCat = 5;
const nLevels = 10;
const rng = new Rng(42);

const num: Float64Array[] = [];
for (let j = 0; j < nNum; j++) {
  const x = new Float64Array(nRows);
  const mu = 50 + j;
  const sd = 5 + j / 2;
  for (let i = 0; i < nRows; i++) x[i] = rng.uniform() < 0.05 ? Number.NaN : mu + sd * rng.normal();
  num.push(x);
}
const cat: Int32Array[] = [];
for (let j = 0; j < nCat; j++) {
  const c = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) c[i] = Math.floor(rng.uniform() * nLevels);
  cat.push(c);
}
const levels = Array.from({ length: nLevels }, (_, k) => `L${k}`);
const columns: Column[] = [
  ...num.map((values, j): Column => ({ kind: 'numeric', name: `x${j}`, values })),
  ...cat.map((codes, j): Column => ({ kind: 'categorical', name: `c${j}`, codes, dictionary: levels })),
];
const frame = makeFrame(columns);

const pipeline = new Pipeline([
  ['impute', new SimpleImputer({ strategy: 'median' })],
  ['scale', new Scaler({ method: 'standard' })],
  ['onehot', new OneHotEncoder({ handleUnknown: 'ignore' })],
]);

// warm-up on a slice (JIT), then the timed run
const small = makeFrame(
  columns.map((c) =>
    c.kind === 'categorical'
      ? { ...c, codes: c.codes.subarray(0, 10_000) }
      : { ...c, values: c.values.subarray(0, 10_000) },
  ),
);
pipeline.fitTransform(small);
const times: number[] = [];
let outCols = 0;
for (let rep = 0; rep < 3; rep++) {
  const t0 = performance.now();
  const { frame: out } = pipeline.fitTransform(frame);
  times.push((performance.now() - t0) / 1000);
  outCols = out.columns.length;
}
const aegle = Math.min(...times);

const dir = mkdtempSync(path.join(tmpdir(), 'aegle-bench-'));
let sk = Number.NaN;
try {
  const numBuf = new Float64Array(nRows * nNum);
  for (let j = 0; j < nNum; j++) numBuf.set(num[j], j * nRows);
  writeFileSync(path.join(dir, 'num.f64'), new Uint8Array(numBuf.buffer));
  const catBuf = new Int32Array(nRows * nCat);
  for (let j = 0; j < nCat; j++) catBuf.set(cat[j], j * nRows);
  writeFileSync(path.join(dir, 'cat.i32'), new Uint8Array(catBuf.buffer));
  const py = `
import sys, time, numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler, OneHotEncoder
d, n, nn, nc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
X = np.fromfile(d + '/num.f64', dtype='<f8').reshape(nn, n).T          # column-major on disk
C = np.fromfile(d + '/cat.i32', dtype='<i4').reshape(nc, n).T
import pandas as pd
df = pd.DataFrame(X, columns=[f'x{j}' for j in range(nn)])
for j in range(nc): df[f'c{j}'] = pd.Categorical.from_codes(C[:, j], [f'L{k}' for k in range(10)])
best = float('inf')
for rep in range(3):
    ct = ColumnTransformer([
        ('num', Pipeline([('impute', SimpleImputer(strategy='median')), ('scale', StandardScaler())]), [f'x{j}' for j in range(nn)]),
        ('cat', OneHotEncoder(handle_unknown='ignore', sparse_output=False), [f'c{j}' for j in range(nc)]),
    ])
    t0 = time.perf_counter(); out = ct.fit_transform(df); best = min(best, time.perf_counter() - t0)
print(best, out.shape[1])
`;
  try {
    const res = execFileSync('/usr/bin/python3', ['-c', py, dir, String(nRows), String(nNum), String(nCat)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    sk = Number(res.trim().split(/\s+/)[0]);
    console.log(`scikit-learn output columns: ${res.trim().split(/\s+/)[1]}`);
  } catch (e) {
    console.error(`scikit-learn run failed: ${(e as Error).message.split('\n')[0]}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `rows ${nRows}, ${nNum} numeric (~5% NaN) + ${nCat} categorical (${nLevels} levels) → ${outCols} columns`,
);
console.log(`aegle   impute(median)+standard+onehot fit+transform: ${aegle.toFixed(3)} s (best of 3)`);
console.log(
  `sklearn SimpleImputer(median)+StandardScaler+OneHotEncoder: ${Number.isNaN(sk) ? 'n/a' : `${sk.toFixed(3)} s (best of 3)`}`,
);
if (!Number.isNaN(sk))
  console.log(`ratio sklearn / aegle: ${(sk / aegle).toFixed(2)}× (> 1 means Aegle is faster)`);
