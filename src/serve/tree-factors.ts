/**
 * TreeSHAP for the factors of a prediction, planned once per model so that a request pays only for
 * its own rows. Same values as `treeShap` (src/explain: exact, path-dependent, Lundberg et al. 2020),
 * computed leaf by leaf instead of by the unique-path recursion:
 *
 * for a leaf with value v whose path tests the distinct features D (|D| = d), with z_j the fraction
 * of training cover that follows the path at feature j's splits and o_j ∈ {0, 1} whether the row
 * follows them all, the leaf adds to feature i ∈ D
 *
 *   φ_i = v · (o_i − z_i) · Σ_{S ⊆ D∖i} |S|! (d−|S|−1)! / d! · Π_{j∈S} o_j · Π_{j∈D∖S∖i} z_j
 *       = v · (o_i − z_i) · ∫₀¹ Π_{j∈D∖i} (z_j (1−t) + o_j t) dt
 *
 * (the Shapley weight is the Beta integral ∫₀¹ t^|S| (1−t)^(d−|S|−1) dt). The integrand is a
 * polynomial of degree d − 1, so Gauss–Legendre quadrature with ⌈d/2⌉ points is exact: the idea of
 * Linear TreeShap (Yu et al., NeurIPS 2022). The z_j, features and path tests of every leaf depend on
 * the model only and are planned once; per row each inner node is routed once, then each leaf costs
 * ≈ d² multiply-adds with no recursion and no allocation.
 *
 * Pure: typed arrays in, typed arrays out.
 */
import type { Matrix } from '../core/index.js';
import { isTreeModel, type ShapValues, treeModelView } from '../explain/index.js';
import type { FittedModel } from '../learn/index.js';

interface OutputPlan {
  /** Inner nodes of this output's trees (routed once per row). */
  readonly inner: Int32Array;
  readonly leafValue: Float64Array;
  /** Per leaf, its slots (distinct path features) are [slotStart[l], slotStart[l+1]). */
  readonly slotStart: Int32Array;
  readonly slotFeature: Int32Array;
  readonly slotZero: Float64Array;
  /** Per leaf, its path tests are [testStart[l], testStart[l+1]): node, side taken, slot (global). */
  readonly testStart: Int32Array;
  readonly testNode: Int32Array;
  readonly testLeft: Uint8Array;
  readonly testSlot: Int32Array;
  readonly expected: number;
}

