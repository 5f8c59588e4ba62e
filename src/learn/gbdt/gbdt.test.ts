import { afterAll, describe, expect, it } from 'vitest';
import { closeTreePool } from '../../compute/index.js';
import { type Matrix, Rng, isAegleError } from '../../core/index.js';
import { runConformance } from '../conformance.js';
import { binaryProblem, multiclassProblem, regressionProblem } from '../testdata/synthetic.js';
import { auroc, heartSplit } from '../tree/heart.testdata.js';
import { GbdtEstimator } from './gbdt.js';

afterAll(() => closeTreePool());

const fast = { nEstimators: 15, numLeaves: 7, minChildSamples: 5 };
runConformance('gbdt', { makeData: (s) => binaryProblem(s), params: fast });
runConformance('gbdt', {
  makeData: (s) => multiclassProblem(s),
  params: { ...fast, growth: 'depthwise', maxDepth: 3 },
  label: 'multiclass, depth-wise',
});
runConformance('gbdt', {
  makeData: (s) => ({ ...regressionProblem(s), task: 'regression' }),
  params: { ...fast, subsample: 0.7, colsampleBytree: 0.6, seed: 4 },
  label: 'regression, subsampled',
});

function matrix(cols: number[][]): Matrix {
  const n = cols[0].length;
  const data = new Float64Array(n * cols.length);
  for (let j = 0; j < cols.length; j++) data.set(cols[j], j * n);
  return { data, nRows: n, nCols: cols.length, columns: cols.map((_, j) => `x${j}`) };
}

const pos = (p: Float64Array) => Float64Array.from({ length: p.length / 2 }, (_, i) => p[2 * i + 1]);

