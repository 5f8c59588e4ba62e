/**
 * Trend and seasonality. Mann–Kendall trend test (Mann 1945; Kendall 1975) with the tie-corrected
 * variance and continuity correction, as `pymannkendall.original_test`; Sen's slope (Sen 1968) =
 * median of pairwise slopes, intercept = median(x) − slope·median(index). Classical additive
 * decomposition (as R `decompose` / statsmodels `seasonal_decompose(model="additive")`): centred
 * moving-average trend (2×m for even m), seasonal = mean detrended value per phase, centred to sum 0.
 */
import { normalSf } from '../distributions.js';

export interface MannKendallResult {
  readonly s: number;
  readonly varS: number;
  readonly z: number;
  readonly p: number;
  /** Kendall's tau-a = S / (n(n−1)/2). */
  readonly tau: number;
  readonly trend: 'increasing' | 'decreasing' | 'no trend';
  readonly slope: number;
  readonly intercept: number;
}

function medianOf(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Mann–Kendall on an evenly spaced series (NaN skipped, keeping index positions). */
export function mannKendall(values: ArrayLike<number>, alpha = 0.05): MannKendallResult {
  const x: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < values.length; i++)
    if (!Number.isNaN(values[i])) {
      x.push(values[i]);
      t.push(i);
    }
  const n = x.length;
  let s = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      s += Math.sign(x[j] - x[i]);
      slopes.push((x[j] - x[i]) / (t[j] - t[i]));
    }
  }
  const ties = new Map<number, number>();
  for (const v of x) ties.set(v, (ties.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const c of ties.values()) tieTerm += c * (c - 1) * (2 * c + 5);
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0;
  const p = 2 * normalSf(Math.abs(z));
  const slope = medianOf(slopes);
  const intercept = medianOf(x) - medianOf(t) * slope;
  return {
    s,
    varS,
    z,
    p,
    tau: s / ((n * (n - 1)) / 2),
    trend: p < alpha ? (z > 0 ? 'increasing' : 'decreasing') : 'no trend',
    slope,
    intercept,
  };
}

export interface Decomposition {
  readonly period: number;
  readonly trend: number[];
  readonly seasonal: number[];
  readonly resid: number[];
  /** One value per phase 0..period−1 (sums to 0). */
  readonly figure: number[];
}

/** Classical additive decomposition with a centred moving average; edges are NaN. */
export function decompose(values: ArrayLike<number>, period: number): Decomposition {
  const n = values.length;
  const trend = new Array<number>(n).fill(Number.NaN);
  const w =
    period % 2 === 0
      ? [0.5, ...new Array(period - 1).fill(1), 0.5].map((v) => v / period)
      : new Array(period).fill(1 / period);
  const half = (w.length - 1) / 2;
  for (let i = half; i < n - half; i++) {
    let s = 0;
    for (let k = 0; k < w.length; k++) s += w[k] * values[i - half + k];
    trend[i] = s;
  }
  const sums = new Array<number>(period).fill(0);
  const counts = new Array<number>(period).fill(0);
  for (let i = 0; i < n; i++) {
    const d = values[i] - trend[i];
    if (Number.isNaN(d)) continue;
    sums[i % period] += d;
    counts[i % period]++;
  }
  const fig = sums.map((s, k) => s / counts[k]);
  const m = fig.reduce((a, b) => a + b, 0) / period;
  const figure = fig.map((v) => v - m);
  const seasonal = Array.from({ length: n }, (_, i) => figure[i % period]);
  const resid = Array.from({ length: n }, (_, i) => values[i] - trend[i] - seasonal[i]);
  return { period, trend, seasonal, resid, figure };
}
