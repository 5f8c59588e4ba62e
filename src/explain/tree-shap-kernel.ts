/**
 * Exact TreeSHAP (Lundberg, Erion, Chen et al., "From local explanations to global understanding with
 * explainable AI for trees", Nature Machine Intelligence 2020, Algorithm 2): Shapley values of a tree's
 * output with the path-dependent conditional expectation E[f(x) | x_S] (rows not in S follow both
 * children, weighted by the training cover of each child), in O(L·D²) per tree and row instead of
 * O(L·2^M). This is the algorithm of XGBoost's `pred_contribs` and of `shap.TreeExplainer`
 * (feature_perturbation="tree_path_dependent"); the layout mirrors `tree_shap.h` of the shap package.
 * Given per-leaf weight tables (`leaf-weights.ts`, Fast TreeSHAP v2) a tree costs O(L·D) per row
 * instead; the two agree to rounding (≈ 1e-15 relative), and the recursion stays for trees too deep
 * for tables and for calls on too few rows to pay for building them.
 *
 * Pure: typed arrays in, typed arrays out; runs on any thread.
 */
import type { TreeArrays } from '../compute/index.js';
import type { LeafWeights } from './leaf-weights.js';
import { wasmShapFor } from './wasm-shap.js';

/** One output of a tree ensemble: which trees add to it, which value column, and with what scale. */
export interface ShapOutput {
  /** Trees contributing to this output. */
  readonly trees: Int32Array;
  /** Column of `value` (nNodes × valueDim) this output reads. */
  readonly valueCol: number;
  /** Multiplier applied to every tree's value (1 for boosting, 1/nTrees for a forest average). */
  readonly scale: number;
  /** Constant added to the output (the boosting base score), part of the expected value. */
  readonly base: number;
}

/** Scratch space of the unique-path recursion, sized for trees up to `maxDepth`. */
class PathStore {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  pweight: Float64Array;
  constructor(maxDepth: number) {
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2 + 1;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.pweight = new Float64Array(size);
  }
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_F64 = new Float64Array(0);

const depthCache = new WeakMap<TreeArrays, number>();
const meansCache = new WeakMap<TreeArrays, Map<number, Float64Array>>();

/** Depth of every tree's deepest leaf (computed once per tree ensemble: `TreeArrays` are never mutated). */
export function maxTreeDepth(t: TreeArrays): number {
  let d = depthCache.get(t);
  if (d === undefined) {
    d = computeMaxDepth(t);
    depthCache.set(t, d);
  }
  return d;
}

function computeMaxDepth(t: TreeArrays): number {
  const n = t.feature.length;
  const depth = new Int32Array(n);
  let dmax = 0;
  // children always come after their parent in TreeArrays
  for (let i = 0; i < n; i++) {
    if (t.feature[i] >= 0) {
      depth[t.left[i]] = depth[i] + 1;
      depth[t.right[i]] = depth[i] + 1;
      if (depth[i] + 1 > dmax) dmax = depth[i] + 1;
    }
  }
  return dmax;
}

/**
 * Cover-weighted mean output of every node (XGBoost's `FillNodeMeanValues`): leaves keep their value,
 * an inner node averages its children by cover. The root's mean is the tree's expected value. Kept
 * per tree ensemble and value column (read-only: callers must not write to it).
 */
export function nodeMeanValues(t: TreeArrays, valueCol: number): Float64Array {
  let byCol = meansCache.get(t);
  if (!byCol) {
    byCol = new Map();
    meansCache.set(t, byCol);
  }
  let m = byCol.get(valueCol);
  if (!m) {
    m = computeNodeMeans(t, valueCol);
    byCol.set(valueCol, m);
  }
  return m;
}

function computeNodeMeans(t: TreeArrays, valueCol: number): Float64Array {
  const n = t.feature.length;
  const dim = t.valueDim;
  const mean = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    if (t.feature[i] < 0) mean[i] = t.value[i * dim + valueCol];
    else {
      const l = t.left[i];
      const r = t.right[i];
      mean[i] = (mean[l] * t.cover[l] + mean[r] * t.cover[r]) / t.cover[i];
    }
  }
  return mean;
}

