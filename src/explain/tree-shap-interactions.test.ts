import { describe, expect, it } from 'vitest';
import { type Matrix, Rng } from '../core/index.js';
import { GbdtEstimator, RandomForest } from '../learn/index.js';
import { loadFixture, readNumericCsv } from '../learn/import/xgboost-fixtures.js';
import { buildLeafWeights, buildPairWeights } from './leaf-weights.js';
import { interactionAt, treeShapInteractionRows, treeShapInteractions } from './tree-shap-interactions.js';
import { shapAt, treeModelView, treeShap } from './tree-shap.js';

/** The first `rows` rows of X. */
function head(X: Matrix, rows: number): Matrix {
  const data = new Float64Array(rows * X.nCols);
  for (let j = 0; j < X.nCols; j++) data.set(X.data.subarray(j * X.nRows, j * X.nRows + rows), j * rows);
  return { ...X, data, nRows: rows };
}

describe('SHAP interaction values', () => {
  // the reference: XGBoost's `predict(pred_interactions=True)` (python3-xgboost 1.7.4) on the same
  // imported trees and rows, made by src/explain/fixtures/make_interactions.py
  for (const name of ['binary', 'regression', 'multiclass']) {
    it(`${name}: equals XGBoost pred_interactions to 1e-6`, () => {
      const ref = readNumericCsv(new URL(`./fixtures/${name}.interactions.csv`, import.meta.url));
      const { model, X } = loadFixture(name);
      const s = treeShapInteractions(model, head(X, ref.length));
      const q = X.nCols + 1;
      expect(ref[0].length).toBe(s.nOutputs * q * q);
      let worst = 0;
      for (let i = 0; i < ref.length; i++)
        for (let k = 0; k < s.nOutputs; k++)
          for (let a = 0; a < q; a++)
            for (let b = 0; b < q; b++)
              worst = Math.max(worst, Math.abs(interactionAt(s, i, a, b, k) - ref[i][(k * q + a) * q + b]));
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('is symmetric, its rows sum to the SHAP values and the matrix to the output (GBDT, forest)', async () => {
    const rng = new Rng(3);
    const n = 120;
    const p = 4;
    const data = Float64Array.from({ length: n * p }, () => Math.round(rng.normal() * 4) / 4);
    const y = Float64Array.from({ length: n }, (_, i) =>
      data[i] * data[n + i] + data[2 * n + i] > 0 ? 1 : 0,
    );
    const X: Matrix = { data, nRows: n, nCols: p, columns: ['a', 'b', 'c', 'd'] };
    const gb = await new GbdtEstimator({ nEstimators: 15, maxDepth: 4, growth: 'depthwise' }).fit(X, y);
    const rf = await new RandomForest({ nEstimators: 5, maxDepth: 5, seed: 1 }).fit(X, y);
    for (const model of [gb, rf]) {
      const s = treeShapInteractions(model, X);
      const phi = treeShap(model, X);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        let total = 0;
        for (let a = 0; a <= p; a++) {
          let rowSum = 0;
          for (let b = 0; b <= p; b++) {
            rowSum += interactionAt(s, i, a, b);
            worst = Math.max(worst, Math.abs(interactionAt(s, i, a, b) - interactionAt(s, i, b, a)));
          }
          worst = Math.max(worst, Math.abs(rowSum - shapAt(phi, i, a)));
          total += rowSum;
        }
        let out = 0;
        for (let j = 0; j <= p; j++) out += shapAt(phi, i, j);
        worst = Math.max(worst, Math.abs(total - out));
      }
      expect(worst).toBeLessThan(1e-9);
    }
  });

  it('pair tables equal the conditioned recursion (categorical splits, repeats, trees past the budget)', async () => {
    const rng = new Rng(5);
    const n = 150;
    const p = 4;
    const data = Float64Array.from({ length: n * p }, (_, k) =>
      rng.uniform() < 0.08
        ? Number.NaN
        : k < n
          ? Math.floor(rng.uniform() * 5)
          : Math.round(rng.normal() * 4) / 4,
    );
    const y = Float64Array.from({ length: n }, (_, i) =>
      (data[i] % 2) + data[n + i] * data[2 * n + i] > 0.5 ? 1 : 0,
    );
    const X: Matrix = { data, nRows: n, nCols: p, columns: ['a', 'b', 'c', 'd'] };
    const gb = await new GbdtEstimator({
      nEstimators: 10,
      numLeaves: 24,
      maxDepth: 7,
      minChildSamples: 3,
      categoricalFeatures: [0],
    }).fit(X, y);
    const view = treeModelView(gb);
    expect(view.trees.catLen.some((c) => c > 0)).toBe(true);
    const out = view.outputs[0];
    const q2 = (p + 1) * (p + 1);
    const ref = new Float64Array(n * q2);
    treeShapInteractionRows(view.trees, out, X.data, n, p, 0, n, ref, 0, null, null);
    const full = buildLeafWeights(view.trees);
    for (const w of [
      full,
      buildLeafWeights(view.trees, { maxEntries: Math.floor(full.weights.length / 2) }),
    ]) {
      const got = new Float64Array(n * q2);
      treeShapInteractionRows(view.trees, out, X.data, n, p, 0, n, got, 0, w, buildPairWeights(w));
      let worst = 0;
      for (let k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k] - ref[k]));
      expect(worst).toBeLessThan(1e-12);
    }
  });
});
