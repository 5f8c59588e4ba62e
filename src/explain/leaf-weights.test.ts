import { describe, expect, it } from 'vitest';
import { type Matrix, Rng } from '../core/index.js';
import { DecisionTree, GbdtEstimator, RandomForest } from '../learn/index.js';
import { loadFixture } from '../learn/import/xgboost-fixtures.js';
import {
  buildLeafWeights,
  type LeafWeights,
  type LeafWeightsOptions,
  leafWeightsMinRows,
} from './leaf-weights.js';
import { type TreeModelView, treeModelView } from './tree-shap.js';
import { maxTreeDepth, treeShapRows } from './tree-shap-kernel.js';
import { enableWasmShap } from './wasm-shap.js';

function randomMatrix(
  n: number,
  p: number,
  seed: number,
  missing = 0,
  cats = 0,
): { X: Matrix; y: Float64Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let k = 0; k < data.length; k++) {
    const j = Math.floor(k / n);
    data[k] =
      rng.uniform() < missing
        ? Number.NaN
        : j < cats
          ? Math.floor(rng.uniform() * 6)
          : Math.round(rng.normal() * 4) / 4;
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Number.isNaN(data[i]) ? 0 : data[i] - 2.5;
    const b = Number.isNaN(data[n + i]) ? 0 : data[n + i];
    const c = Number.isNaN(data[2 * n + i]) ? 0 : data[2 * n + i];
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-(1.5 * a - b + a * c))) ? 1 : 0;
  }
  return { X: { data, nRows: n, nCols: p, columns: Array.from({ length: p }, (_, j) => `x${j}`) }, y };
}

/** SHAP values of every output of `view` on X, through `weights` (or by recursion when null). */
function shapOf(view: TreeModelView, X: Matrix, weights: LeafWeights | null): Float64Array[] {
  return view.outputs.map((out) => {
    const phi = new Float64Array(X.nRows * (X.nCols + 1));
    treeShapRows(view.trees, out, X.data, X.nRows, X.nCols, 0, X.nRows, phi, 0, undefined, weights);
    return phi;
  });
}

function worstGap(a: Float64Array[], b: Float64Array[]): number {
  let worst = 0;
  for (let k = 0; k < a.length; k++)
    for (let q = 0; q < a[k].length; q++) worst = Math.max(worst, Math.abs(a[k][q] - b[k][q]));
  return worst;
}

