import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import {
  type Fold,
  groupKFold,
  groupsOverlap,
  holdoutSplit,
  kFold,
  repeatedKFold,
  stratifiedKFold,
  timeOrderedSplit,
  timeSeriesSplit,
} from './splits.js';

function partitions(folds: Fold[], n: number) {
  const seen = new Uint8Array(n);
  for (const f of folds) {
    expect(f.train.length + f.test.length).toBe(n);
    const inTest = new Set(f.test);
    for (const i of f.train) expect(inTest.has(i)).toBe(false);
    for (const i of f.test) seen[i]++;
  }
  expect([...seen].every((c) => c === 1)).toBe(true);
}

const rng = new Rng(3);
const y = Float64Array.from({ length: 103 }, () => (rng.uniform() < 0.2 ? 1 : 0));

describe('splits', () => {
  it('stratified hold-out keeps prevalence and is seeded', () => {
    const a = holdoutSplit(y.length, { testSize: 0.3, stratify: y, seed: 1 });
    const b = holdoutSplit(y.length, { testSize: 0.3, stratify: y, seed: 1 });
    expect([...a.test]).toEqual([...b.test]);
    expect([...holdoutSplit(y.length, { testSize: 0.3, stratify: y, seed: 2 }).test]).not.toEqual([
      ...a.test,
    ]);
    const pos = y.reduce((s, v) => s + v, 0);
    const posTest = [...a.test].reduce((s, i) => s + y[i], 0);
    expect(posTest).toBe(Math.round(0.3 * pos));
    expect(a.train.length + a.test.length).toBe(y.length);
  });
  it('k-fold and stratified k-fold partition the rows; stratified folds keep prevalence', () => {
    partitions(kFold(103, 5, { seed: 1 }), 103);
    const folds = stratifiedKFold(y, 5, { seed: 1 });
    partitions(folds, 103);
    const pos = y.reduce((s, v) => s + v, 0);
    for (const f of folds) {
      const p = [...f.test].reduce((s, i) => s + y[i], 0);
      expect(Math.abs(p - pos / 5)).toBeLessThanOrEqual(1);
    }
  });
  it('group k-fold never puts a patient in two folds', () => {
    const r = new Rng(7);
    const patients = Array.from({ length: 400 }, () => `p${r.int(60)}`);
    const folds = groupKFold(patients, 5, { seed: 1 });
    partitions(folds, 400);
    expect(groupsOverlap(folds, patients)).toBe(false);
    for (const f of folds) {
      const trainPatients = new Set([...f.train].map((i) => patients[i]));
      for (const i of f.test) expect(trainPatients.has(patients[i])).toBe(false);
    }
    // a plain k-fold would leak patients across folds
    expect(groupsOverlap(kFold(400, 5, { seed: 1 }), patients)).toBe(true);
  });
  it('time-ordered splits train only on the past', () => {
    const times = Float64Array.from({ length: 50 }, (_, i) => (i * 37) % 50);
    const h = timeOrderedSplit(times, { testSize: 0.2 });
    const maxTrain = Math.max(...[...h.train].map((i) => times[i]));
    const minTest = Math.min(...[...h.test].map((i) => times[i]));
    expect(maxTrain).toBeLessThan(minTest);
    expect(h.test.length).toBe(10);
    for (const f of timeSeriesSplit(times, 4)) {
      expect(Math.max(...[...f.train].map((i) => times[i]))).toBeLessThan(
        Math.min(...[...f.test].map((i) => times[i])),
      );
    }
  });
  it('repeated k-fold gives repeats × k folds, each repeat a partition', () => {
    const folds = repeatedKFold(103, 4, 3, { seed: 5, stratify: y });
    expect(folds).toHaveLength(12);
    for (let r = 0; r < 3; r++) partitions(folds.slice(r * 4, r * 4 + 4), 103);
    expect([...folds[0].test]).not.toEqual([...folds[4].test]);
  });
  it('bad k is a rule-5 message', () => {
    expect(() => kFold(10, 1)).toThrow("The 'k' parameter of split must be an integer >= 2. Got 1.");
    expect(() => groupKFold(['a', 'a', 'b'], 3)).toThrow(/k = 3 folds need at least 3 groups; got 2/);
  });
});
