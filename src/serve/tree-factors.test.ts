import { describe, expect, it } from 'vitest';
import { TreeBuilder } from '../compute/index.js';
import { type Matrix, Rng } from '../core/index.js';
import { shapAt, treeShap } from '../explain/index.js';
import { loadFixture } from '../learn/import/xgboost-fixtures.js';
import { DecisionTree, FittedGbdt, GbdtEstimator, RandomForest } from '../learn/index.js';
import { treeShapPlan, treeShapPlanned } from './tree-factors.js';

function randomMatrix(n: number, p: number, seed: number, missing: number): { X: Matrix; y: Float64Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let k = 0; k < data.length; k++)
    data[k] = rng.uniform() < missing ? Number.NaN : Math.round(rng.normal() * 4) / 4;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Number.isNaN(data[i]) ? 0 : data[i];
    const b = Number.isNaN(data[n + i]) ? 0 : data[n + i];
    const c = Number.isNaN(data[2 * n + i]) ? 0 : data[2 * n + i];
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-(1.5 * a - b + a * c))) ? 1 : 0;
  }
  return { X: { data, nRows: n, nCols: p, columns: Array.from({ length: p }, (_, j) => `x${j}`) }, y };
}

function worstDiff(a: ReturnType<typeof treeShap>, b: ReturnType<typeof treeShap>): number {
  expect(b.values.length).toBe(a.values.length);
  let worst = 0;
  for (let k = 0; k < a.values.length; k++) worst = Math.max(worst, Math.abs(a.values[k] - b.values[k]));
  return worst;
}

describe('planned TreeSHAP (serving factors)', () => {
  // XGBoost's own TreeSHAP (`pred_contribs`, python3-xgboost 1.7.4) on the imported fixture trees
  for (const name of ['binary', 'regression', 'multiclass']) {
    it(`${name}: equals XGBoost pred_contribs to 1e-6`, () => {
      const { model, X, contribs } = loadFixture(name);
      const s = treeShapPlanned(treeShapPlan(model)!, X);
      const p = X.nCols;
      let worst = 0;
      for (let i = 0; i < X.nRows; i++)
        for (let k = 0; k < s.nOutputs; k++)
          for (let j = 0; j <= p; j++)
            worst = Math.max(worst, Math.abs(shapAt(s, i, j, k) - contribs[i][k * (p + 1) + j]));
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('equals the recursive TreeSHAP on deep GBDT (missing values), multiclass GBDT, forest and CART', async () => {
    const { X, y } = randomMatrix(300, 7, 3, 0.1);
    const Xf = { ...X, data: X.data.map((v) => (Number.isNaN(v) ? 0 : v)) };
    const y3 = y.map((v, i) => (v + (X.data[X.nRows + i] > 0.5 ? 1 : 0)) % 3);
    const models = [
      [await new GbdtEstimator({ nEstimators: 40, maxDepth: 12, numLeaves: 63 }).fit(X, y), X],
      [await new GbdtEstimator({ nEstimators: 10, maxDepth: 5 }).fit(X, y3), X],
      [await new RandomForest({ nEstimators: 10, maxDepth: 10, seed: 1 }).fit(Xf, y), Xf],
      [await new DecisionTree({ maxDepth: 8 }).fit(Xf, y), Xf],
    ] as const;
    for (const [model, M] of models) {
      const ref = treeShap(model, M);
      const got = treeShapPlanned(treeShapPlan(model)!, M);
      expect(got.nOutputs).toBe(ref.nOutputs);
      expect(worstDiff(ref, got)).toBeLessThan(1e-10);
    }
  });

  it('routes categorical splits and repeated features like the recursive TreeSHAP', () => {
    // x0 categorical {1, 3} left; then x1 numeric twice on one path; NaN goes by the default side
    const b = new TreeBuilder(1);
    b.startTree();
    const root = b.addNode(0, 10, 10);
    const l = b.addNode(0, 6, 6);
    const r = b.addNode(4, 4, 4);
    b.setCategoricalSplit(root, 0, [1, 3], false, 1, l, r);
    const ll = b.addNode(0, 4, 4);
    const lr = b.addNode(2, 2, 2);
    b.setNumericSplit(l, 1, 0.5, 0, true, 1, ll, lr);
    const lll = b.addNode(-1, 3, 3);
    const llr = b.addNode(1, 1, 1);
    b.setNumericSplit(ll, 1, -0.5, 0, false, 1, lll, llr);
    const model = new FittedGbdt('regression', {}, ['x0', 'x1', 'x2'], null, {
      trees: b.freeze(),
      baseScore: [0.5],
      nOutputs: 1,
      objective: 'squared_error',
      nIterations: 1,
      bestIteration: null,
    });
    const rows = [
      [1, -1, 0],
      [3, 0, 0],
      [2, 0, 0],
      [Number.NaN, Number.NaN, 0],
      [1.5, 2, 0],
      [40, -3, 0],
    ];
    const n = rows.length;
    const data = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) for (let j = 0; j < 3; j++) data[j * n + i] = rows[i][j];
    const X: Matrix = { data, nRows: n, nCols: 3, columns: ['x0', 'x1', 'x2'] };
    expect(worstDiff(treeShap(model, X), treeShapPlanned(treeShapPlan(model)!, X))).toBeLessThan(1e-12);
  });

  it('plans once per model', () => {
    const { model } = loadFixture('binary');
    expect(treeShapPlan(model)).toBe(treeShapPlan(model));
  });
});
