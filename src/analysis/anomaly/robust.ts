/**
 * Simple, explainable anomaly scores: the robust (modified) z-score 0.6745·(x − median)/MAD
 * (Iglewicz & Hoaglin 1993; |z| > 3.5 is their cut-off) and the Mahalanobis distance to the mean
 * under the sample covariance; plus "top anomalies with why" (the features that drive each score).
 */
import { median } from '../../compute/index.js';
import { cholesky, choleskySolve } from '../linalg.js';
import type { Points } from '../cluster/data.js';

/** Modified z-scores of one variable (NaN stays NaN; MAD = 0 falls back to the mean absolute deviation ×1.253314). */
export function robustZ(x: ArrayLike<number>): Float64Array {
  const med = median(x);
  const dev = Float64Array.from(x, (v) => Math.abs(v - med));
  let mad = median(dev);
  let k = 0.6745;
  if (mad === 0) {
    let s = 0;
    let n = 0;
    for (const v of dev)
      if (!Number.isNaN(v)) {
        s += v;
        n++;
      }
    mad = s / n;
    k = 1 / 1.253314;
  }
  return Float64Array.from(x, (v) => (mad === 0 ? 0 : (k * (v - med)) / mad));
}

/** Mahalanobis distance of each point to the sample mean (sample covariance, n − 1). */
export function mahalanobis(p: Points): Float64Array {
  const { data, n, dim } = p;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j] / n;
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dim; a++) {
      const da = data[i * dim + a] - mean[a];
      for (let b = 0; b < dim; b++) cov[a * dim + b] += (da * (data[i * dim + b] - mean[b])) / (n - 1);
    }
  }
  const l = cholesky(cov, dim);
  const out = new Float64Array(n);
  const d = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) d[j] = data[i * dim + j] - mean[j];
    if (!l) {
      out[i] = Number.NaN;
      continue;
    }
    const s = choleskySolve(l, dim, d);
    let q = 0;
    for (let j = 0; j < dim; j++) q += d[j] * s[j];
    out[i] = Math.sqrt(q);
  }
  return out;
}

export interface Anomaly {
  readonly row: number;
  readonly score: number;
  /** Features with the largest |robust z| for this row, largest first. */
  readonly why: { feature: string; value: number; robustZ: number }[];
}

/** The `top` highest-scoring rows, each explained by its most extreme features (robust z). */
export function topAnomalies(
  p: Points,
  scores: ArrayLike<number>,
  names?: readonly string[],
  top = 10,
  features = 3,
): Anomaly[] {
  const { data, n, dim } = p;
  const feat = names ?? Array.from({ length: dim }, (_, j) => `x${j}`);
  const z = Array.from({ length: dim }, (_, j) =>
    robustZ(Float64Array.from({ length: n }, (_, i) => data[i * dim + j])),
  );
  const idx = Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(scores[i]));
  idx.sort((a, b) => scores[b] - scores[a]);
  return idx.slice(0, top).map((row) => ({
    row,
    score: scores[row],
    why: z
      .map((zj, j) => ({ feature: feat[j], value: data[row * dim + j], robustZ: zj[row] }))
      .sort((a, b) => Math.abs(b.robustZ) - Math.abs(a.robustZ))
      .slice(0, features),
  }));
}