describe('TreeSHAP through leaf weights (Fast TreeSHAP v2)', () => {
  // the reference: XGBoost's `pred_contribs` (python3-xgboost 1.7.4) on the same imported trees
  for (const name of ['binary', 'regression', 'multiclass']) {
    it(`${name}: equals XGBoost pred_contribs to 1e-6 and the recursion to 1e-12`, () => {
      const { model, X, contribs } = loadFixture(name);
      const view = treeModelView(model);
      const w = buildLeafWeights(view.trees);
      expect(w.fast.every((f, k) => f === 1 || view.trees.feature[view.trees.treeRoot[k]] < 0)).toBe(true);
      const fast = shapOf(view, X, w);
      expect(worstGap(fast, shapOf(view, X, null))).toBeLessThan(1e-12);
      const p = X.nCols;
      let worst = 0;
      for (let i = 0; i < X.nRows; i++)
        for (let k = 0; k < fast.length; k++)
          for (let j = 0; j <= p; j++)
            worst = Math.max(worst, Math.abs(fast[k][i * (p + 1) + j] - contribs[i][k * (p + 1) + j]));
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('equals the recursion with missing values, categorical splits and repeated path features', async () => {
    const { X, y } = randomMatrix(400, 4, 3, 0.08, 1);
    const Xf = { ...X, data: X.data.map((v) => (Number.isNaN(v) ? 0 : v)) };
    // 4 features and paths up to 8 deep: most leaves split on some feature twice
    const gb = await new GbdtEstimator({
      nEstimators: 15,
      numLeaves: 40,
      maxDepth: 8,
      minChildSamples: 3,
      categoricalFeatures: [0],
    }).fit(X, y);
    const rf = await new RandomForest({ nEstimators: 8, maxDepth: 9, seed: 1 }).fit(Xf, y);
    const yc = Float64Array.from(y, (v, i) => v + (i % 3 === 0 ? 1 : 0)); // 3 classes: forest outputs 0…2
    const rf3 = await new RandomForest({ nEstimators: 6, maxDepth: 7, seed: 2 }).fit(Xf, yc);
    const cart = await new DecisionTree({ maxDepth: 10 }).fit(Xf, y);
    for (const [model, Xm] of [
      [gb, X],
      [rf, Xf],
      [rf3, Xf],
      [cart, Xf],
    ] as const) {
      const view = treeModelView(model);
      const w = buildLeafWeights(view.trees);
      expect(w.fast.some((f) => f === 1)).toBe(true);
      if (model === gb) {
        expect(view.trees.catLen.some((c) => c > 0)).toBe(true);
        expect(maxTreeDepth(view.trees)).toBeGreaterThan(Math.max(...w.leafDepth)); // repeats on paths
      }
      expect(worstGap(shapOf(view, Xm, w), shapOf(view, Xm, null))).toBeLessThan(1e-12);
    }
  });

  it('the WebAssembly table pass gives the JavaScript one bit for bit (mixed ensembles, blocks, one row)', async () => {
    const { X, y } = randomMatrix(700, 5, 11, 0.06, 1);
    const Xf = { ...X, data: X.data.map((v) => (Number.isNaN(v) ? 0.5 : v)) };
    // categorical splits in some trees: those stay in JavaScript, the others run in WebAssembly
    const gb = await new GbdtEstimator({ nEstimators: 20, numLeaves: 24, categoricalFeatures: [0] }).fit(
      X,
      y,
    );
    const yc = Float64Array.from(y, (v, i) => v + (i % 3 === 0 ? 1 : 0));
    const rf3 = await new RandomForest({ nEstimators: 6, maxDepth: 7, seed: 4 }).fit(Xf, yc);
    const fixture = loadFixture('multiclass');
    for (const [model, Xm] of [
      [gb, X],
      [rf3, Xf],
      [fixture.model, fixture.X],
    ] as const) {
      const view = treeModelView(model);
      const w = buildLeafWeights(view.trees);
      const one = {
        ...Xm,
        nRows: 1,
        data: Float64Array.from({ length: Xm.nCols }, (_, j) => Xm.data[j * Xm.nRows]),
      };
      for (const rows of [Xm, one]) {
        enableWasmShap(false);
        const js = shapOf(view, rows, w);
        enableWasmShap(true);
        const wasm = shapOf(view, rows, w);
        for (let k = 0; k < js.length; k++)
          expect(
            Buffer.from(wasm[k].buffer).equals(Buffer.from(js[k].buffer)),
            `output ${k}, ${rows.nRows} rows`,
          ).toBe(true);
      }
    }
  });

  it('leaves trees past the budget to the recursion, and mixed ensembles still agree', async () => {
    const { X, y } = randomMatrix(400, 6, 7, 0.05);
    const gb = await new GbdtEstimator({ nEstimators: 12, maxDepth: 6, growth: 'depthwise' }).fit(X, y);
    const view = treeModelView(gb);
    const ref = shapOf(view, X, null);
    const full = buildLeafWeights(view.trees);
    const entries = full.weights.length;
    for (const opts of [
      { maxEntries: Math.floor(entries / 2) },
      { maxPathFeatures: 3 },
      { maxTreeEntries: 0 },
    ] satisfies LeafWeightsOptions[]) {
      const w = buildLeafWeights(view.trees, opts);
      expect(w.weights.length).toBeLessThan(entries);
      expect(worstGap(shapOf(view, X, w), ref)).toBeLessThan(1e-12);
    }
    expect(buildLeafWeights(view.trees, { maxTreeEntries: 0 }).fast.every((f) => f === 0)).toBe(true);
    expect(leafWeightsMinRows(view.trees)).toBe(64);
  });

  it('hand case: one leaf of a depth-2 tree on two features', () => {
    // root x0 ≤ 0 (cover 4: 1 left, 3 right); right child x1 ≤ 0 (3: 1 left, 2 right). The leaf
    // x0 > 0, x1 > 0 has z0 = 3/4, z1 = 2/3 and the 2-player Shapley weights 1/2, 1/2:
    // failing neither: φ0 = (1 − z0)·(z1 + 1)/2 = 5/24, φ1 = (1 − z1)·(z0 + 1)/2 = 7/24.
    const w = buildLeafWeights({
      feature: Int32Array.from([0, -1, 1, -1, -1]),
      threshold: new Float64Array(5),
      thresholdBin: new Int32Array(5),
      left: Int32Array.from([1, -1, 3, -1, -1]),
      right: Int32Array.from([2, -1, 4, -1, -1]),
      defaultLeft: new Uint8Array(5),
      catStart: new Int32Array(5),
      catLen: new Int32Array(5),
      catBits: new Uint32Array(0),
      value: Float64Array.from([0, 1, 0, 2, 3]),
      cover: Float64Array.from([4, 1, 3, 1, 2]),
      count: Float64Array.from([4, 1, 3, 1, 2]),
      gain: new Float64Array(5),
      treeRoot: Int32Array.from([0]),
      valueDim: 1,
    });
    const s = [...w.leaf].indexOf(4);
    expect(w.leafDepth[s]).toBe(2);
    const at = w.weightStart[s];
    expect(w.weights[at]).toBeCloseTo(5 / 24, 15);
    expect(w.weights[at + 1]).toBeCloseTo(7 / 24, 15);
    // failing x1 (mask 0b10, row 2): φ0 = (1 − z0)·(z1 + 0)/2 = 1/12, φ1 = (0 − z1)·(z0 + 1)/2 = −7/12
    expect(w.weights[at + 4]).toBeCloseTo(1 / 12, 15);
    expect(w.weights[at + 5]).toBeCloseTo(-7 / 12, 15);
  });
});