describe('gbdt against hand-computed values', () => {
  it('one depth-1 squared-error tree: split and leaves = −G/(H+λ)·lr', async () => {
    // x = 1..4, y = [1, 1, 3, 5]: base = mean = 2.5, g = F − y = [1.5, 1.5, −0.5, −2.5], h = 1.
    // Threshold between 2 and 3: G_L = 3, G_R = −3, H = 2 each; gain (λ=1) = 9/3 + 9/3 − 0 = 6 (best:
    // the others give 2.25/2 + 2.25/4 = 1.69 and 6.25/4 + 6.25/2 = 4.69). Leaves −(±3)/(2+1)·0.1 = ∓0.1.
    const X = matrix([[1, 2, 3, 4]]);
    const m = await new GbdtEstimator({
      nEstimators: 1,
      growth: 'depthwise',
      maxDepth: 1,
      lambda: 1,
      learningRate: 0.1,
      minChildSamples: 1,
    }).fit(X, Float64Array.of(1, 1, 3, 5), { task: 'regression' });
    const t = m.trees;
    expect(m.baseScore[0]).toBe(2.5);
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBe(2.5);
    expect(t.gain[0]).toBeCloseTo(6, 12);
    expect(t.value[t.left[0]]).toBeCloseTo(-0.1, 12);
    expect(t.value[t.right[0]]).toBeCloseTo(0.1, 12);
    expect(t.cover[t.left[0]]).toBe(2);
    const p = m.predict(X);
    for (const [i, v] of [2.4, 2.4, 2.6, 2.6].entries()) expect(p[i]).toBeCloseTo(v, 12);
  });

  it('learns the default direction of missing values', async () => {
    // y = 1 for x > 50; the missing rows have y = 1 (first case) or 0 (second case).
    for (const [missingY, expectLeft] of [
      [1, false],
      [0, true],
    ] as const) {
      const x: number[] = [];
      const y: number[] = [];
      for (let i = 0; i < 100; i++) {
        x.push(i);
        y.push(i > 50 ? 1 : 0);
      }
      for (let i = 0; i < 30; i++) {
        x.push(Number.NaN);
        y.push(missingY);
      }
      const m = await new GbdtEstimator({
        nEstimators: 1,
        growth: 'depthwise',
        maxDepth: 1,
        minChildSamples: 1,
      }).fit(matrix([x]), Float64Array.from(y), { task: 'regression' });
      expect(m.trees.threshold[0]).toBe(50.5);
      expect(m.trees.defaultLeft[0] === 1).toBe(expectLeft);
      const p = m.predict(matrix([[Number.NaN, 10, 90]]));
      expect(p[0]).toBeCloseTo(missingY === 1 ? p[2] : p[1], 12);
    }
  });

  it('a categorical split recovers a planted category set', async () => {
    // codes 0..9; codes {1, 4, 7} carry the signal; as numbers they are not separable by one threshold.
    const rng = new Rng(5);
    const x: number[] = [];
    const noise: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 600; i++) {
      const c = rng.int(10);
      x.push(c);
      noise.push(rng.normal());
      y.push([1, 4, 7].includes(c) ? (rng.uniform() < 0.9 ? 1 : 0) : rng.uniform() < 0.1 ? 1 : 0);
    }
    const m = await new GbdtEstimator({
      nEstimators: 1,
      growth: 'depthwise',
      maxDepth: 1,
      categoricalFeatures: [0],
    }).fit(matrix([x, noise]), Float64Array.from(y));
    const t = m.trees;
    expect(t.feature[0]).toBe(0);
    expect(t.catLen[0]).toBeGreaterThan(0);
    const left: number[] = [];
    for (let c = 0; c < 10; c++) if ((t.catBits[t.catStart[0]] >>> c) & 1) left.push(c);
    const set = left.length === 3 ? left : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((c) => !left.includes(c));
    expect(set).toEqual([1, 4, 7]);
    // unseen category 12 and missing go the default (right) way
    const raw = m.predictRaw(
      matrix([
        [4, 5, 12, Number.NaN],
        [0, 0, 0, 0],
      ]),
    );
    expect(raw[0]).toBeGreaterThan(raw[1]);
    const right = m.baseScore[0] + t.value[t.right[0]];
    expect(raw[2]).toBe(right);
    expect(raw[3]).toBe(right);
  });

  it('monotone constraints hold along the constrained features on random data', async () => {
    const rng = new Rng(11);
    const n = 1500;
    const cols = [0, 1, 2].map(() => Array.from({ length: n }, () => rng.normal()));
    // non-monotone truth in x0 (a bump) and x1 (a sine), plus noise
    const y = Float64Array.from({ length: n }, (_, i) =>
      Math.sin(3 * cols[0][i]) + cols[0][i] - Math.cos(2 * cols[1][i]) + cols[2][i] + rng.normal() > 0
        ? 1
        : 0,
    );
    const m = await new GbdtEstimator({
      nEstimators: 60,
      numLeaves: 15,
      minChildSamples: 5,
      monotoneConstraints: [1, -1, 0],
    }).fit(matrix(cols), y);
    const grid = Array.from({ length: 41 }, (_, k) => -3 + 0.15 * k);
    for (let r = 0; r < 40; r++) {
      const base = [rng.normal(), rng.normal(), rng.normal()];
      for (const [f, sign] of [
        [0, 1],
        [1, -1],
      ] as const) {
        const probe = [0, 1, 2].map((j) => grid.map((g) => (j === f ? g : base[j])));
        const p = pos(m.predictProba(matrix(probe)));
        for (let k = 1; k < p.length; k++) expect(sign * (p[k] - p[k - 1])).toBeGreaterThanOrEqual(-1e-12);
      }
    }
    // and the constraint bites: without it the fitted curve along x0 is not monotone somewhere
    const free = await new GbdtEstimator({ nEstimators: 60, numLeaves: 15, minChildSamples: 5 }).fit(
      matrix(cols),
      y,
    );
    let violations = 0;
    for (let r = 0; r < 40; r++) {
      const b = [rng.normal(), rng.normal(), rng.normal()];
      const p = pos(free.predictProba(matrix([grid, grid.map(() => b[1]), grid.map(() => b[2])])));
      for (let k = 1; k < p.length; k++) if (p[k] < p[k - 1] - 1e-9) violations++;
    }
    expect(violations).toBeGreaterThan(0);
  });
});

