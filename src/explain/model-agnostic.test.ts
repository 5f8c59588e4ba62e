import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { GbdtEstimator, LogisticRegression } from '../learn/index.js';
import {
  closeShapPool,
  linearShap,
  partialDependence,
  permutationImportance,
  shapAt,
  topFactors,
  topFactorsFromShap,
  treeShap,
  treeShapAsync,
} from './index.js';

function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const p = 4;
  const d = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) d[j * n + i] = rng.normal();
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-(2 * d[i] - d[n + i]))) ? 1 : 0;
  }
  return { X: { data: d, nRows: n, nCols: p, columns: ['hba1c', 'age', 'noise1', 'noise2'] }, y };
}

afterAll(() => closeShapPool());

describe('model-agnostic explanations', () => {
  it('linear SHAP: φ_j = β_j (x_j − mean_j), rows sum to the linear predictor (hand formula)', async () => {
    const { X, y } = data(300, 1);
    const m = (await new LogisticRegression({ penalty: 'none' }).fit(X, y)) as any;
    const means = [0.1, -0.2, 0, 0.3];
    const s = linearShap(m, X, means);
    const i = 7;
    expect(shapAt(s, i, 0)).toBeCloseTo(m.coef[0] * (X.data[i] - 0.1), 12);
    let z = m.intercept[0];
    for (let j = 0; j < 4; j++) z += m.coef[j] * X.data[j * 300 + i];
    let sum = 0;
    for (let j = 0; j <= 4; j++) sum += shapAt(s, i, j);
    expect(sum).toBeCloseTo(z, 10);
  });

  it('permutation importance ranks the real signal first; PDP rises with the driving feature', async () => {
    const { X, y } = data(600, 2);
    const m = await new GbdtEstimator({ nEstimators: 40, maxDepth: 3, growth: 'depthwise' }).fit(X, y);
    const test = data(400, 3);
    const pi = permutationImportance(m, test.X, test.y, { repeats: 3, seed: 1 });
    expect(pi.importances[0].mean).toBeGreaterThan(pi.importances[2].mean);
    expect(pi.importances[0].drops).toHaveLength(3);
    const pd = partialDependence(m, test.X, 'hba1c', { gridSize: 10, iceRows: 5 });
    expect(pd.average[pd.average.length - 1]).toBeGreaterThan(pd.average[0]);
    expect(pd.ice).toHaveLength(5 * pd.grid.length);
  });

  it('top factors: sorted by |contribution|, with direction and a sentence', async () => {
    const { X, y } = data(500, 4);
    const m = await new GbdtEstimator({ nEstimators: 30, maxDepth: 3, growth: 'depthwise' }).fit(X, y);
    const f = topFactors(m, X, 0, 3, { units: { hba1c: 'mmol/mol' } });
    expect(f.length).toBeGreaterThan(0);
    for (let k = 1; k < f.length; k++)
      expect(Math.abs(f[k - 1].contribution)).toBeGreaterThanOrEqual(Math.abs(f[k].contribution));
    const h = f.find((x) => x.feature === 'hba1c');
    if (h) expect(h.sentence).toMatch(/hba1c = .* mmol\/mol (raises|lowers) the predicted risk/);
    expect(f[0].direction).toBe(f[0].contribution > 0 ? 'increases' : 'decreases');
  });

  it('top factors pick the largest |contribution| (ties by feature order, zeros left out)', () => {
    // one row, one output, six features and the expected value: contributions chosen by hand
    const c = [0.2, -0.5, 0, 0.5, -0.2, 0.1];
    const s = {
      values: Float64Array.from([...c, 1.5]),
      nRows: 1,
      nFeatures: 6,
      nOutputs: 1,
      featureNames: ['a', 'b', 'c', 'd', 'e', 'f'],
      outputNames: ['risk'],
      expectedValue: Float64Array.from([1.5]),
      space: 'margin' as const,
    };
    const X = { data: Float64Array.from([1, 2, 3, 4, 5, 6]), nRows: 1, nCols: 6, columns: s.featureNames };
    const names = (k: number) => topFactorsFromShap(s, X, 0, k).map((f) => f.feature);
    // |−0.5| = |0.5|: b before d (feature order); then a before e (|0.2| each); f; c (0) never
    expect(names(10)).toEqual(['b', 'd', 'a', 'e', 'f']);
    expect(names(3)).toEqual(['b', 'd', 'a']);
    expect(names(1)).toEqual(['b']);
    expect(names(0)).toEqual([]);
    expect(topFactorsFromShap(s, X, 0, 2)[0]).toEqual({
      feature: 'b',
      value: 2,
      contribution: -0.5,
      direction: 'decreases',
      sentence: 'b = 2 lowers the predicted risk (−0.5 log-odds).',
    });
  });

  it('worker-thread TreeSHAP equals the single-threaded values exactly', async () => {
    const { X, y } = data(3000, 5);
    const m = await new GbdtEstimator({ nEstimators: 40, maxDepth: 4, growth: 'depthwise' }).fit(X, y);
    const a = treeShap(m, X);
    const b = await treeShapAsync(m, X, { threads: 2 });
    expect(b.values).toEqual(a.values);
  });
});
