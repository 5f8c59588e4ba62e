/**
 * k-means: Lloyd's algorithm (Lloyd 1982) from k-means++ seeds (Arthur & Vassilvitskii 2007; greedy
 * variant with 2 + ⌊ln k⌋ candidate draws per centre, as scikit-learn), best of `nInit` runs by
 * inertia; and mini-batch k-means (Sculley 2010) for large data. Same initial centres ⇒ the same
 * fixed point as scikit-learn's `KMeans(algorithm="lloyd")`.
 */
import { Rng } from '../../core/index.js';
import { createError } from '../errors.js';
import { type Points, sqDist } from './data.js';

export interface KMeansOptions {
  readonly k: number;
  readonly nInit?: number;
  readonly maxIter?: number;
  /** Stop when the total squared centre shift ≤ tol × mean feature variance (scikit-learn's rule; default 1e-4). */
  readonly tol?: number;
  readonly seed?: number;
  /** Explicit initial centres (row-major k × dim); then nInit is 1. */
  readonly init?: Float64Array;
}

export interface KMeansResult {
  readonly centers: Float64Array;
  readonly labels: Int32Array;
  readonly inertia: number;
  readonly iterations: number;
  readonly k: number;
  readonly dim: number;
}

function checkK(p: Points, k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > p.n) {
    throw createError('AEGLE_ANALYSIS_BAD_ARGUMENT', {
      param: 'k',
      owner: 'k-means',
      expected: `an integer in [1, ${p.n}]`,
      got: k,
    });
  }
}

/** k-means++ seeding (greedy, 2 + ⌊ln k⌋ trials per centre). */
export function kmeansPlusPlus(p: Points, k: number, rng: Rng): Float64Array {
  const { data, n, dim } = p;
  const centers = new Float64Array(k * dim);
  const trials = 2 + Math.floor(Math.log(k));
  let first = rng.int(n);
  centers.set(data.subarray(first * dim, first * dim + dim), 0);
  const closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) pot += closest[i] = sqDist(data, i, centers, 0, dim);
  const cand = new Float64Array(n);
  const best = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestPot = Number.POSITIVE_INFINITY;
    let bestIdx = -1;
    for (let t = 0; t < trials; t++) {
      // draw proportional to the current closest distance
      let r = rng.uniform() * pot;
      let idx = 0;
      for (; idx < n - 1; idx++) {
        r -= closest[idx];
        if (r <= 0) break;
      }
      let s = 0;
      for (let i = 0; i < n; i++) {
        const d = Math.min(closest[i], sqDist(data, i, data, idx, dim));
        cand[i] = d;
        s += d;
      }
      if (s < bestPot) {
        bestPot = s;
        bestIdx = idx;
        best.set(cand);
      }
    }
    first = bestIdx;
    centers.set(data.subarray(first * dim, first * dim + dim), c * dim);
    closest.set(best);
    pot = bestPot;
  }
  return centers;
}

function meanVariance(p: Points): number {
  const { data, n, dim } = p;
  let tot = 0;
  for (let j = 0; j < dim; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += data[i * dim + j];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (data[i * dim + j] - m) ** 2;
    tot += v / n;
  }
  return tot / dim;
}

/**
 * Assigns each point to its nearest centre; returns the inertia. Uses ‖x − c‖² = ‖x‖² − 2x·c + ‖c‖²
 * for the search (one multiply-add per coordinate), then the exact distance for the inertia.
 */
export function assign(p: Points, centers: Float64Array, k: number, labels: Int32Array): number {
  const { data, n, dim } = p;
  const cn = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += centers[c * dim + j] * centers[c * dim + j];
    cn[c] = s;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let bd = Number.POSITIVE_INFINITY;
    let bc = 0;
    for (let c = 0; c < k; c++) {
      const oc = c * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += data[o + j] * centers[oc + j];
      const d = cn[c] - 2 * dot;
      if (d < bd) {
        bd = d;
        bc = c;
      }
    }
    labels[i] = bc;
    inertia += sqDist(data, i, centers, bc, dim);
  }
  return inertia;
}