describe('gbdt behaviour', () => {
  it('is identical with 1 and 2 threads', async () => {
    const { X, y } = binaryProblem(3, 4000, 8);
    const est = new GbdtEstimator({ nEstimators: 20, numLeaves: 15, subsample: 0.8, colsampleBytree: 0.75 });
    const a = await est.fit(X, y, { threads: 1 });
    const b = await est.fit(X, y, { threads: 2 });
    expect(Array.from(b.trees.threshold)).toEqual(Array.from(a.trees.threshold));
    expect(Array.from(b.trees.value)).toEqual(Array.from(a.trees.value));
    expect(Array.from(b.predictProba(X))).toEqual(Array.from(a.predictProba(X)));
    const d = await new GbdtEstimator({ nEstimators: 10, growth: 'depthwise', maxDepth: 4 }).fit(X, y, {
      threads: 2,
    });
    const e = await new GbdtEstimator({ nEstimators: 10, growth: 'depthwise', maxDepth: 4 }).fit(X, y, {
      threads: 1,
    });
    expect(Array.from(d.trees.value)).toEqual(Array.from(e.trees.value));
  });

  it('stops early on the eval set, keeps the best iteration, and reports progress', async () => {
    const tr = binaryProblem(1, 300, 4);
    const va = binaryProblem(2, 300, 4);
    const seen: Array<{ iteration: number; trainLoss?: number; validLoss?: number }> = [];
    const m = await new GbdtEstimator({
      nEstimators: 400,
      learningRate: 0.3,
      numLeaves: 15,
      minChildSamples: 2,
      earlyStoppingRounds: 10,
    }).fit(tr.X, tr.y, {
      evalSet: { X: va.X, y: va.y },
      onProgress: (p) => seen.push(p),
    });
    expect(seen.length).toBeLessThan(400);
    expect(m.bestIteration).toBe(m.nIterations);
    expect(seen.length).toBe(m.nIterations + 10);
    const best = Math.min(...seen.map((s) => s.validLoss!));
    expect(seen[m.nIterations - 1].validLoss).toBe(best);
    expect(seen[seen.length - 1].trainLoss!).toBeLessThan(seen[0].trainLoss!);
    expect(m.trees.treeRoot.length).toBe(m.nIterations);
  });

  it('class weight 2 on a class equals sample weight 2 on its rows; base score is the weighted log-odds', async () => {
    const { X, y } = binaryProblem(4, 200, 3);
    const a = await new GbdtEstimator({ nEstimators: 5, classWeight: { '1': 2 } }).fit(X, y);
    const b = await new GbdtEstimator({ nEstimators: 5 }).fit(X, y, {
      sampleWeight: Float64Array.from(y, (v) => (v === 1 ? 2 : 1)),
    });
    expect(Array.from(a.predictProba(X))).toEqual(Array.from(b.predictProba(X)));
    const p1 = y.reduce((s, v) => s + v, 0);
    const p = (2 * p1) / (2 * p1 + (y.length - p1));
    expect(a.baseScore[0]).toBeCloseTo(Math.log(p / (1 - p)), 12);
    const bal = await new GbdtEstimator({ nEstimators: 1, classWeight: 'balanced' }).fit(X, y);
    expect(bal.baseScore[0]).toBeCloseTo(0, 12);
  });

  it('rejects bad constraint lists with a coded error', async () => {
    const { X, y } = binaryProblem(4, 50, 3);
    await expect(new GbdtEstimator({ monotoneConstraints: [1] }).fit(X, y)).rejects.toSatisfy((e) =>
      isAegleError(e, 'AEGLE_CORE_INVALID_PARAM'),
    );
    await expect(new GbdtEstimator({ categoricalFeatures: [5] }).fit(X, y)).rejects.toSatisfy((e) =>
      isAegleError(e, 'AEGLE_CORE_INVALID_PARAM'),
    );
  });
});

describe('gbdt beside scikit-learn and XGBoost on UCI heart disease (num > 0, stratified 70/30)', () => {
  // References: .tmp/heart_refs.py run with /usr/bin/python3 (scikit-learn 1.2.1, XGBoost 1.7.4) on the
  // split exported from heartSplit() (seed 42):
  //   HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31,
  //     min_samples_leaf=20, l2_regularization=0, early_stopping=False)        test AUROC 0.8858114674441205
  //   XGBClassifier(n_estimators=100, max_depth=3, learning_rate=0.1, tree_method='hist',
  //     reg_lambda=1, min_child_weight=1)                                       test AUROC 0.8979591836734693
  // Missing values (`?` in ca, thal) are passed as NaN to all three.
  const s = heartSplit();
  it('matches HistGradientBoosting within 0.01 (leaf-wise, 31 leaves)', async () => {
    const m = await new GbdtEstimator({
      nEstimators: 100,
      learningRate: 0.1,
      numLeaves: 31,
      minChildSamples: 20,
      lambda: 0,
    }).fit(s.Xtr, s.ytr);
    expect(Math.abs(auroc(pos(m.predictProba(s.Xte)), s.yte) - 0.8858114674441205)).toBeLessThan(0.01);
  });
  it('matches XGBoost hist within 0.01 (depth-wise, depth 3)', async () => {
    const m = await new GbdtEstimator({
      nEstimators: 100,
      learningRate: 0.1,
      growth: 'depthwise',
      maxDepth: 3,
      minChildSamples: 1,
      minChildWeight: 1,
      lambda: 1,
    }).fit(s.Xtr, s.ytr);
    expect(Math.abs(auroc(pos(m.predictProba(s.Xte)), s.yte) - 0.8979591836734693)).toBeLessThan(0.01);
  });
});
