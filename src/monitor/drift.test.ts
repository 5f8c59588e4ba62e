import { describe, expect, it } from 'vitest';
import { driftReport, ks2samp, psi } from './drift.js';

/** The LCG + Box–Muller generator the scipy reference script used (numbers below came from it). */
function gen(n: number, shift: number, scale: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = BigInt(seed);
  const next = () => {
    s = (s * 1103515245n + 12345n) % 2147483648n;
    return (Number(s) + 1) / 2147483649;
  };
  for (let i = 0; i < n; i++) {
    const u1 = next();
    const u2 = next();
    out[i] = shift + scale * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return out;
}

// numpy/scipy 1.10.1: Evidently's PSI (30 pooled bins, 0.0001 floor), ks_2samp (auto) and (asymp).
const REFS = [
  {
    n1: 500,
    n2: 300,
    shift: 0.2,
    scale: 1.1,
    psi: 0.24461271388911346,
    d: 0.134,
    p: 0.002169176078036847,
    pAsymp: 0.002097031213413194,
  },
  {
    n1: 1000,
    n2: 1000,
    shift: 0,
    scale: 1,
    psi: 0.0723025776110809,
    d: 0.026,
    p: 0.8881734182535203,
    pAsymp: 0.8789875195605088,
  },
  {
    n1: 2000,
    n2: 400,
    shift: 0.5,
    scale: 1,
    psi: 0.4829058818823783,
    d: 0.216,
    p: 4.3370065359766715e-14,
    pAsymp: 4.060184563812235e-14,
  },
];

describe('drift statistics', () => {
  it('PSI matches a hand-computed case', () => {
    // 2 bins over [0, 1]: reference shares (0.5, 0.5), current (0.25, 0.75)
    const expected = 0.25 * Math.log(2) + -0.25 * Math.log(0.5 / 0.75);
    expect(psi([0, 0, 1, 1], [0, 1, 1, 1], 2)).toBeCloseTo(expected, 12);
    expect(psi([1, 2, 3], [1, 2, 3])).toBe(0);
  });

  it('PSI and KS match numpy/scipy on generated samples', () => {
    for (const r of REFS) {
      const a = gen(r.n1, 0, 1, 1);
      const b = gen(r.n2, r.shift, r.scale, 2);
      expect(psi(a, b)).toBeCloseTo(r.psi, 9);
      const ks = ks2samp(a, b);
      expect(ks.statistic).toBeCloseTo(r.d, 12);
      expect(Math.abs(ks.pValue - r.p)).toBeLessThan(0.012);
      expect(Math.abs(ks.pValue - r.pAsymp)).toBeLessThan(0.012);
      if (r.p < 1e-6) expect(ks.pValue).toBeLessThan(1e-6);
    }
  });

  it('ignores missing values and flags drift by the chosen method', () => {
    const a = gen(1000, 0, 1, 1);
    const same = gen(800, 0, 1, 5);
    const shifted = gen(800, 1, 1, 6);
    const withNaN = Float64Array.from([...same, Number.NaN, Number.NaN]);
    const rep = driftReport(['x', 'y'], [a, a], [withNaN, shifted]);
    expect(rep.method).toBe('psi');
    expect(rep.features[0]).toMatchObject({ feature: 'x', currentCount: 800, drifted: false });
    expect(rep.features[1]).toMatchObject({ feature: 'y', psiDrifted: true, ksDrifted: true, drifted: true });
    expect(rep.shareDrifted).toBe(0.5);
    expect(rep.datasetDrift).toBe(true);
    expect(driftReport(['x'], [a], [same], 'ks').features[0].ksDrifted).toBe(false);
  });
});