/** Expected value of an output: base + scale · Σ trees' root means. */
export function expectedValue(t: TreeArrays, out: ShapOutput, means?: Float64Array): number {
  const m = means ?? nodeMeanValues(t, out.valueCol);
  let e = 0;
  for (const k of out.trees) e += m[t.treeRoot[k]];
  return out.base + out.scale * e;
}

/** Does row value `x` go to the left child of node `nd`? (the routing of `leafOf`) */
export function goesLeft(t: TreeArrays, nd: number, x: number): boolean {
  if (t.catLen[nd] === 0) return x <= t.threshold[nd] || (Number.isNaN(x) && t.defaultLeft[nd] === 1);
  if (!(x >= 0) || !Number.isInteger(x)) return t.defaultLeft[nd] === 1;
  const w = Math.floor(x / 32);
  if (w >= t.catLen[nd]) return false;
  return ((t.catBits[t.catStart[nd] + w] >>> (x % 32)) & 1) === 1;
}

/** Rows explained together, tree by tree, so one tree's tables stay in cache across them. */
const ROW_BLOCK = 256;

/**
 * SHAP values of rows [i0, i1) of column-major `data` (nRows × nFeatures) for one output, written to
 * `phi` row-major with stride nFeatures + 1 (column nFeatures = the expected value), starting at row
 * offset `phiRow0`. Each row's values sum to the output's value for that row. Trees with weight
 * `tables` (`buildLeafWeights`, Fast TreeSHAP v2) are explained through them in O(L·D) per row; the
 * others by the recursion of Algorithm 2. Every row adds the expected value first, then its trees in
 * the order of `out.trees`, whatever the blocking, so results do not depend on how rows are split.
 */
