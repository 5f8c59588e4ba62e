/**
 * Test data: UCI heart disease (Cleveland, `../shared/data/tabular/`), target `num > 0`, `?` = missing,
 * with a fixed stratified 70/30 split (per class, a seeded permutation; the first 70% train). The
 * split indices were exported with `exportSplit()` to make the scikit-learn / XGBoost references.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Matrix, Rng } from '../../core/index.js';

export const HEART_CSV = fileURLToPath(
  new URL('../../../../shared/data/tabular/uci-heart-disease-processed.cleveland.data.csv', import.meta.url),
);
export const HEART_FEATURES = [
  'age',
  'sex',
  'cp',
  'trestbps',
  'chol',
  'fbs',
  'restecg',
  'thalach',
  'exang',
  'oldpeak',
  'slope',
  'ca',
  'thal',
];

export interface HeartSplit {
  readonly Xtr: Matrix;
  readonly ytr: Float64Array;
  readonly Xte: Matrix;
  readonly yte: Float64Array;
  readonly trainIdx: number[];
  readonly testIdx: number[];
}

function toMatrix(rows: number[][], idx: number[]): Matrix {
  const n = idx.length;
  const p = HEART_FEATURES.length;
  const data = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) data[j * n + i] = rows[idx[i]][j];
  return { data, nRows: n, nCols: p, columns: HEART_FEATURES };
}

/** Train-median imputation (for models compared with peers that do not take NaN). */
export function imputeMedian(train: Matrix, other: Matrix): [Matrix, Matrix] {
  const out = [train, other].map((m) => ({ ...m, data: m.data.slice() }));
  for (let j = 0; j < train.nCols; j++) {
    const v = Array.from(train.data.subarray(j * train.nRows, (j + 1) * train.nRows))
      .filter((x) => !Number.isNaN(x))
      .sort((a, b) => a - b);
    const med = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    for (const m of out)
      for (let i = 0; i < m.nRows; i++)
        if (Number.isNaN(m.data[j * m.nRows + i])) m.data[j * m.nRows + i] = med;
  }
  return [out[0], out[1]];
}

export function heartSplit(seed = 42): HeartSplit {
  const lines = readFileSync(HEART_CSV, 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => l.split(',').map((s) => (s.trim() === '?' ? Number.NaN : Number(s))));
  const y = rows.map((r) => (r[13] > 0 ? 1 : 0));
  const rng = new Rng(seed);
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (const cls of [0, 1]) {
    const idx = y.map((v, i) => (v === cls ? i : -1)).filter((i) => i >= 0);
    const perm = rng.permutation(idx.length);
    const nTr = Math.round(0.7 * idx.length);
    for (let k = 0; k < idx.length; k++) (k < nTr ? trainIdx : testIdx).push(idx[perm[k]]);
  }
  trainIdx.sort((a, b) => a - b);
  testIdx.sort((a, b) => a - b);
  return {
    Xtr: toMatrix(rows, trainIdx),
    ytr: Float64Array.from(trainIdx, (i) => y[i]),
    Xte: toMatrix(rows, testIdx),
    yte: Float64Array.from(testIdx, (i) => y[i]),
    trainIdx,
    testIdx,
  };
}

/** AUROC by the rank-sum (Mann–Whitney) formula, ties averaged. */
export function auroc(score: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let sumPos = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && score[idx[j]] === score[idx[i]]) j++;
    const r = (i + j + 1) / 2;
    for (let k = i; k < j; k++) {
      if (y[idx[k]] !== 1) continue;
      sumPos += r;
      nPos++;
    }
    i = j;
  }
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * (y.length - nPos));
}
