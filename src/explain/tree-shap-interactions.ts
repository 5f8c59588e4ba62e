/**
 * SHAP interaction values of tree models (Lundberg, Erion, Chen et al., "From local explanations to
 * global understanding with explainable AI for trees", Nature Machine Intelligence 2020, section
 * "SHAP interaction values"; the Shapley interaction index of Fujimoto, Kojadinovic & Marichal 2006):
 * for features i ≠ j, Φ_ij = Φ_ji is half the change that fixing i makes to j's SHAP value,
 *   Φ_ij = (φ_j | x_i known − φ_j | x_i unknown) / 2,
 * and the main effect Φ_ii = φ_i − Σ_{j≠i} Φ_ij, so each row of the matrix sums to φ_i and the whole
 * matrix (bias included) to the model's output. "x_i known" runs TreeSHAP with i always following the
 * row (condition = 1); "unknown" with i split by cover (condition = −1) — XGBoost's
 * `predict(pred_interactions=True)` (`PredictInteractionContributions` in cpu_predictor.cc), whose
 * layout this follows: per row and output a (p + 1) × (p + 1) matrix, the bias last, [p][p] holding the
 * expected value. A tree that never splits on i gives the same φ both ways, so i is conditioned only
 * in trees that split on it.
 *
 * Cost: with per-leaf pair tables (`buildPairWeights`, built once per model) O(L·D²) per tree and
 * row; without (trees too deep for tables), the conditioned recursion, O(L·D²) per feature the tree
 * splits on, twice. The kernel is pure; `treeShapInteractions` runs it on this thread.
 */
import type { TreeArrays } from '../compute/index.js';
import type { FittedModel, Matrix } from './deps.js';
import { buildPairWeights, type LeafWeights, type PairWeights } from './leaf-weights.js';
import { leafWeightsFor, type TreeModelView, treeModelView } from './tree-shap.js';
import {
  type ShapOutput,
  expectedValue,
  goesLeft,
  maxTreeDepth,
  nodeMeanValues,
  treeShapRows,
} from './tree-shap-kernel.js';

/** SHAP interaction values: per row and output a (p + 1) × (p + 1) matrix, bias last. */
export interface ShapInteractionValues {
  /** Row-major nRows × nOutputs × (nFeatures + 1) × (nFeatures + 1). */
  readonly values: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly featureNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Expected value per output (entry [p][p] of every matrix). */
  readonly expectedValue: Float64Array;
  readonly space: TreeModelView['space'];
}

/** Interaction value of features a and b in row i, output k (a = b: main effect; p: the bias). */
export function interactionAt(s: ShapInteractionValues, i: number, a: number, b: number, k = 0): number {
  const q = s.nFeatures + 1;
  return s.values[((i * s.nOutputs + k) * q + a) * q + b];
}

/** Distinct split features of each tree. */
function treeFeatures(t: TreeArrays): Int32Array[] {
  const out: Int32Array[] = [];
  const stack: number[] = [];
  for (const root of t.treeRoot) {
    const seen = new Set<number>();
    stack.push(root);
    while (stack.length) {
      const nd = stack.pop()!;
      if (t.feature[nd] < 0) continue;
      seen.add(t.feature[nd]);
      stack.push(t.left[nd], t.right[nd]);
    }
    out.push(Int32Array.from([...seen].sort((a, b) => a - b)));
  }
  return out;
}

/**
 * SHAP interaction values of rows [i0, i1) of column-major `data` for one output, written to `inter`
 * (row-major, (nFeatures + 1)² per row, from row offset `row0`). Trees with leaf weights and pair
 * tables (`buildLeafWeights`, `buildPairWeights`) add each leaf's table row (O(L·D²) per tree and row);
 * the others run the conditioned recursion once per feature they split on, both ways.
 */
