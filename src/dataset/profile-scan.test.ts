import { describe, expect, it } from 'vitest';
import { exactDistinct, HyperLogLog, pearsonMatrix, type7Quantiles } from './profile-scan.js';

describe('profile kernels', () => {
  it('type-7 quantiles by selection equal the textbook definition (Hyndman & Fan 1996, R type 7)', () => {
    // R: quantile(c(1, 2, 3, 4, 100, 1), c(.05, .25, .5, .75, .95)) → 1.00 1.25 2.50 3.75 76.00
    expect(type7Quantiles(new Float64Array([1, 2, 3, 4, 100, 1]), [0.05, 0.25, 0.5, 0.75, 0.95])).toEqual([
      1, 1.25, 2.5, 3.75, 76,
    ]);
    // missing values are ignored; quantiles may be asked in any order
    expect(type7Quantiles(new Float64Array([Number.NaN, 10, 0, Number.NaN, 5]), [1, 0, 0.5])).toEqual([
      10, 0, 5,
    ]);
    expect(type7Quantiles(new Float64Array([Number.NaN]), [0.5])).toBeNull();
    // many ties and a large random array against a full sort
    let s = 7;
    const x = new Float64Array(10_001).map(() => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s % 97;
    });
    const sorted = [...x].sort((a, b) => a - b);
    const ps = [0.01, 0.33, 0.5, 0.9, 0.999];
    const got = type7Quantiles(x, ps)!;
    ps.forEach((p, i) => {
      const h = (sorted.length - 1) * p;
      const lo = Math.floor(h);
      expect(got[i]).toBeCloseTo(sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]), 12);
    });
  });

  it('HyperLogLog counts small sets exactly and large ones within 2%', () => {
    const small = new HyperLogLog();
    for (let i = 0; i < 10; i++) small.add(Math.imul(i + 1, 0x9e3779b1) >>> 0);
    expect(small.estimate()).toBe(10);
    for (const n of [50_000, 1_000_000]) {
      const h = new HyperLogLog();
      for (let i = 0; i < n; i++) {
        // murmur3 fmix32 of i: distinct inputs give distinct, well-spread hashes
        let v = i;
        v ^= v >>> 16;
        v = Math.imul(v, 0x85ebca6b);
        v ^= v >>> 13;
        v = Math.imul(v, 0xc2b2ae35);
        v ^= v >>> 16;
        h.add(v >>> 0);
      }
      expect(Math.abs(h.estimate() - n) / n).toBeLessThan(0.02);
    }
  });

  it('counts distinct values exactly, 0 and −0 alike', () => {
    expect(exactDistinct(new Float64Array([0, -0, 1, 1, Number.NaN, 2.5]))).toBe(3);
  });

  it('Pearson correlations over pairwise-complete rows equal a hand computation', () => {
    // x = 1..5, y = 2,4,5,4,5: r = 6 / sqrt(10 · 6) = 0.7745966692 (hand computation)
    const x = new Float64Array([1, 2, 3, 4, 5, Number.NaN]);
    const y = new Float64Array([2, 4, 5, 4, 5, 9]);
    const c = new Float64Array([3, 3, 3, 3, 3, 3]);
    const m = pearsonMatrix([x, y, c]);
    expect(m[0][1]).toBeCloseTo(6 / Math.sqrt(60), 12);
    expect(m[1][0]).toBe(m[0][1]);
    expect(m[0][0]).toBe(1);
    expect(m[2][0]).toBeNull(); // no variance
    // large offsets do not cost precision (centring): same r shifted by 1e9
    const m2 = pearsonMatrix([x.map((v) => v + 1e9), y.map((v) => v - 1e9)]);
    expect(m2[0][1]).toBeCloseTo(6 / Math.sqrt(60), 9);
  });
});
