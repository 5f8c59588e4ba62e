/**
 * Hierarchical agglomerative clustering with Ward, average or complete linkage, by the
 * nearest-neighbour-chain algorithm (Murtagh 1983; Müllner 2011) with Lance–Williams updates on a
 * Euclidean distance matrix: O(n²) time and memory. Ward heights are those of SciPy's
 * `linkage(method="ward")`. The result is a SciPy-style linkage matrix (merges sorted by height,
 * new cluster ids n, n+1, …), a leaf order for drawing the dendrogram, and flat labels for k clusters.
 */
import { createError } from '../errors.js';
import { type Points, sqDist } from './data.js';

export type Linkage = 'ward' | 'average' | 'complete' | 'single';

export interface Merge {
  readonly a: number;
  readonly b: number;
  readonly height: number;
  readonly size: number;
}

export interface Dendrogram {
  readonly n: number;
  readonly linkage: Linkage;
  /** n − 1 merges in height order; ids < n are points, id n + s is the cluster made by merge s. */
  readonly merges: Merge[];
  /** Leaves left to right, as the dendrogram draws them. */
  readonly order: number[];
}

export function agglomerative(p: Points, linkage: Linkage = 'ward'): Dendrogram {
  const { data, n, dim } = p;
  if (n < 2)
    throw createError('AEGLE_ANALYSIS_TOO_FEW_ROWS', { what: 'Hierarchical clustering', needed: 2, got: n });
  if (n > 20000) {
    throw createError('AEGLE_ANALYSIS_BAD_ARGUMENT', {
      param: 'rows',
      owner: 'hierarchical clustering',
      expected: 'at most 20,000 rows (O(n²) memory)',
      got: n,
    });
  }
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) d[i * n + j] = d[j * n + i] = Math.sqrt(sqDist(data, i, data, j, dim));
  }
  const size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const raw: { a: number; b: number; height: number }[] = [];
  const chain: number[] = [];
  let remaining = n;
  while (remaining > 1) {
    if (!chain.length) {
      let s = 0;
      while (!active[s]) s++;
      chain.push(s);
    }
    for (;;) {
      const x = chain[chain.length - 1];
      const prev = chain.length > 1 ? chain[chain.length - 2] : -1;
      let best = -1;
      let bd = Number.POSITIVE_INFINITY;
      if (prev >= 0) {
        best = prev;
        bd = d[x * n + prev];
      }
      for (let y = 0; y < n; y++) {
        if (!active[y] || y === x) continue;
        const v = d[x * n + y];
        if (v < bd) {
          bd = v;
          best = y;
        }
      }
      if (best === prev) {
        chain.pop();
        chain.pop();
        // merge x and prev into slot min(x, prev)
        const a = Math.min(x, prev);
        const b = Math.max(x, prev);
        raw.push({ a, b, height: bd });
        const na = size[a];
        const nb = size[b];
        const dab = bd;
        for (let k = 0; k < n; k++) {
          if (!active[k] || k === a || k === b) continue;
          const dka = d[k * n + a];
          const dkb = d[k * n + b];
          let v: number;
          if (linkage === 'ward') {
            const nk = size[k];
            v = Math.sqrt(((na + nk) * dka * dka + (nb + nk) * dkb * dkb - nk * dab * dab) / (na + nb + nk));
          } else if (linkage === 'average') v = (na * dka + nb * dkb) / (na + nb);
          else if (linkage === 'complete') v = Math.max(dka, dkb);
          else v = Math.min(dka, dkb);
          d[k * n + a] = d[a * n + k] = v;
        }
        size[a] = na + nb;
        active[b] = 0;
        remaining--;
        break;
      }
      chain.push(best);
    }
  }
  // Sort merges by height (stable) and relabel with union–find, as SciPy's `linkage`.
  const ordered = raw.map((m, i) => ({ ...m, i })).sort((u, v) => u.height - v.height || u.i - v.i);
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const clusterId = Int32Array.from({ length: n }, (_, i) => i);
  const sz = new Float64Array(n).fill(1);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]];
    return x;
  };
  const merges: Merge[] = ordered.map((m, s) => {
    const ra = find(m.a);
    const rb = find(m.b);
    const ia = clusterId[ra];
    const ib = clusterId[rb];
    parent[rb] = ra;
    sz[ra] += sz[rb];
    clusterId[ra] = n + s;
    return { a: Math.min(ia, ib), b: Math.max(ia, ib), height: m.height, size: sz[ra] };
  });
  return { n, linkage, merges, order: leafOrder(merges, n) };
}

function leafOrder(merges: readonly Merge[], n: number): number[] {
  const out: number[] = [];
  const stack = [n + merges.length - 1];
  while (stack.length) {
    const id = stack.pop()!;
    if (id < n) out.push(id);
    else {
      const m = merges[id - n];
      stack.push(m.b, m.a);
    }
  }
  return out;
}

/** Flat labels 0..k−1 from the first n − k merges (clusters numbered by first leaf). */
export function cutTree(tree: Dendrogram, k: number): Int32Array {
  const { n, merges } = tree;
  const parent = Int32Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (let s = 0; s < n - k; s++) {
    const id = n + s;
    parent[find(merges[s].a)] = id;
    parent[find(merges[s].b)] = id;
  }
  const labels = new Int32Array(n);
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!map.has(r)) map.set(r, map.size);
    labels[i] = map.get(r)!;
  }
  return labels;
}
