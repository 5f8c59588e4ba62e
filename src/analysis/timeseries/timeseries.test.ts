/**
 * Time-series pieces. References: the Mann–Kendall/Sen numbers and the decomposition come from
 * SciPy 1.10 / statsmodels 0.13 (Debian python3) on the series below:
 *   rng = np.random.default_rng(11); x = round(10 + 0.05 t + 2 sin(2πt/12) + N(0, 1), 1), t = 0..39;
 *   S, Var(S) (tie-corrected), z (continuity), p = 2·norm.sf(|z|), Sen slope = median pairwise slope,
 *   intercept = median(x) − median(t)·slope (pymannkendall's formulas, written out);
 *   seasonal_decompose(x, model="additive", period=12).
 * NEWS2 cases are hand-scored from the RCP 2017 chart.
 */
import { describe, expect, it } from 'vitest';
import { news2, scorePulse, scoreRespRate, scoreSystolic, scoreTemperature } from './news2.js';
import { resample, rolling, trajectoriesById, trajectoryFeatures } from './resample.js';
import { decompose, mannKendall } from './trend.js';

const x = [
  10.0, 12.4, 13.1, 11.6, 11.6, 10.7, 10.9, 9.3, 9.4, 6.6, 10.3, 9.5, 11.3, 11.5, 12.1, 13.2, 13.4, 11.6,
  10.7, 10.6, 8.4, 7.5, 9.8, 9.5, 9.3, 11.4, 12.6, 12.2, 11.6, 12.5, 12.4, 10.3, 9.1, 10.0, 10.7, 10.4, 12.3,
  13.9, 13.4, 13.1,
];

describe('Mann–Kendall, Sen slope, decomposition', () => {
  it('matches the reference computation', () => {
    const r = mannKendall(x);
    expect(r.s).toBe(96);
    expect(r.varS).toBeCloseTo(7347.333333333333, 9);
    expect(r.z).toBeCloseTo(1.1083035737295097, 12);
    expect(r.p).toBeCloseTo(0.26773073260357283, 12);
    expect(r.slope).toBeCloseTo(0.029814814814814863, 12);
    expect(r.intercept).toBeCloseTo(10.518611111111111, 12);
    expect(r.trend).toBe('no trend');
  });
  it('classical decomposition equals statsmodels', () => {
    const d = decompose(x, 12);
    expect(d.trend[10]).toBeCloseTo(10.608333333333333, 12);
    expect(Number.isNaN(d.trend[5])).toBe(true);
    const ref = [
      -0.3682291666666675, 0.7296875000000007, 1.6151041666666677, 1.9005208333333332, 1.6213541666666673,
      1.1442708333333327, 0.533854166666667, -0.7855902777777777, -1.9105902777777783, -2.8689236111111116,
      -0.5119791666666664, -1.0994791666666668,
    ];
    for (let i = 0; i < 12; i++) expect(d.seasonal[i]).toBeCloseTo(ref[i], 12);
    expect(d.resid[20]).toBeCloseTo(-0.33524305555555345, 12);
  });
  it('a clean increasing series is a significant trend', () => {
    const r = mannKendall(Array.from({ length: 20 }, (_, i) => i * 2 + (i % 3)));
    expect(r.trend).toBe('increasing');
    expect(r.slope).toBeCloseTo(2, 0);
  });
});

describe('resampling, rolling, trajectories', () => {
  it('bins irregular times on a grid', () => {
    const r = resample([0.5, 1.2, 1.7, 4.1], [1, 2, 4, 8], { interval: 1, agg: 'mean' });
    expect(r.time).toEqual([0, 1, 2, 3, 4]);
    expect(r.value.slice(0, 2)).toEqual([1, 3]);
    expect(Number.isNaN(r.value[2])).toBe(true);
    expect(r.value[4]).toBe(8);
    expect(resample([0.5, 1.2, 1.7], [1, 2, 4], { interval: 1, agg: 'count' }).value).toEqual([1, 2]);
  });
  it('rolling mean with min periods', () => {
    const r = rolling([1, 2, 3, 4], 2);
    expect(Number.isNaN(r[0])).toBe(true);
    expect(r.slice(1)).toEqual([1.5, 2.5, 3.5]);
  });
  it('trajectory features by hand', () => {
    const f = trajectoryFeatures([3, 1, 2], [30, 10, 20], 5);
    expect(f).toMatchObject({
      n: 3,
      first: 10,
      last: 30,
      mean: 20,
      min: 10,
      max: 30,
      slope: 10,
      sd: 10,
      meanAbsChange: 10,
      timeSinceLast: 2,
    });
    const by = trajectoriesById(['a', 'b', 'a'], [1, 1, 2], [5, 7, 9]);
    expect(by.map((b) => [b.id, b.features.slope])).toEqual([
      ['a', 4],
      ['b', Number.NaN],
    ]);
  });
});

describe('NEWS2 (RCP 2017), hand-scored', () => {
  it('normal observations score 0, low', () => {
    const s = news2({ respRate: 18, spo2: 97, systolic: 125, pulse: 72, temperature: 36.8 });
    expect(s.total).toBe(0);
    expect(s.risk).toBe('low');
  });
  it('sick patient on oxygen: 2+2+2+1+2+0+1 = 10, high', () => {
    const s = news2({ respRate: 24, spo2: 93, onOxygen: true, systolic: 105, pulse: 115, temperature: 38.5 });
    expect(s.components).toEqual({
      respRate: 2,
      spo2: 2,
      oxygen: 2,
      systolic: 1,
      pulse: 2,
      consciousness: 0,
      temperature: 1,
    });
    expect(s.total).toBe(10);
    expect(s.risk).toBe('high');
  });
  it('a single red score is low–medium; 5 is medium', () => {
    expect(news2({ respRate: 14, spo2: 96, systolic: 88, pulse: 80, temperature: 37 })).toMatchObject({
      total: 3,
      risk: 'low-medium',
    });
    expect(news2({ respRate: 21, spo2: 94, systolic: 110, pulse: 91, temperature: 37 })).toMatchObject({
      total: 5,
      risk: 'medium',
    });
  });
  it('SpO2 scale 2 on oxygen and new confusion: 2+2+2+0+1+3+1 = 11', () => {
    const s = news2({
      respRate: 22,
      spo2: 95,
      onOxygen: true,
      hypercapnic: true,
      systolic: 140,
      pulse: 95,
      consciousness: 'C',
      temperature: 35.5,
    });
    expect(s.total).toBe(11);
    expect(
      news2({ respRate: 16, spo2: 95, hypercapnic: true, systolic: 140, pulse: 70, temperature: 37 })
        .components.spo2,
    ).toBe(0);
  });
  it('band edges', () => {
    expect([8, 9, 11, 12, 20, 21, 24, 25].map(scoreRespRate)).toEqual([3, 1, 1, 0, 0, 2, 2, 3]);
    expect([35.0, 35.1, 36.0, 36.1, 38.0, 38.1, 39.0, 39.1].map(scoreTemperature)).toEqual([
      3, 1, 1, 0, 0, 1, 1, 2,
    ]);
    expect([40, 41, 50, 51, 90, 91, 110, 111, 130, 131].map(scorePulse)).toEqual([
      3, 1, 1, 0, 0, 1, 1, 2, 2, 3,
    ]);
    expect([90, 91, 100, 101, 110, 111, 219, 220].map(scoreSystolic)).toEqual([3, 2, 2, 1, 1, 0, 0, 3]);
  });
});