export function treeShapRows(
  t: TreeArrays,
  out: ShapOutput,
  data: Float64Array,
  nRows: number,
  nFeatures: number,
  i0: number,
  i1: number,
  phi: Float64Array,
  phiRow0 = i0,
  means?: Float64Array,
  tables?: LeafWeights | null,
): void {
  const stride = nFeatures + 1;
  const m = means ?? nodeMeanValues(t, out.valueCol);
  const ev = expectedValue(t, out, m);
  const { feature, left, right, cover, value, threshold, defaultLeft, catLen } = t;
  // the recursion's scratch, made the first time a tree needs the recursion
  let pf: Int32Array = EMPTY_I32;
  let pz: Float64Array = EMPTY_F64;
  let po: Float64Array = EMPTY_F64;
  let pw: Float64Array = EMPTY_F64;
  const needPaths = () => {
    if (pf !== EMPTY_I32) return;
    const store = new PathStore(maxTreeDepth(t) + 1);
    pf = store.feature;
    pz = store.zero;
    po = store.one;
    pw = store.pweight;
  };
  const dim = t.valueDim;
  const vcol = out.valueCol;
  let rowBase = 0;
  let row = 0;
  let scale = out.scale;

  const extend = (base: number, depth: number, zero: number, one: number, f: number) => {
    const u = base + depth;
    pf[u] = f;
    pz[u] = zero;
    po[u] = one;
    pw[u] = depth === 0 ? 1 : 0;
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

  // `base` is where the parent's path starts; this node's path is copied right after it.
  const recurse = (nd: number, parentBase: number, depth: number, zero: number, one: number, f: number) => {
    const base = parentBase + depth;
    // copy the parent's path (depth elements) into this frame
    for (let k = 0; k < depth; k++) {
      pf[base + k] = pf[parentBase + k];
      pz[base + k] = pz[parentBase + k];
      po[base + k] = po[parentBase + k];
      pw[base + k] = pw[parentBase + k];
    }
    extend(base, depth, zero, one, f);
    const sf = feature[nd];
    if (sf < 0) {
      const v = value[nd * dim + vcol] * scale;
      for (let i = 1; i <= depth; i++) {
        const w = unwoundSum(base, depth, i);
        phi[rowBase + pf[base + i]] += w * (po[base + i] - pz[base + i]) * v;
      }
      return;
    }
    const x = data[sf * nRows + row];
    const l = left[nd];
    const r = right[nd];
    // numeric splits routed inline over hoisted arrays (same rule as `goesLeft`); categorical ones call it
    const goLeft =
      catLen[nd] === 0
        ? x <= threshold[nd] || (Number.isNaN(x) && defaultLeft[nd] === 1)
        : goesLeft(t, nd, x);
    const hot = goLeft ? l : r;
    const cold = goLeft ? r : l;
    const w = cover[nd];
    let inZero = 1;
    let inOne = 1;
    let d = depth;
    let pi = 0;
    for (; pi <= d; pi++) if (pf[base + pi] === sf) break;
    if (pi !== d + 1) {
      inZero = pz[base + pi];
      inOne = po[base + pi];
      unwind(base, d, pi);
      d -= 1;
    }
    recurse(hot, base, d + 1, (cover[hot] / w) * inZero, inOne, sf);
    recurse(cold, base, d + 1, (cover[cold] / w) * inZero, 0, sf);
  };

  const fast = tables?.fast;
  // the JavaScript table pass's per-node masks, made the first time a tree takes that pass
  let failed: Int32Array | null = null;
  const trees = out.trees;
  // the table pass in WebAssembly where it can run (numeric splits), bit-for-bit the same sums
  const wasm = tables ? wasmShapFor(t, tables) : null;
  const run: number[] = [];
  for (let b0 = i0; b0 < i1; b0 += ROW_BLOCK) {
    const b1 = Math.min(i1, b0 + ROW_BLOCK);
    for (let i = b0; i < b1; i++) phi[(phiRow0 + i - i0) * stride + nFeatures] += ev;
    for (let q = 0; q < trees.length; q++) {
      const k = trees[q];
      const root = t.treeRoot[k];
      if (feature[root] < 0) continue; // a stump-less tree only moves the expected value
      if (wasm?.numeric[k] === 1) {
        // this tree and the ones after it that can also run there, in one call
        run.length = 0;
        for (; q < trees.length; q++) {
          const kk = trees[q];
          if (feature[t.treeRoot[kk]] < 0) continue;
          if (wasm.numeric[kk] !== 1) break;
          run.push(kk);
        }
        q--;
        wasm.addRows(
          run,
          vcol,
          out.scale,
          data,
          nRows,
          nFeatures,
          b0,
          b1,
          phi,
          (phiRow0 - i0) * stride,
          stride,
        );
        continue;
      }
      if (tables && fast![k] === 1) {
        failed ??= new Int32Array(feature.length);
        tableRows(
          t,
          tables,
          failed,
          k,
          out.scale,
          vcol,
          data,
          nRows,
          b0,
          b1,
          phi,
          (phiRow0 - i0) * stride,
          stride,
        );
        continue;
      }
      needPaths();
      for (let i = b0; i < b1; i++) {
        row = i;
        rowBase = (phiRow0 + i - i0) * stride;
        scale = out.scale;
        recurse(root, 0, 0, 1, 1, -1);
      }
    }
  }
}

/**
 * Rows [b0, b1) through tree k's weight tables: route each row through the inner nodes (parents
 * first), carrying the bitmask of path features it has failed, then add every leaf's table row for
 * its mask, times the leaf value. `phiOff + i·stride` is row i's first value.
 */
function tableRows(
  t: TreeArrays,
  tables: LeafWeights,
  failed: Int32Array,
  k: number,
  scale: number,
  vcol: number,
  data: Float64Array,
  nRows: number,
  b0: number,
  b1: number,
  phi: Float64Array,
  phiOff: number,
  stride: number,
): void {
  const { feature, left, right, threshold, defaultLeft, catLen, value } = t;
  const dim = t.valueDim;
  const { inner, nodeBit, leaf, leafDepth, weightStart, featureStart, pathFeature, weights } = tables;
  const n0 = tables.innerStart[k];
  const n1 = tables.innerStart[k + 1];
  const l0 = tables.leafStart[k];
  const l1 = tables.leafStart[k + 1];
  failed[t.treeRoot[k]] = 0;
  for (let i = b0; i < b1; i++) {
    for (let s = n0; s < n1; s++) {
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
    const rowBase = phiOff + i * stride;
    for (let s = l0; s < l1; s++) {
      const nd = leaf[s];
      const d = leafDepth[s];
      const v = value[nd * dim + vcol] * scale;
      const w = weightStart[s] + failed[nd] * d;
      const fo = featureStart[s];
      for (let q = 0; q < d; q++) phi[rowBase + pathFeature[fo + q]] += weights[w + q] * v;
    }
  }
}