/** A model's trees, laid out for `treeShapPlanned`. */
export interface TreeShapPlan {
  readonly outputs: readonly OutputPlan[];
  readonly outputNames: readonly string[];
  readonly featureNames: readonly string[];
  readonly space: ShapValues['space'];
  readonly maxSlots: number;
  /** Split feature, threshold, missing-value side and categorical bitset length of every node. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly defaultLeft: Uint8Array;
  readonly catLen: Int32Array;
  readonly route: (nd: number, x: number) => boolean;
}

const plans = new WeakMap<FittedModel, TreeShapPlan | null>();

/** The plan of a tree model (built once, cached per fitted model); null for other kinds. */
export function treeShapPlan(model: FittedModel): TreeShapPlan | null {
  let p = plans.get(model);
  if (p !== undefined) return p;
  p = isTreeModel(model) ? buildPlan(model) : null;
  plans.set(model, p);
  return p;
}

function buildPlan(model: FittedModel): TreeShapPlan {
  const view = treeModelView(model);
  const t = view.trees;
  const { feature, left, right, cover, value, threshold, defaultLeft, catLen, catStart, catBits } = t;
  const dim = t.valueDim;
  // the routing of `leafOf` / the TreeSHAP kernel
  const route = (nd: number, x: number): boolean => {
    if (catLen[nd] === 0) return x <= threshold[nd] || (Number.isNaN(x) && defaultLeft[nd] === 1);
    if (!(x >= 0) || !Number.isInteger(x)) return defaultLeft[nd] === 1;
    const w = Math.floor(x / 32);
    if (w >= catLen[nd]) return false;
    return ((catBits[catStart[nd] + w] >>> (x % 32)) & 1) === 1;
  };
  let maxSlots = 0;
  const outputs = view.outputs.map((out): OutputPlan => {
    const inner: number[] = [];
    const leafValue: number[] = [];
    const slotStart: number[] = [0];
    const slotFeature: number[] = [];
    const slotZero: number[] = [];
    const testStart: number[] = [0];
    const testNode: number[] = [];
    const testLeft: number[] = [];
    const testSlot: number[] = [];
    // mean output of every node, by cover (the root's is the tree's expected value)
    const mean = new Float64Array(feature.length);
    for (let i = feature.length - 1; i >= 0; i--) {
      if (feature[i] < 0) mean[i] = value[i * dim + out.valueCol];
      else mean[i] = (mean[left[i]] * cover[left[i]] + mean[right[i]] * cover[right[i]]) / cover[i];
    }
    let expected = out.base;
    const pathNode: number[] = [];
    const pathLeft: number[] = [];
    const walk = (nd: number): void => {
      if (feature[nd] < 0) {
        // one leaf: merge the path's tests by feature
        const feats: number[] = [];
        const zero: number[] = [];
        const s0 = slotFeature.length;
        for (let k = 0; k < pathNode.length; k++) {
          const p = pathNode[k];
          const child = pathLeft[k] ? left[p] : right[p];
          let s = feats.indexOf(feature[p]);
          if (s < 0) {
            s = feats.length;
            feats.push(feature[p]);
            zero.push(1);
          }
          zero[s] *= cover[child] / cover[p];
          testNode.push(p);
          testLeft.push(pathLeft[k]);
          testSlot.push(s0 + s);
        }
        slotFeature.push(...feats);
        slotZero.push(...zero);
        slotStart.push(slotFeature.length);
        testStart.push(testNode.length);
        leafValue.push(value[nd * dim + out.valueCol] * out.scale);
        if (feats.length > maxSlots) maxSlots = feats.length;
        return;
      }
      inner.push(nd);
      pathNode.push(nd);
      pathLeft.push(1);
      walk(left[nd]);
      pathLeft[pathLeft.length - 1] = 0;
      walk(right[nd]);
      pathNode.pop();
      pathLeft.pop();
    };
    for (const k of out.trees) {
      const root = t.treeRoot[k];
      expected += out.scale * mean[root];
      if (feature[root] >= 0) walk(root); // a stump only moves the expected value
    }
    return {
      inner: Int32Array.from(inner),
      leafValue: Float64Array.from(leafValue),
      slotStart: Int32Array.from(slotStart),
      slotFeature: Int32Array.from(slotFeature),
      slotZero: Float64Array.from(slotZero),
      testStart: Int32Array.from(testStart),
      testNode: Int32Array.from(testNode),
      testLeft: Uint8Array.from(testLeft),
      testSlot: Int32Array.from(testSlot),
      expected,
    };
  });
  return {
    outputs,
    outputNames: view.outputNames,
    featureNames: model.featureNames,
    space: view.space,
    maxSlots,
    feature,
    threshold,
    defaultLeft,
    catLen,
    route,
  };
}

/** Gauss–Legendre nodes and weights on [0, 1], by number of points (Newton on Legendre polynomials). */
const gaussCache: { t: Float64Array; w: Float64Array }[] = [];
function gaussLegendre(m: number): { t: Float64Array; w: Float64Array } {
  const hit = gaussCache[m];
  if (hit) return hit;
  const t = new Float64Array(m);
  const w = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= m; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (m * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    t[i] = (1 - x) / 2;
    w[i] = 1 / ((1 - x * x) * dp * dp);
  }
  gaussCache[m] = { t, w };
  return gaussCache[m];
}

/**
 * SHAP values of every row of `X` (column-major, the model's feature space), laid out as
 * `treeShap` returns them: row-major nRows × nOutputs × (nFeatures + 1), the last column of each block
 * the expected value.
 */
export function treeShapPlanned(plan: TreeShapPlan, X: Matrix): ShapValues {
  const n = X.nRows;
  const p = X.nCols;
  const K = plan.outputs.length;
  const stride = p + 1;
  const values = new Float64Array(n * K * stride);
  const goLeft = new Uint8Array(plan.feature.length);
  const one = new Float64Array(plan.maxSlots);
  const fac = new Float64Array(plan.maxSlots);
  const pre = new Float64Array(plan.maxSlots + 1);
  const acc = new Float64Array(plan.maxSlots);
  const row = new Float64Array(p);
  const data = X.data;
  // Gauss–Legendre points for every ⌈d/2⌉ a leaf can need, flat: m points start at gaussStart[m]
  const mMax = (plan.maxSlots + 1) >> 1;
  const gaussStart = new Int32Array(mMax + 2);
  for (let m = 1; m <= mMax; m++) gaussStart[m + 1] = gaussStart[m] + m;
  const gaussT = new Float64Array(gaussStart[mMax + 1]);
  const gaussW = new Float64Array(gaussStart[mMax + 1]);
  for (let m = 1; m <= mMax; m++) {
    const g = gaussLegendre(m);
    gaussT.set(g.t, gaussStart[m]);
    gaussW.set(g.w, gaussStart[m]);
  }
  const route = plan.route;
  const { feature, threshold, defaultLeft, catLen } = plan;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) row[j] = data[j * n + i];
    for (let k = 0; k < K; k++) {
      const o = plan.outputs[k];
      const base = (i * K + k) * stride;
      values[base + p] = o.expected;
      const { inner, slotStart, slotFeature, slotZero, testStart, testNode, testLeft, testSlot, leafValue } =
        o;
      // route every inner node once; each leaf then reads its path's sides
      for (let a = 0; a < inner.length; a++) {
        const nd = inner[a];
        const x = row[feature[nd]];
        goLeft[nd] =
          catLen[nd] === 0
            ? x <= threshold[nd] || (Number.isNaN(x) && defaultLeft[nd] === 1)
              ? 1
              : 0
            : route(nd, x)
              ? 1
              : 0;
      }
      for (let l = 0; l < leafValue.length; l++) {
        const s0 = slotStart[l];
        const d = slotStart[l + 1] - s0;
        for (let s = 0; s < d; s++) one[s] = 1;
        for (let e = testStart[l]; e < testStart[l + 1]; e++)
          if (goLeft[testNode[e]] !== testLeft[e]) one[testSlot[e] - s0] = 0;
        const m = (d + 1) >> 1;
        const g0 = gaussStart[m];
        for (let s = 0; s < d; s++) acc[s] = 0;
        for (let q = 0; q < m; q++) {
          const tq = gaussT[g0 + q];
          pre[0] = 1;
          for (let s = 0; s < d; s++) {
            const z = slotZero[s0 + s];
            fac[s] = z + (one[s] - z) * tq;
            pre[s + 1] = pre[s] * fac[s];
          }
          let suf = gaussW[g0 + q];
          for (let s = d - 1; s >= 0; s--) {
            acc[s] += pre[s] * suf;
            suf *= fac[s];
          }
        }
        const v = leafValue[l];
        for (let s = 0; s < d; s++)
          values[base + slotFeature[s0 + s]] += v * (one[s] - slotZero[s0 + s]) * acc[s];
      }
    }
  }
  return {
    values,
    nRows: n,
    nFeatures: p,
    nOutputs: K,
    featureNames: plan.featureNames,
    outputNames: plan.outputNames,
    expectedValue: Float64Array.from(plan.outputs, (o) => o.expected),
    space: plan.space,
  };
}
