/**
 * DBSCAN (Ester, Kriegel, Sander & Xu 1996), scikit-learn's variant: a point is core when at least
 * `minSamples` points (itself included) lie within `eps` (Euclidean); clusters grow from core
 * points in index order; a border point joins the first cluster that reaches it; the rest are
 * noise (−1). Brute-force neighbourhoods: O(n²) time, fine to tens of thousands of points.
 */
import { type Points, sqDist } from './data.js';

export interface DbscanOptions {
  readonly eps: number;
  readonly minSamples?: number;
}

export interface DbscanResult {
  readonly labels: Int32Array;
  readonly core: Uint8Array;
  readonly nClusters: number;
  readonly nNoise: number;
}

export function dbscan(p: Points, o: DbscanOptions): DbscanResult {
  const { data, n, dim } = p;
  const eps2 = o.eps * o.eps;
  const minSamples = o.minSamples ?? 5;
  const neigh: Int32Array[] = [];
  const buf: number[] = [];
  for (let i = 0; i < n; i++) {
    buf.length = 0;
    for (let j = 0; j < n; j++) if (sqDist(data, i, data, j, dim) <= eps2) buf.push(j);
    neigh.push(Int32Array.from(buf));
  }
  const core = new Uint8Array(n);
  for (let i = 0; i < n; i++) core[i] = neigh[i].length >= minSamples ? 1 : 0;
  const labels = new Int32Array(n).fill(-1);
  let label = 0;
  const stack: number[] = [];
  for (let s = 0; s < n; s++) {
    if (labels[s] !== -1 || !core[s]) continue;
    stack.push(s);
    while (stack.length) {
      const i = stack.pop()!;
      if (labels[i] !== -1) continue;
      labels[i] = label;
      if (core[i]) for (const v of neigh[i]) if (labels[v] === -1) stack.push(v);
    }
    label++;
  }
  let noise = 0;
  for (let i = 0; i < n; i++) if (labels[i] === -1) noise++;
  return { labels, core, nClusters: label, nNoise: noise };
}
