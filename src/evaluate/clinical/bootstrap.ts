/**
 * Bootstrap confidence intervals (Efron & Tibshirani 1993, percentile method) for any statistic of
 * (y, p): rows are resampled with replacement — within each class when `stratified` (the default), so
 * every replicate keeps the prevalence and both classes — from a seeded generator, 1,000 replicates by
 * default. A replicate where a statistic is undefined (throws or is NaN) is skipped for that statistic
 * and counted.
 */
import { Rng } from '../../core/index.js';
import { auroc, averagePrecision, brier } from '../metrics.js';
import { calibrationSlope } from './calibration.js';
import { checkYP } from './stats-util.js';
import { countsAt } from './thresholds.js';

export type Statistic = (y: Float64Array, p: Float64Array) => number;

export interface BootstrapInterval {
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
  /** Standard deviation of the replicates. */
  readonly se: number;
  /** Replicates in which the statistic was defined. */
  readonly replicates: number;
}

export interface BootstrapOptions {
  readonly replicates?: number;
  readonly seed?: number;
  readonly stratified?: boolean;
  readonly level?: number;
}

/** Percentile bootstrap intervals of several statistics over the same resamples. */
export function bootstrapCI(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  stats: Readonly<Record<string, Statistic>>,
  opts: BootstrapOptions = {},
): Record<string, BootstrapInterval> {
  checkYP(y, p, 'bootstrapCI');
  const B = opts.replicates ?? 1000;
  const level = opts.level ?? 0.95;
  const rng = new Rng(opts.seed ?? 0);
  const n = y.length;
  const Y = Float64Array.from(y);
  const P = Float64Array.from(p);
  const strata: number[][] = opts.stratified === false ? [Array.from({ length: n }, (_, i) => i)] : [[], []];
  if (opts.stratified !== false) for (let i = 0; i < n; i++) strata[Y[i] === 1 ? 1 : 0].push(i);
  const names = Object.keys(stats);
  const reps: number[][] = names.map(() => []);
  const by = new Float64Array(n);
  const bp = new Float64Array(n);
  for (let b = 0; b < B; b++) {
    let k = 0;
    for (const s of strata) {
      for (let j = 0; j < s.length; j++) {
        const i = s[rng.int(s.length)];
        by[k] = Y[i];
        bp[k] = P[i];
        k++;
      }
    }
    names.forEach((name, q) => {
      const v = safe(stats[name], by, bp);
      if (!Number.isNaN(v)) reps[q].push(v);
    });
  }
  const out: Record<string, BootstrapInterval> = {};
  names.forEach((name, q) => {
    const r = reps[q].sort((a, b) => a - b);
    const m = r.length;
    let mean = 0;
    for (const v of r) mean += v;
    mean /= m || 1;
    let ss = 0;
    for (const v of r) ss += (v - mean) ** 2;
    out[name] = {
      estimate: safe(stats[name], Y, P),
      lo: quantileSorted(r, (1 - level) / 2),
      hi: quantileSorted(r, 1 - (1 - level) / 2),
      se: m > 1 ? Math.sqrt(ss / (m - 1)) : Number.NaN,
      replicates: m,
    };
  });
  return out;
}

function safe(f: Statistic, y: Float64Array, p: Float64Array): number {
  try {
    const v = f(y, p);
    return Number.isFinite(v) ? v : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Linear-interpolation quantile of a sorted array (NumPy's default, type 7). */
export function quantileSorted(r: readonly number[], q: number): number {
  const m = r.length;
  if (m === 0) return Number.NaN;
  const h = (m - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(m - 1, lo + 1);
  return r[lo] + (h - lo) * (r[hi] - r[lo]);
}

/**
 * The statistics a clinical validation reports with bootstrap intervals: AUROC, AUPRC (average
 * precision), Brier score, calibration slope, and sensitivity / specificity at `threshold`.
 */
export function clinicalStatistics(threshold: number): Record<string, Statistic> {
  return {
    auroc: (y, p) => auroc(y, p),
    auprc: (y, p) => averagePrecision(y, p),
    brier: (y, p) => brier(y, p),
    calibrationSlope: (y, p) => calibrationSlope(y, p).slope,
    sensitivity: (y, p) => {
      const c = countsAt(y, p, threshold);
      return c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : Number.NaN;
    },
    specificity: (y, p) => {
      const c = countsAt(y, p, threshold);
      return c.tn + c.fp > 0 ? c.tn / (c.tn + c.fp) : Number.NaN;
    },
  };
}

/** Bootstrap intervals of `clinicalStatistics(threshold)`. */
export function clinicalBootstrap(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  opts: BootstrapOptions & { threshold?: number } = {},
): Record<string, BootstrapInterval> {
  return bootstrapCI(y, p, clinicalStatistics(opts.threshold ?? 0.5), opts);
}
