/**
 * Internal cluster-validity indices, as scikit-learn's `silhouette_score` (Rousseeuw 1987),
 * `davies_bouldin_score` (Davies & Bouldin 1979) and `calinski_harabasz_score` (Caliński & Harabasz
 * 1974). Noise labels (−1) are treated as their own cluster, as scikit-learn does.
 */
import { type Points, sqDist } from './data.js';

function relabel(labels: ArrayLike<number>): { ids: Int32Array; k: number } {
  const map = new Map<number, number>();
  const ids = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (!map.has(labels[i])) map.set(labels[i], map.size);
    ids[i] = map.get(labels[i])!;
  }
  return { ids, k: map.size };
}

function centroids(p: Points, ids: Int32Array, k: number): { c: Float64Array; counts: Float64Array } {
  const { data, n, dim } = p;
  const c = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    counts[ids[i]]++;
    for (let j = 0; j < dim; j++) c[ids[i] * dim + j] += data[i * dim + j];
  }
  for (let g = 0; g < k; g++) for (let j = 0; j < dim; j++) c[g * dim + j] /= counts[g];
  return { c, counts };
}

/** Mean silhouette width (O(n²)); points in singleton clusters score 0. */
export function silhouetteScore(p: Points, labels: ArrayLike<number>): number {
  const { data, n, dim } = p;
  const { ids, k } = relabel(labels);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[ids[i]]++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) if (j !== i) sums[ids[j]] += Math.sqrt(sqDist(data, i, data, j, dim));
    const own = ids[i];
    if (counts[own] <= 1) continue;
    const a = sums[own] / (counts[own] - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let g = 0; g < k; g++) if (g !== own && counts[g] > 0) b = Math.min(b, sums[g] / counts[g]);
    total += (b - a) / Math.max(a, b);
  }
  return total / n;
}

export function daviesBouldinScore(p: Points, labels: ArrayLike<number>): number {
  const { data, n, dim } = p;
  const { ids, k } = relabel(labels);
  const { c, counts } = centroids(p, ids, k);
  const s = new Float64Array(k);
  for (let i = 0; i < n; i++) s[ids[i]] += Math.sqrt(sqDist(data, i, c, ids[i], dim));
  for (let g = 0; g < k; g++) s[g] /= counts[g];
  let tot = 0;
  for (let g = 0; g < k; g++) {
    let worst = 0;
    for (let h = 0; h < k; h++) {
      if (h === g) continue;
      const dist = Math.sqrt(sqDist(c, g, c, h, dim));
      worst = Math.max(worst, dist === 0 ? 0 : (s[g] + s[h]) / dist);
    }
    tot += worst;
  }
  return tot / k;
}

export function calinskiHarabaszScore(p: Points, labels: ArrayLike<number>): number {
  const { data, n, dim } = p;
  const { ids, k } = relabel(labels);
  const { c, counts } = centroids(p, ids, k);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j] / n;
  let between = 0;
  for (let g = 0; g < k; g++) between += counts[g] * sqDist(c, g, mean, 0, dim);
  let within = 0;
  for (let i = 0; i < n; i++) within += sqDist(data, i, c, ids[i], dim);
  return within === 0 ? 1 : (between * (n - k)) / (within * (k - 1));
}
