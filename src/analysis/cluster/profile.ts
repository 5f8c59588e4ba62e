/**
 * What distinguishes each cluster: per-cluster size and feature means, and each mean's
 * standardised difference from the overall mean ((m_c − m) / sd); the top features by |difference|.
 */
import type { Points } from './data.js';

export interface ClusterProfile {
  readonly cluster: number;
  readonly size: number;
  readonly means: number[];
  readonly standardized: number[];
  /** Feature names (or indices) with the largest |standardised difference|, largest first. */
  readonly distinguishing: { feature: string; diff: number }[];
}

export function clusterProfiles(
  p: Points,
  labels: ArrayLike<number>,
  names?: readonly string[],
  top = 3,
): ClusterProfile[] {
  const { data, n, dim } = p;
  const feat = names ?? Array.from({ length: dim }, (_, j) => `x${j}`);
  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sd[j] += (data[i * dim + j] - mean[j]) ** 2;
  for (let j = 0; j < dim; j++) sd[j] = Math.sqrt(sd[j] / (n - 1)) || 1;
  const ids = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  return ids.map((c) => {
    const m = new Array<number>(dim).fill(0);
    let size = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== c) continue;
      size++;
      for (let j = 0; j < dim; j++) m[j] += data[i * dim + j];
    }
    for (let j = 0; j < dim; j++) m[j] /= size;
    const standardized = m.map((v, j) => (v - mean[j]) / sd[j]);
    const distinguishing = standardized
      .map((diff, j) => ({ feature: feat[j], diff }))
      .sort((a, b) => Math.abs(b.diff) - Math.abs(a.diff))
      .slice(0, top);
    return { cluster: c, size, means: m, standardized, distinguishing };
  });
}
