import { describe, expect, it } from 'vitest';
import { type Matrix, Rng } from '../core/index.js';
import { DecisionTree, type FittedForest, FittedGbdt, GbdtEstimator, RandomForest } from '../learn/index.js';
import { loadFixture } from '../learn/import/xgboost-fixtures.js';
import { type TreeArrays, TreeBuilder } from '../compute/index.js';
import { meanAbsShap, shapAt, treeModelView, treeShap } from './tree-shap.js';
import { nodeMeanValues } from './tree-shap-kernel.js';

function randomMatrix(n: number, p: number, seed: number, missing = 0): { X: Matrix; y: Float64Array } {
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

/**
 * Brute-force Shapley values of one tree output with the path-dependent expectation (Lundberg et al.
 * 2020, Algorithm 1): v(S) = E[f(x) | x_S] walks the tree following x on features in S and averaging
 * the children by cover otherwise; φ_j = Σ_S |S|!(M−|S|−1)!/M! (v(S ∪ j) − v(S)), over all 2^M subsets.
 */
function bruteForceShap(
  t: TreeArrays,
  trees: Int32Array,
  valueCol: number,
  scale: number,
  X: Matrix,
  i: number,
): number[] {
  const M = X.nCols;
  const dim = t.valueDim;
  const v = (mask: number): number => {
    let s = 0;
    const walk = (nd: number): number => {
      const f = t.feature[nd];
      if (f < 0) return t.value[nd * dim + valueCol];
      if (mask & (1 << f)) {
        const x = X.data[f * X.nRows + i];
        const left = x <= t.threshold[nd] || (Number.isNaN(x) && t.defaultLeft[nd] === 1);
        return walk(left ? t.left[nd] : t.right[nd]);
      }
      const l = t.left[nd];
      const r = t.right[nd];
      return (t.cover[l] * walk(l) + t.cover[r] * walk(r)) / t.cover[nd];
    };
    for (const k of trees) s += walk(t.treeRoot[k]);
    return s * scale;
  };
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(M).fill(0);
  for (let j = 0; j < M; j++) {
    for (let mask = 0; mask < 1 << M; mask++) {
      if (mask & (1 << j)) continue;
      let size = 0;
      for (let q = 0; q < M; q++) if (mask & (1 << q)) size++;
      phi[j] += ((fact(size) * fact(M - size - 1)) / fact(M)) * (v(mask | (1 << j)) - v(mask));
    }
  }
  return phi;
}

describe('TreeSHAP', () => {
  // XGBoost's own TreeSHAP: `Booster.predict(d, pred_contribs=True)` (python3-xgboost 1.7.4), computed
  // on the same imported trees and rows by test/fixtures/xgboost/make_fixtures.py.
  for (const name of ['binary', 'regression', 'multiclass']) {
    it(`${name}: equals XGBoost pred_contribs to 1e-6`, () => {
      const { model, X, contribs } = loadFixture(name);
      const s = treeShap(model, X);
      const p = X.nCols;
      let worst = 0;
      for (let i = 0; i < X.nRows; i++)
        for (let k = 0; k < s.nOutputs; k++)
          for (let j = 0; j <= p; j++)
            worst = Math.max(worst, Math.abs(shapAt(s, i, j, k) - contribs[i][k * (p + 1) + j]));
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('equals brute-force Shapley enumeration on small trees (with ties and missing values)', async () => {
    const { X, y } = randomMatrix(200, 5, 1, 0.1);
    const gb = (await new GbdtEstimator({
      nEstimators: 3,
      maxDepth: 4,
      growth: 'depthwise',
      minChildSamples: 3,
    }).fit(X, y)) as FittedGbdt;
    const rf = (await new RandomForest({ nEstimators: 3, maxDepth: 4, seed: 2 }).fit(
      fillNaN(X),
      y,
    )) as FittedForest;
    for (const model of [gb, rf]) {
      const view = treeModelView(model);
      const out = view.outputs[0];
      const Xm = model === gb ? X : fillNaN(X);
      const s = treeShap(model, Xm);
      for (const i of [0, 3, 17, 101]) {
        const bf = bruteForceShap(view.trees, out.trees, out.valueCol, out.scale, Xm, i);
        for (let j = 0; j < 5; j++) expect(shapAt(s, i, j)).toBeCloseTo(bf[j], 12);
      }
    }
  });

  it('is additive on every row to 1e-9 for GBDT, random forest and CART', async () => {
    const { X, y } = randomMatrix(400, 6, 4, 0.05);
    const Xf = fillNaN(X);
    const gb = (await new GbdtEstimator({ nEstimators: 30, maxDepth: 6, growth: 'depthwise' }).fit(
      X,
      y,
    )) as FittedGbdt;
    const rf = await new RandomForest({ nEstimators: 20, maxDepth: 8, seed: 1 }).fit(Xf, y);
    const cart = await new DecisionTree({ maxDepth: 6 }).fit(Xf, y);
    const check = (margin: (i: number) => number, s: ReturnType<typeof treeShap>) => {
      let worst = 0;
      for (let i = 0; i < s.nRows; i++) {
        let sum = 0;
        for (let j = 0; j <= s.nFeatures; j++) sum += shapAt(s, i, j);
        worst = Math.max(worst, Math.abs(sum - margin(i)));
      }
      expect(worst).toBeLessThan(1e-9);
    };
    const raw = gb.predictRaw(X);
    check((i) => raw[i], treeShap(gb, X));
    const prf = rf.predictProba(Xf);
    check((i) => prf[2 * i + 1], treeShap(rf, Xf));
    const pc = cart.predictProba(Xf);
    check((i) => pc[2 * i + 1], treeShap(cart, Xf));
    // features the model never splits on get exactly 0
    const imp = meanAbsShap(treeShap(gb, X));
    expect(imp[0]).toBeGreaterThan(imp[5]);
  });

  it('hand case: a stump on x0 with covers 3:1', () => {
    // value 1 left (cover 3), 5 right (cover 1): E = (3·1 + 1·5)/4 = 2; x0 right ⇒ φ0 = 5 − 2 = 3.
    const b = new TreeBuilder(1);
    b.startTree();
    const root = b.addNode(0, 4, 4);
    const l = b.addNode(1, 3, 3);
    const r = b.addNode(5, 1, 1);
    b.setNumericSplit(root, 0, 0.5, 0, true, 1, l, r);
    const t = b.freeze();
    expect(nodeMeanValues(t, 0)[0]).toBe(2);
    const model = new FittedGbdt('regression', {}, ['x0', 'x1'], null, {
      trees: t,
      baseScore: [0],
      nOutputs: 1,
      objective: 'squared_error',
      nIterations: 1,
      bestIteration: null,
    });
    const s = treeShap(model, { data: Float64Array.from([1, 0]), nRows: 1, nCols: 2, columns: ['x0', 'x1'] });
    expect([...s.values]).toEqual([3, 0, 2]);
  });
});

function fillNaN(X: Matrix): Matrix {
  return { ...X, data: X.data.map((v) => (Number.isNaN(v) ? 0 : v)) };
}
