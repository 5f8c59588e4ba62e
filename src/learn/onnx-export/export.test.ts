import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { type Matrix, Rng, matrixFromRows } from '../../core/index.js';
import type { SerializedModel } from '../estimator.js';
import { modelKind } from '../registry.js';
import '../index.js';
import '../gbdt/gbdt.js';
import '../forest.js';
import '../cart.js';
import { exportToOnnx } from './index.js';

async function runOnnx(bytes: Uint8Array, X: Matrix, extra: Record<string, ort.Tensor> = {}) {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const rowMajor = new Float64Array(X.nRows * X.nCols);
  for (let i = 0; i < X.nRows; i++)
    for (let j = 0; j < X.nCols; j++) rowMajor[i * X.nCols + j] = X.data[j * X.nRows + i];
  const out = await s.run({ X: new ort.Tensor('float64', rowMajor, [X.nRows, X.nCols]), ...extra });
  await s.release();
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function data(n: number, p: number, classes: number, seed: number, nanRate = 0) {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = Array.from({ length: p }, () => rng.normal());
    const s = r[0] + 0.8 * r[1] - 0.5 * r[2] + 0.3 * rng.normal();
    y[i] = classes === 0 ? 3 * s + 10 : classes === 2 ? (s > 0 ? 1 : 0) : s < -0.5 ? 0 : s < 0.5 ? 1 : 2;
    rows.push(r.map((v) => (rng.uniform() < nanRate ? Number.NaN : v)));
  }
  return {
    X: matrixFromRows(
      rows,
      Array.from({ length: p }, (_, j) => `x${j}`),
    ),
    y,
  };
}

const CASES: Array<[string, Record<string, unknown>, number, number]> = [
  ['logistic', {}, 2, 0],
  ['logistic', {}, 3, 0],
  ['linear', {}, 0, 0],
  ['mlp', { hiddenLayerSizes: [8, 4], maxIter: 30, seed: 1 }, 2, 0],
  ['mlp', { hiddenLayerSizes: [6], maxIter: 30, seed: 1, activation: 'tanh' }, 3, 0],
  ['gbdt', { nEstimators: 20, seed: 1 }, 2, 0.1],
  ['gbdt', { nEstimators: 10, seed: 1 }, 3, 0.1],
  ['gbdt', { nEstimators: 20, seed: 1 }, 0, 0.1],
  ['random-forest', { nEstimators: 15, seed: 1 }, 3, 0],
  ['random-forest', { nEstimators: 15, seed: 1 }, 0, 0],
  ['cart', { maxDepth: 5 }, 2, 0],
];

describe('ONNX export of Aegle models', () => {
  for (const [kind, params, classes, nanRate] of CASES) {
    const task = classes === 0 ? 'regression' : classes === 2 ? 'binary' : 'multiclass';
    it(`${kind} (${task}) agrees with native predictions to 1e-5`, async () => {
      const { X, y } = data(300, 5, classes, 7, nanRate);
      const est = modelKind(kind).create(params);
      const fitted = await est.fit(
        X,
        y,
        classes
          ? { task: task as 'binary', classes: Array.from({ length: classes }, (_, k) => `c${k}`) }
          : { task: 'regression' },
      );
      const bytes = exportToOnnx(fitted.toJSON());
      const out = await runOnnx(bytes, X);
      if (classes === 0) {
        const native = fitted.predict(X);
        const onnx = out.variable.data as Float32Array;
        for (let i = 0; i < native.length; i++)
          expect(Math.abs(onnx[i] - native[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(native[i])));
      } else {
        expect(maxAbsDiff(out.probabilities.data as Float32Array, fitted.predictProba(X))).toBeLessThan(1e-5);
        expect(Array.from(out.label.data as BigInt64Array, Number)).toEqual(Array.from(fitted.predict(X)));
      }
    });
  }

  it('puts fitted imputation, scaling and one-hot encoding in front of a hand-built logistic model', async () => {
    // features: a, b (numeric, imputed then standardised), then one-hot of `site` ∈ {north, south}
    const model: SerializedModel = {
      kind: 'logistic',
      formatVersion: 1,
      task: 'binary',
      params: {},
      featureNames: ['a', 'b', 'site=north', 'site=south'],
      classes: ['no', 'yes'],
      state: {},
      arrays: { coef: Float64Array.of(0.5, -1, 2, -0.25), intercept: Float64Array.of(0.1) },
    };
    const pre = {
      imputeValues: [1, 2],
      scaler: { mean: [1, 0], scale: [2, 4] },
      oneHot: [{ name: 'site', categories: ['north', 'south'] }],
    };
    const bytes = exportToOnnx(model, { preprocessing: pre });
    const X = matrixFromRows(
      [
        [3, Number.NaN],
        [Number.NaN, -4],
        [0, 0],
      ],
      ['a', 'b'],
    );
    const sites = ['north', 'south', 'east'];
    const out = await runOnnx(bytes, X, { site: new ort.Tensor('string', sites, [3, 1]) });
    const expected = [
      [3, 2, 1, 0],
      [1, -4, 0, 1],
      [0, 0, 0, 0], // unknown category → all zeros
    ].map(([a, b, n, s]) => {
      const z = 0.1 + 0.5 * ((a - 1) / 2) - 1 * (b / 4) + 2 * n - 0.25 * s;
      return 1 / (1 + Math.exp(-z));
    });
    const p = out.probabilities.data as Float32Array;
    for (let i = 0; i < 3; i++) expect(p[2 * i + 1]).toBeCloseTo(expected[i], 6);
  });

  it('routes missing values as the tree says (hand-built tree, defaultLeft)', async () => {
    // root: x0 <= 0.5 (NaN → right); left leaf 1.5, right: x1 <= 2 (NaN → left) → leaves 3, 7
    const model: SerializedModel = {
      kind: 'cart',
      formatVersion: 1,
      task: 'regression',
      params: {},
      featureNames: ['x0', 'x1'],
      classes: null,
      state: { valueDim: 1 },
      arrays: {
        'tree.feature': Int32Array.of(0, -1, 1, -1, -1),
        'tree.threshold': Float64Array.of(0.5, 0, 2, 0, 0),
        'tree.left': Int32Array.of(1, -1, 3, -1, -1),
        'tree.right': Int32Array.of(2, -1, 4, -1, -1),
        'tree.defaultLeft': Uint8Array.of(0, 0, 1, 0, 0),
        'tree.catLen': new Int32Array(5),
        'tree.value': Float64Array.of(0, 1.5, 0, 3, 7),
        'tree.treeRoot': Int32Array.of(0),
      },
    };
    const X = matrixFromRows(
      [
        [0.5, 9],
        [Number.NaN, 1],
        [1, Number.NaN],
        [1, 2.0000001],
      ],
      ['x0', 'x1'],
    );
    const out = await runOnnx(exportToOnnx(model), X);
    expect(Array.from(out.variable.data as Float32Array)).toEqual([1.5, 3, 3, 7]);
  });
});
