/**
 * Linear/ridge, k-NN and naive Bayes against scikit-learn / statsmodels on the same data
 * (references from bench/train/make_references.py; see testdata/refs.ts), and the MLP against the
 * synthetic cohort's known best AUROC.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { KNearestNeighbors } from './knn.js';
import { LinearRegression } from './linear.js';
import { MultilayerPerceptron } from './mlp.js';
import { NaiveBayes } from './naive-bayes.js';
import { REFS, f64, mat } from './testdata/refs.js';
import { positiveProba } from './estimator.js';

function expectClose(got: ArrayLike<number>, want: number[], tol: number) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i] - want[i]), `index ${i}: ${got[i]} vs ${want[i]}`).toBeLessThan(tol);
}

describe('LinearRegression', () => {
  const L = REFS.linear;
  it('OLS coefficients, SEs, t, p, CIs and R² as statsmodels', async () => {
    const m = await new LinearRegression().fit(mat(L.X), f64(L.y));
    const rows = m.summary();
    expectClose(
      rows.map((r) => r.coef),
      L.ols.params,
      1e-9,
    );
    expectClose(
      rows.map((r) => r.se!),
      L.ols.bse,
      1e-9,
    );
    expectClose(
      rows.map((r) => r.t!),
      L.ols.t,
      1e-7,
    );
    expectClose(
      rows.map((r) => r.p!),
      L.ols.p,
      1e-9,
    );
    expectClose(
      rows.map((r) => r.ciLow!),
      L.ols.ci_low,
      1e-8,
    );
    expectClose(
      rows.map((r) => r.ciHigh!),
      L.ols.ci_high,
      1e-8,
    );
    expect(m.info.r2).toBeCloseTo(L.ols.r2, 10);
  });
  it('ridge (alpha = 2) and weighted least squares as scikit-learn', async () => {
    const r = await new LinearRegression({ alpha: 2 }).fit(mat(L.X), f64(L.y));
    expectClose(r.coef, L.ridge2.coef, 1e-9);
    expect(r.intercept).toBeCloseTo(L.ridge2.intercept, 9);
    expect(r.standardErrors).toBeNull();
    const w = await new LinearRegression().fit(mat(L.X), f64(L.y), { sampleWeight: f64(L.sw) });
    expectClose(w.coef, L.wls.coef, 1e-9);
    expect(w.intercept).toBeCloseTo(L.wls.intercept, 9);
  });
});

describe('KNearestNeighbors', () => {
  const B = REFS.bin;
  const Q = mat(REFS.knn.Q);
  for (const weights of ['uniform', 'distance'] as const) {
    for (const metric of ['euclidean', 'manhattan'] as const) {
      it(`${weights} / ${metric} as scikit-learn (classification and regression)`, async () => {
        const ref = REFS.knn.ref[`${weights}_${metric}`];
        const c = await new KNearestNeighbors({ nNeighbors: 7, weights, metric }).fit(mat(B.X), f64(B.y));
        expectClose(positiveProba(c.predictProba(Q), Q.nRows), ref.proba, 1e-12);
        const X = mat(B.X);
        const target = f64(B.X.map((r: number[]) => r[3]));
        const r = await new KNearestNeighbors({ nNeighbors: 7, weights, metric }).fit(X, target, {
          task: 'regression',
        });
        expectClose(r.predict(Q), ref.reg, 1e-12);
      });
    }
  }
  it('refuses k larger than the training set', async () => {
    await expect(new KNearestNeighbors({ nNeighbors: 500 }).fit(mat(B.X), f64(B.y))).rejects.toThrow(
      /'nNeighbors' parameter of KNearestNeighbors must be an integer in \[1, 200\]/,
    );
  });
});

describe('NaiveBayes', () => {
  const M = REFS.multi;
  it('Gaussian: means, variances and probabilities as GaussianNB', async () => {
    const m = await new NaiveBayes().fit(mat(M.X), f64(M.y));
    const st = m.state as { theta: Float64Array; variance: Float64Array };
    expectClose(st.theta, REFS.gnb.theta.flat(), 1e-12);
    expectClose(st.variance, REFS.gnb.var.flat(), 1e-12);
    expectClose(m.predictProba(mat(M.X.slice(0, 6))), REFS.gnb.proba.flat(), 1e-10);
    const s = await new NaiveBayes({ varSmoothing: 0.1 }).fit(mat(M.X), f64(M.y));
    expectClose(s.predictProba(mat(M.X.slice(0, 6))), REFS.gnb_vs.proba.flat(), 1e-10);
  });
  it('categorical (alpha 1 and 0.5) as CategoricalNB', async () => {
    const C = REFS.cnb;
    const X = mat(C.X);
    for (const [alpha, want] of [
      [1, C.proba],
      [0.5, C.proba_a05],
    ] as const) {
      const m = await new NaiveBayes({ distribution: 'categorical', alpha }).fit(X, f64(C.y));
      expectClose(m.predictProba(mat(C.X.slice(0, 6))), want.flat(), 1e-10);
    }
  });
});

describe('MultilayerPerceptron', () => {
  it('learns XOR (a nonlinear boundary logistic regression cannot draw)', async () => {
    const rng = new Rng(5);
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      const a = rng.uniform() * 2 - 1;
      const b = rng.uniform() * 2 - 1;
      rows.push([a, b]);
      y.push(a * b > 0 ? 1 : 0);
    }
    const m = await new MultilayerPerceptron({
      hiddenLayerSizes: [16, 16],
      maxIter: 300,
      learningRate: 0.01,
      seed: 1,
    }).fit(mat(rows), f64(y));
    const pred = m.predict(mat(rows));
    let correct = 0;
    for (let i = 0; i < y.length; i++) correct += pred[i] === y[i] ? 1 : 0;
    expect(correct / y.length).toBeGreaterThan(0.93);
  });
  it('early stopping on evalSet reports validation loss and stops early', async () => {
    const rng = new Rng(9);
    const rows = Array.from({ length: 300 }, () => [rng.normal(), rng.normal()]);
    const y = f64(rows.map((r) => (r[0] + rng.normal() > 0 ? 1 : 0)));
    const seen: Array<number | undefined> = [];
    const m = await new MultilayerPerceptron({
      hiddenLayerSizes: [8],
      maxIter: 500,
      earlyStopping: true,
      nIterNoChange: 5,
      learningRate: 0.05,
      seed: 2,
    }).fit(mat(rows), y, {
      onProgress: (p) => seen.push(p.validLoss),
    });
    expect(seen.every((v) => typeof v === 'number')).toBe(true);
    expect(m.info.epochs).toBeLessThan(500);
  });
  it('an abort during training stops it', async () => {
    const rng = new Rng(1);
    const rows = Array.from({ length: 2000 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const y = f64(rows.map((r) => (r[0] > 0 ? 1 : 0)));
    const ac = new AbortController();
    const p = new MultilayerPerceptron({
      hiddenLayerSizes: [32],
      maxIter: 100000,
      tol: 0,
      nIterNoChange: 10000,
    }).fit(mat(rows), y, {
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.iteration === 3) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'AEGLE_CORE_ABORTED' });
  });
});
