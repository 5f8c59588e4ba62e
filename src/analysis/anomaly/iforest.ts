/**
 * Isolation forest (Liu, Ting & Zhou 2008): `nTrees` random trees, each grown on a subsample of
 * ψ = `maxSamples` rows without replacement, splitting on a random feature at a uniform value
 * between its min and max, to height ⌈log₂ ψ⌉. Score s(x) = 2^(−E[h(x)] / c(ψ)), where h is the path
 * length plus c(size) at the leaf and c(m) = 2H(m − 1) − 2(m − 1)/m; near 1 = anomalous, ≲ 0.5 normal.
 */
import { Rng } from '../../core/index.js';
import type { Points } from '../cluster/data.js';

export interface IsolationForestOptions {
  readonly nTrees?: number;
  readonly maxSamples?: number;
  readonly seed?: number;
}

/** Flat tree: feature −1 marks a leaf whose `size` is stored in `value`. */
interface ITree {
  feature: Int32Array;
  value: Float64Array;
  left: Int32Array;
  right: Int32Array;
  depth: Int32Array;
}

export interface IsolationForest {
  readonly trees: ITree[];
  readonly psi: number;
  readonly dim: number;
}

/** Average path length of an unsuccessful BST search among m points. */
export function averagePathLength(m: number): number {
  if (m <= 1) return 0;
  if (m === 2) return 1;
  const h = Math.log(m - 1) + 0.5772156649015329;
  return 2 * h - (2 * (m - 1)) / m;
}

export function fitIsolationForest(p: Points, o: IsolationForestOptions = {}): IsolationForest {
  const { data, n, dim } = p;
  const rng = new Rng(o.seed ?? 0);
  const psi = Math.min(n, o.maxSamples ?? 256);
  const limit = Math.ceil(Math.log2(Math.max(2, psi)));
  const trees: ITree[] = [];
  for (let t = 0; t < (o.nTrees ?? 100); t++) {
    // Sample ψ rows without replacement (partial Fisher–Yates).
    const pool = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < psi; i++) {
      const j = i + rng.int(n - i);
      const tmp = pool[i];
      pool[i] = pool[j];
      pool[j] = tmp;
    }
    const rows = pool.slice(0, psi);
    const feature: number[] = [];
    const value: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const depth: number[] = [];
    const build = (lo: number, hi: number, d: number): number => {
      const id = feature.length;
      feature.push(-1);
      value.push(hi - lo);
      left.push(-1);
      right.push(-1);
      depth.push(d);
      if (d >= limit || hi - lo <= 1) return id;
      // pick a feature with spread (try each at most once in random order)
      const feats = Array.from({ length: dim }, (_, j) => j);
      for (let tries = 0; tries < dim; tries++) {
        const pick = tries + rng.int(dim - tries);
        [feats[tries], feats[pick]] = [feats[pick], feats[tries]];
        const f = feats[tries];
        let mn = Number.POSITIVE_INFINITY;
        let mx = Number.NEGATIVE_INFINITY;
        for (let k = lo; k < hi; k++) {
          const v = data[rows[k] * dim + f];
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        if (!(mx > mn)) continue;
        const split = mn + rng.uniform() * (mx - mn);
        let a = lo;
        let b = hi - 1;
        while (a <= b) {
          if (data[rows[a] * dim + f] < split) a++;
          else {
            const tmp = rows[a];
            rows[a] = rows[b];
            rows[b] = tmp;
            b--;
          }
        }
        feature[id] = f;
        value[id] = split;
        left[id] = build(lo, a, d + 1);
        right[id] = build(a, hi, d + 1);
        return id;
      }
      return id;
    };
    build(0, psi, 0);
    trees.push({
      feature: Int32Array.from(feature),
      value: Float64Array.from(value),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      depth: Int32Array.from(depth),
    });
  }
  return { trees, psi, dim };
}

/** Anomaly scores in (0, 1]: higher = more anomalous. */
export function isolationScores(forest: IsolationForest, p: Points): Float64Array {
  const { data, n, dim } = p;
  const out = new Float64Array(n);
  const cn = averagePathLength(forest.psi);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (const t of forest.trees) {
      let node = 0;
      while (t.feature[node] >= 0)
        node = data[i * dim + t.feature[node]] < t.value[node] ? t.left[node] : t.right[node];
      total += t.depth[node] + averagePathLength(t.value[node]);
    }
    out[i] = 2 ** (-(total / forest.trees.length) / cn);
  }
  return out;
}
