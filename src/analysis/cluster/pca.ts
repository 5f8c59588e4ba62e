/**
 * Principal component analysis by eigen-decomposition of the covariance matrix (columns centred,
 * optionally scaled to unit variance) — for a 2-D view of clusters. Component signs follow
 * scikit-learn's convention (the largest-magnitude loading of each component is positive).
 */
import { symmetricEigen } from '../linalg.js';
import type { Points } from './data.js';

export interface PcaResult {
  readonly components: number;
  /** Loadings, row-major components × dim. */
  readonly loadings: Float64Array;
  readonly explainedVariance: number[];
  readonly explainedVarianceRatio: number[];
  /** Projected points, row-major n × components. */
  readonly scores: Float64Array;
  readonly means: Float64Array;
  readonly scales: Float64Array;
}

export function pca(p: Points, components = 2, scale = false): PcaResult {
  const { data, n, dim } = p;
  const means = new Float64Array(dim);
  const scales = new Float64Array(dim).fill(1);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) means[j] += data[i * dim + j] / n;
  if (scale) {
    for (let j = 0; j < dim; j++) {
      let v = 0;
      for (let i = 0; i < n; i++) v += (data[i * dim + j] - means[j]) ** 2;
      scales[j] = Math.sqrt(v / (n - 1)) || 1;
    }
  }
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = (data[i * dim + j] - means[j]) / scales[j];
    for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) cov[a * dim + b] += row[a] * row[b];
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      cov[a * dim + b] /= n - 1;
      cov[b * dim + a] = cov[a * dim + b];
    }
  }
  const { values, vectors } = symmetricEigen(cov, dim);
  const m = Math.min(components, dim);
  const loadings = new Float64Array(m * dim);
  for (let c = 0; c < m; c++) {
    let big = 0;
    for (let j = 0; j < dim; j++)
      if (Math.abs(vectors[c * dim + j]) > Math.abs(big)) big = vectors[c * dim + j];
    const s = big < 0 ? -1 : 1;
    for (let j = 0; j < dim; j++) loadings[c * dim + j] = s * vectors[c * dim + j];
  }
  const scores = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < m; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += ((data[i * dim + j] - means[j]) / scales[j]) * loadings[c * dim + j];
      scores[i * m + c] = s;
    }
  }
  let total = 0;
  for (let j = 0; j < dim; j++) total += Math.max(0, values[j]);
  const ev = Array.from(values.subarray(0, m));
  return {
    components: m,
    loadings,
    explainedVariance: ev,
    explainedVarianceRatio: ev.map((v) => v / total),
    scores,
    means,
    scales,
  };
}