export function treeShapInteractionRows(
  t: TreeArrays,
  out: ShapOutput,
  data: Float64Array,
  nRows: number,
  nFeatures: number,
  i0: number,
  i1: number,
  inter: Float64Array,
  row0 = i0,
  weights?: LeafWeights | null,
  pairWeights?: PairWeights | null,
): void {
  const p = nFeatures;
  const q = p + 1;
  const phi = new Float64Array((i1 - i0) * q);
  treeShapRows(t, out, data, nRows, nFeatures, i0, i1, phi, 0, undefined, weights);
  const tabled = weights && pairWeights ? weights : null;
  const failed = new Int32Array(t.feature.length);
  const pair = new Float64Array(p * p);
  const feats = treeFeatures(t);
  const maxd = maxTreeDepth(t) + 2;
  const size = ((maxd + 2) * (maxd + 3)) / 2 + maxd + 2;
  const pf = new Int32Array(size);
  const pz = new Float64Array(size);
  const po = new Float64Array(size);
  const pw = new Float64Array(size);
  const { feature, left, right, cover, value, threshold, defaultLeft, catLen } = t;
  const dim = t.valueDim;
  const vcol = out.valueCol;
  const scale = out.scale;
  // φ with feature c known (`on`) and unknown (`off`), summed over trees: c × (p + 1)
  const on = new Float64Array(p * q);
  const off = new Float64Array(p * q);
  let acc = on;
  let row = 0;
  let cond = 0;
  let condFeature = -1;

  // EXTEND / UNWIND / UNWOUND-SUM of Algorithm 2, as in `tree-shap-kernel.ts`
  const extend = (base: number, depth: number, zero: number, one: number, f: number) => {
    pf[base + depth] = f;
    pz[base + depth] = zero;
    po[base + depth] = one;
    pw[base + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      pw[base + i + 1] += (one * pw[base + i] * (i + 1)) / (depth + 1);
      pw[base + i] = (zero * pw[base + i] * (depth - i)) / (depth + 1);
    }
  };
  const unwind = (base: number, depth: number, pathIndex: number) => {
    const one = po[base + pathIndex];
    const zero = pz[base + pathIndex];
    let next = pw[base + depth];
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = pw[base + i];
        pw[base + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = tmp - (pw[base + i] * zero * (depth - i)) / (depth + 1);
      } else {
        pw[base + i] = (pw[base + i] * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = pathIndex; i < depth; i++) {
      pf[base + i] = pf[base + i + 1];
      pz[base + i] = pz[base + i + 1];
      po[base + i] = po[base + i + 1];
    }
  };
  const unwoundSum = (base: number, depth: number, pathIndex: number): number => {
    const one = po[base + pathIndex];
    const zero = pz[base + pathIndex];
    let next = pw[base + depth];
    let total = 0;
    if (one !== 0) {
      for (let i = depth - 1; i >= 0; i--) {
        const tmp = (next * (depth + 1)) / ((i + 1) * one);
        total += tmp;
        next = pw[base + i] - (tmp * zero * (depth - i)) / (depth + 1);
      }
    } else {
      for (let i = depth - 1; i >= 0; i--) total += (pw[base + i] * (depth + 1)) / (zero * (depth - i));
    }
    return total;
  };

  // XGBoost's conditioned `TreeShap` (tree_model.cc): `ud` is the index of the path's last element;
  // the conditioned feature never enters the path, its split only scales what flows down (`frac`).
  const recurse = (
    nd: number,
    parentBase: number,
    ud: number,
    zero: number,
    one: number,
    f: number,
    frac: number,
    accBase: number,
  ) => {
    if (frac === 0) return;
    const base = parentBase + ud + 1;
    for (let k = 0; k <= ud; k++) {
      pf[base + k] = pf[parentBase + k];
      pz[base + k] = pz[parentBase + k];
      po[base + k] = po[parentBase + k];
      pw[base + k] = pw[parentBase + k];
    }
    if (cond === 0 || condFeature !== f) extend(base, ud, zero, one, f);
    const sf = feature[nd];
    if (sf < 0) {
      const v = value[nd * dim + vcol] * scale;
      for (let i = 1; i <= ud; i++) {
        const w = unwoundSum(base, ud, i);
        acc[accBase + pf[base + i]] += w * (po[base + i] - pz[base + i]) * v * frac;
      }
      return;
    }
    const x = data[sf * nRows + row];
    const goLeft =
      catLen[nd] === 0
        ? x <= threshold[nd] || (Number.isNaN(x) && defaultLeft[nd] === 1)
        : goesLeft(t, nd, x);
    const hot = goLeft ? left[nd] : right[nd];
    const cold = goLeft ? right[nd] : left[nd];
    const w = cover[nd];
    const hotZero = cover[hot] / w;
    const coldZero = cover[cold] / w;
    let inZero = 1;
    let inOne = 1;
    let pi = 0;
    for (; pi <= ud; pi++) if (pf[base + pi] === sf) break;
    if (pi !== ud + 1) {
      inZero = pz[base + pi];
      inOne = po[base + pi];
      unwind(base, ud, pi);
      ud -= 1;
    }
    let hotFrac = frac;
    let coldFrac = frac;
    if (cond > 0 && sf === condFeature) {
      coldFrac = 0;
      ud -= 1;
    } else if (cond < 0 && sf === condFeature) {
      hotFrac *= hotZero;
      coldFrac *= coldZero;
      ud -= 1;
    }
    recurse(hot, base, ud + 1, hotZero * inZero, inOne, sf, hotFrac, accBase);
    recurse(cold, base, ud + 1, coldZero * inZero, 0, sf, coldFrac, accBase);
  };

  for (let i = i0; i < i1; i++) {
    row = i;
    on.fill(0);
    off.fill(0);
    pair.fill(0);
    for (const k of out.trees) {
      const root = t.treeRoot[k];
      if (feature[root] < 0) continue;
      if (tabled && tabled.fast[k] === 1) {
        pairRow(t, tabled, pairWeights!, failed, k, scale, vcol, data, nRows, i, p, pair);
        continue;
      }
      for (const c of feats[k]) {
        if (c >= p) continue;
        condFeature = c;
        cond = 1;
        acc = on;
        recurse(root, 0, 0, 1, 1, -1, 1, c * q);
        cond = -1;
        acc = off;
        recurse(root, 0, 0, 1, 1, -1, 1, c * q);
      }
    }
    const m = (row0 + i - i0) * q * q;
    const ph = (i - i0) * q;
    for (let c = 0; c < p; c++) {
      let diag = phi[ph + c];
      for (let j = 0; j < p; j++) {
        if (j === c) continue;
        const v = (on[c * q + j] - off[c * q + j]) / 2 + pair[c * p + j];
        inter[m + c * q + j] = v;
        diag -= v;
      }
      inter[m + c * q + c] = diag;
    }
    inter[m + p * q + p] = phi[ph + p];
  }
}

/** Row i through tree k's pair tables: route it, then add every leaf's pairs for its failed mask. */
function pairRow(
  t: TreeArrays,
  w: LeafWeights,
  pw: PairWeights,
  failed: Int32Array,
  k: number,
  scale: number,
  vcol: number,
  data: Float64Array,
  nRows: number,
  i: number,
  p: number,
  pair: Float64Array,
): void {
  const { feature, left, right, threshold, defaultLeft, catLen, value } = t;
  const dim = t.valueDim;
  const { inner, nodeBit, leaf, leafDepth, featureStart, pathFeature } = w;
  const { pairStart, pairs } = pw;
  failed[t.treeRoot[k]] = 0;
  for (let s = w.innerStart[k]; s < w.innerStart[k + 1]; s++) {
    const nd = inner[s];
    const x = data[feature[nd] * nRows + i];
    const goLeft =
      catLen[nd] === 0
        ? x <= threshold[nd] || (Number.isNaN(x) && defaultLeft[nd] === 1)
        : goesLeft(t, nd, x);
    const f = failed[nd];
    const b = nodeBit[nd];
    failed[left[nd]] = goLeft ? f : f | b;
    failed[right[nd]] = goLeft ? f | b : f;
  }
  for (let s = w.leafStart[k]; s < w.leafStart[k + 1]; s++) {
    const d = leafDepth[s];
    if (d < 2) continue;
    const nd = leaf[s];
    const v = value[nd * dim + vcol] * scale;
    let at = pairStart[s] + failed[nd] * ((d * (d - 1)) / 2);
    const fo = featureStart[s];
    for (let a = 0; a < d; a++) {
      const fa = pathFeature[fo + a];
      for (let b = a + 1; b < d; b++) {
        const fb = pathFeature[fo + b];
        const x = pairs[at++] * v;
        pair[fa * p + fb] += x;
        pair[fb * p + fa] += x;
      }
    }
  }
}

const pairCache = new WeakMap<LeafWeights, PairWeights>();

/**
 * SHAP interaction values of every row of X (synchronous, this thread): what XGBoost's
 * `predict(pred_interactions=True)` returns, for any Aegle tree model or imported XGBoost model.
 */
export function treeShapInteractions(model: FittedModel, X: Matrix): ShapInteractionValues {
  const view = treeModelView(model);
  const p = X.nCols;
  const n = X.nRows;
  const K = view.outputs.length;
  const q2 = (p + 1) * (p + 1);
  const values = new Float64Array(n * K * q2);
  const ev = new Float64Array(K);
  // the recursion runs ≈ 2 × (features per tree) times per row, so tables pay from the first rows
  const weights = leafWeightsFor(view.trees, Number.POSITIVE_INFINITY);
  let pairWeights = weights && pairCache.get(weights);
  if (weights && !pairWeights) {
    pairWeights = buildPairWeights(weights);
    pairCache.set(weights, pairWeights);
  }
  view.outputs.forEach((out, k) => {
    ev[k] = expectedValue(view.trees, out, nodeMeanValues(view.trees, out.valueCol));
    const tmp = K === 1 ? values : new Float64Array(n * q2);
    treeShapInteractionRows(view.trees, out, X.data, n, p, 0, n, tmp, 0, weights, pairWeights);
    if (K > 1) for (let i = 0; i < n; i++) values.set(tmp.subarray(i * q2, (i + 1) * q2), (i * K + k) * q2);
  });
  return {
    values,
    nRows: n,
    nFeatures: p,
    nOutputs: K,
    featureNames: model.featureNames,
    outputNames: view.outputNames,
    expectedValue: ev,
    space: view.space,
  };
}