/** Lloyd iterations from given centres. */
export function lloyd(p: Points, init: Float64Array, k: number, maxIter = 300, tol = 1e-4): KMeansResult {
  const { data, n, dim } = p;
  const centers = Float64Array.from(init);
  const labels = new Int32Array(n);
  const sums = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  const tolAbs = tol * meanVariance(p);
  let it = 0;
  const prev = new Int32Array(n).fill(-1);
  for (it = 1; it <= maxIter; it++) {
    assign(p, centers, k, labels);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < dim; j++) sums[c * dim + j] += data[i * dim + j];
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue; // empty cluster keeps its centre
      for (let j = 0; j < dim; j++) {
        const v = sums[c * dim + j] / counts[c];
        shift += (v - centers[c * dim + j]) ** 2;
        centers[c * dim + j] = v;
      }
    }
    let same = true;
    for (let i = 0; i < n; i++)
      if (labels[i] !== prev[i]) {
        same = false;
        break;
      }
    if (same) break;
    prev.set(labels);
    if (shift <= tolAbs) break;
  }
  const inertia = assign(p, centers, k, labels);
  return { centers, labels, inertia, iterations: it, k, dim };
}

/** k-means with k-means++ seeds, best of `nInit` runs. */
export function kmeans(p: Points, o: KMeansOptions): KMeansResult {
  checkK(p, o.k);
  if (o.init) return lloyd(p, o.init, o.k, o.maxIter, o.tol);
  const rng = new Rng(o.seed ?? 0);
  let best: KMeansResult | undefined;
  for (let r = 0; r < (o.nInit ?? 10); r++) {
    const res = lloyd(p, kmeansPlusPlus(p, o.k, rng), o.k, o.maxIter, o.tol);
    if (!best || res.inertia < best.inertia) best = res;
  }
  return best!;
}

export interface MiniBatchOptions extends KMeansOptions {
  readonly batchSize?: number;
}

/** Mini-batch k-means (Sculley 2010): per-centre learning rate 1/count. */
export function miniBatchKMeans(p: Points, o: MiniBatchOptions): KMeansResult {
  checkK(p, o.k);
  const { data, n, dim } = p;
  const k = o.k;
  const rng = new Rng(o.seed ?? 0);
  const batch = Math.min(n, o.batchSize ?? 1024);
  const initSample = Math.min(n, Math.max(3 * batch, 3 * k));
  const sampleIdx = Array.from({ length: initSample }, () => rng.int(n));
  const sub: Points = {
    data: Float64Array.from(sampleIdx.flatMap((i) => Array.from(data.subarray(i * dim, i * dim + dim)))),
    n: initSample,
    dim,
  };
  const centers = o.init ? Float64Array.from(o.init) : kmeansPlusPlus(sub, k, rng);
  const counts = new Float64Array(k);
  const maxIter = o.maxIter ?? 100;
  const steps = Math.ceil((maxIter * n) / batch);
  const idx = new Int32Array(batch);
  const lab = new Int32Array(batch);
  for (let s = 0; s < steps; s++) {
    for (let b = 0; b < batch; b++) idx[b] = rng.int(n);
    for (let b = 0; b < batch; b++) {
      let bd = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const d = sqDist(data, idx[b], centers, c, dim);
        if (d < bd) {
          bd = d;
          lab[b] = c;
        }
      }
    }
    for (let b = 0; b < batch; b++) {
      const c = lab[b];
      counts[c]++;
      const eta = 1 / counts[c];
      for (let j = 0; j < dim; j++)
        centers[c * dim + j] += eta * (data[idx[b] * dim + j] - centers[c * dim + j]);
    }
    if (s > 0 && s * batch >= 10 * n && o.maxIter === undefined) break;
  }
  const labels = new Int32Array(n);
  const inertia = assign(p, centers, k, labels);
  return { centers, labels, inertia, iterations: steps, k, dim };
}
