import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { enableParallelPredict, PARALLEL_MIN_ROWS, parallelPredictRows } from '../compute/index.js';
import { Rng } from '../core/index.js';
import { modelKind } from './index.js';

/** n × F column-major features with some missing values, and a binary target. */
function data(n: number, F: number, seed: number) {
  const rng = new Rng(seed);
  const X = new Float64Array(n * F);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < F; j++) {
      const v = rng.normal();
      X[j * n + i] = rng.uniform() < 0.05 ? Number.NaN : v;
      s += (j % 3 === 0 ? 1 : -0.5) * v * (j < 4 ? v : 1);
    }
    y[i] = s + rng.normal() > 0 ? 1 : 0;
  }
  return { data: X, nRows: n, nCols: F, columns: Array.from({ length: F }, (_, j) => `f${j}`) };
}

afterAll(() => enableParallelPredict(false));

describe('scoring a large batch on two threads', () => {
  it('gives bit-for-bit the one-thread answer for GBDT and random forest (and one row at a time)', async () => {
    const train = data(3000, 12, 1);
    const y = Float64Array.from({ length: 3000 }, (_, i) => {
      let s = 0;
      for (let j = 0; j < 12; j++) s += (train.data[j * 3000 + i] || 0) * (j % 2 ? 1 : -1);
      return s > 0 ? 1 : 0;
    });
    const batch = data(PARALLEL_MIN_ROWS * 3 + 7, 12, 2);
    for (const kind of ['gbdt', 'random-forest']) {
      const model = await modelKind(kind)
        .create(kind === 'gbdt' ? { nEstimators: 60 } : { nEstimators: 30, seed: 3 })
        .fit(train, y, { task: 'binary', classes: ['0', '1'] });
      enableParallelPredict(false);
      const one = model.predictProba(batch);
      const before = parallelPredictRows();
      enableParallelPredict(true);
      const two = model.predictProba(batch);
      // a second core takes half the rows (this machine may have only one: then nothing is split)
      if (os.availableParallelism() > 1)
        expect(parallelPredictRows() - before).toBe(Math.ceil(batch.nRows / 2));
      expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer)), kind).toBe(true);
      // a small batch stays on this thread
      const small = data(100, 12, 4);
      const mark = parallelPredictRows();
      const smallP = model.predictProba(small);
      expect(parallelPredictRows()).toBe(mark);
      // one row at a time (the single-row walk) gives the batch's numbers, missing values included
      for (let i = 0; i < small.nRows; i++) {
        const row = {
          ...small,
          nRows: 1,
          data: Float64Array.from({ length: 12 }, (_, j) => small.data[j * 100 + i]),
        };
        const p = model.predictProba(row);
        expect([p[0], p[1]], `${kind} row ${i}`).toEqual([smallP[2 * i], smallP[2 * i + 1]]);
      }
    }
  });
});
