/**
 * Calibration of predicted risks: can the probabilities be believed?
 *
 * - Reliability curve (quantile or uniform bins) and expected calibration error (Naeini et al. 2015).
 * - Calibration-in-the-large (intercept with logit(p) as an offset), calibration intercept and slope
 *   (logistic recalibration y ~ a + b·logit(p); Cox 1958; Van Calster et al., J Clin Epidemiol 2016,
 *   "A calibration hierarchy for risk models"). Ideal: intercept 0, slope 1.
 * - Recalibration by Platt scaling (Platt 1999: logistic on logit(p)) or isotonic regression (pool
 *   adjacent violators; Zadrozny & Elkan 2002), cross-fitted: every row's recalibrated value comes from
 *   a map fitted on the other folds, so the reported effect of recalibration does not leak.
 */
import { brier } from '../metrics.js';
import { stratifiedKFold } from '../splits.js';
import {
  argsortAscending,
  checkYP,
  clampProbability,
  fitLogistic1,
  logit,
  normalQuantile,
  requireBothClasses,
  sigmoid,
} from './stats-util.js';

export interface ReliabilityBin {
  /** Bin edges on the predicted-probability scale. */
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
  /** Wilson 95% interval of the observed rate. */
  readonly observedLo: number;
  readonly observedHi: number;
}

/** Reliability (calibration) curve: `quantile` bins hold equal numbers of rows, `uniform` bins equal widths. */
export function reliabilityCurve(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  opts: { bins?: number; strategy?: 'quantile' | 'uniform' } = {},
): ReliabilityBin[] {
  checkYP(y, p, 'reliabilityCurve');
  const B = opts.bins ?? 10;
  const n = y.length;
  const out: ReliabilityBin[] = [];
  const push = (rows: ArrayLike<number>, lo: number, hi: number) => {
    if (rows.length === 0) return;
    let sp = 0;
    let sy = 0;
    for (let k = 0; k < rows.length; k++) {
      sp += p[rows[k]];
      sy += y[rows[k]];
    }
    const m = rows.length;
    const [wl, wh] = wilson(sy, m);
    out.push({ lo, hi, n: m, meanPredicted: sp / m, observedRate: sy / m, observedLo: wl, observedHi: wh });
  };
  if ((opts.strategy ?? 'quantile') === 'uniform') {
    const groups: number[][] = Array.from({ length: B }, () => []);
    for (let i = 0; i < n; i++) groups[Math.min(B - 1, Math.max(0, Math.floor(p[i] * B)))].push(i);
    for (let b = 0; b < B; b++) push(groups[b], b / B, (b + 1) / B);
    return out;
  }
  // Quantile bins over sorted scores; ties are never split across bins.
  const idx = argsortAscending(p);
  let start = 0;
  for (let b = 0; b < B && start < n; b++) {
    let end = b === B - 1 ? n : Math.round(((b + 1) * n) / B);
    if (end <= start) continue;
    while (end < n && p[idx[end]] === p[idx[end - 1]]) end++;
    push(idx.subarray(start, end), p[idx[start]], p[idx[end - 1]]);
    start = end;
  }
  return out;
}

/** Wilson score interval for k successes in n trials. */
export function wilson(k: number, n: number, level = 0.95): [number, number] {
  if (n === 0) return [0, 1];
  const z = normalQuantile(1 - (1 - level) / 2);
  const ph = k / n;
  const den = 1 + (z * z) / n;
  const c = (ph + (z * z) / (2 * n)) / den;
  const h = (z * Math.sqrt((ph * (1 - ph)) / n + (z * z) / (4 * n * n))) / den;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/** Expected calibration error: Σ (n_b / n) · |observed_b − predicted_b| over the reliability bins. */
export function expectedCalibrationError(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  opts: { bins?: number; strategy?: 'quantile' | 'uniform' } = {},
): number {
  const bins = reliabilityCurve(y, p, { bins: opts.bins ?? 10, strategy: opts.strategy ?? 'uniform' });
  let e = 0;
  for (const b of bins) e += b.n * Math.abs(b.observedRate - b.meanPredicted);
  return e / y.length;
}

export interface CalibrationStats {
  /** Calibration-in-the-large: intercept of y ~ 1 + offset(logit p). 0 is ideal; > 0 means risks are too low. */
  readonly calibrationInTheLarge: number;
  readonly calibrationInTheLargeSE: number;
  /** Intercept of the logistic recalibration y ~ a + b·logit(p). */
  readonly intercept: number;
  /** Calibration slope b: < 1 means predictions too extreme (overfitting), > 1 too moderate. */
  readonly slope: number;
  readonly slopeSE: number;
  readonly slopeCI: readonly [number, number];
  /** Mean observed / mean predicted. */
  readonly observedExpectedRatio: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
  readonly brier: number;
  /** Brier score scaled by that of predicting the prevalence: 1 − Brier / (ȳ(1 − ȳ)). */
  readonly brierSkill: number;
  readonly ece: number;
  readonly n: number;
}

/** Every calibration number of the calibration hierarchy, from outcomes and predicted risks. */
export function calibrationStats(y: ArrayLike<number>, p: ArrayLike<number>): CalibrationStats {
  checkYP(y, p, 'calibrationStats');
  requireBothClasses(y, 'Calibration slope');
  const n = y.length;
  const lp = Float64Array.from(p, (v) => logit(clampProbability(v)));
  const citl = fitLogistic1(y, lp, { fixSlope: true });
  const fit = calibrationSlope(y, p);
  let sp = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sp += p[i];
    sy += y[i];
  }
  const ybar = sy / n;
  const b = brier(y, p);
  const z = normalQuantile(0.975);
  return {
    calibrationInTheLarge: citl.intercept,
    calibrationInTheLargeSE: citl.seIntercept,
    intercept: fit.intercept,
    slope: fit.slope,
    slopeSE: fit.seSlope,
    slopeCI: [fit.slope - z * fit.seSlope, fit.slope + z * fit.seSlope],
    observedExpectedRatio: sy / sp,
    meanPredicted: sp / n,
    observedRate: ybar,
    brier: b,
    brierSkill: 1 - b / (ybar * (1 - ybar)),
    ece: expectedCalibrationError(y, p),
    n,
  };
}

/** Logistic recalibration y ~ a + b·logit(p) (what statsmodels' binomial GLM gives). */
export function calibrationSlope(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
): { intercept: number; slope: number; seIntercept: number; seSlope: number } {
  const lp = Float64Array.from(p, (v) => logit(clampProbability(v)));
  return fitLogistic1(y, lp);
}

/** A fitted map from a raw probability to a recalibrated one. */
export interface Recalibrator {
  readonly method: 'platt' | 'isotonic';
  apply(p: ArrayLike<number>): Float64Array;
  toJSON(): Record<string, unknown>;
}

/** Platt scaling on the logit scale: p' = σ(a + b·logit(p)). */
export function fitPlatt(y: ArrayLike<number>, p: ArrayLike<number>): Recalibrator {
  checkYP(y, p, 'fitPlatt');
  const { intercept: a, slope: b } = calibrationSlope(y, p);
  return {
    method: 'platt',
    apply: (q) => Float64Array.from(q, (v) => sigmoid(a + b * logit(clampProbability(v)))),
    toJSON: () => ({ method: 'platt', a, b }),
  };
}

/**
 * Isotonic regression by pool-adjacent-violators (ties in p pooled first, as scikit-learn's
 * `IsotonicRegression`), applied by linear interpolation between block values and clipped outside the
 * fitted range (scikit-learn's `out_of_bounds='clip'`).
 */
export function fitIsotonic(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  weight?: ArrayLike<number>,
): Recalibrator {
  checkYP(y, p, 'fitIsotonic');
  const { x, v } = isotonicBlocks(y, p, weight);
  const apply = (q: ArrayLike<number>) =>
    Float64Array.from(q, (t) => {
      if (x.length === 0) return Number.NaN;
      if (t <= x[0]) return v[0];
      if (t >= x[x.length - 1]) return v[v.length - 1];
      let lo = 0;
      let hi = x.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (x[mid] <= t) lo = mid;
        else hi = mid;
      }
      const f = (t - x[lo]) / (x[hi] - x[lo]);
      return v[lo] + f * (v[hi] - v[lo]);
    });
  return { method: 'isotonic', apply, toJSON: () => ({ method: 'isotonic', x: [...x], y: [...v] }) };
}

/** Distinct sorted x and the non-decreasing fitted value at each (PAV on tie-pooled means). */
export function isotonicBlocks(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  weight?: ArrayLike<number>,
): { x: Float64Array; v: Float64Array } {
  const idx = argsortAscending(p);
  const xs: number[] = [];
  const sums: number[] = [];
  const ws: number[] = [];
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    const w = weight ? weight[i] : 1;
    if (xs.length && xs[xs.length - 1] === p[i]) {
      sums[sums.length - 1] += w * y[i];
      ws[ws.length - 1] += w;
    } else {
      xs.push(p[i]);
      sums.push(w * y[i]);
      ws.push(w);
    }
  }
  // PAV over the distinct points: a stack of blocks (mean, weight, count of points).
  const bm: number[] = [];
  const bw: number[] = [];
  const bc: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    let m = sums[k] / ws[k];
    let w = ws[k];
    let c = 1;
    while (bm.length && bm[bm.length - 1] >= m) {
      const pm = bm.pop()!;
      const pw = bw.pop()!;
      const pc = bc.pop()!;
      m = (pm * pw + m * w) / (pw + w);
      w += pw;
      c += pc;
    }
    bm.push(m);
    bw.push(w);
    bc.push(c);
  }
  const v = new Float64Array(xs.length);
  let k = 0;
  for (let b = 0; b < bm.length; b++) for (let j = 0; j < bc[b]; j++) v[k++] = bm[b];
  return { x: Float64Array.from(xs), v };
}

export interface CrossFitResult {
  /** Out-of-fold recalibrated probabilities: row i's value comes from a map fitted without row i's fold. */
  readonly recalibrated: Float64Array;
  /** The map fitted on all rows (what to deploy). */
  readonly final: Recalibrator;
  readonly folds: number;
}

/** Cross-fitted recalibration (stratified k folds, seeded). */
export function crossFitRecalibration(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  opts: { method?: 'platt' | 'isotonic'; folds?: number; seed?: number } = {},
): CrossFitResult {
  checkYP(y, p, 'crossFitRecalibration');
  const method = opts.method ?? 'platt';
  const fitter = method === 'platt' ? fitPlatt : fitIsotonic;
  const k = opts.folds ?? 5;
  const out = new Float64Array(y.length);
  for (const f of stratifiedKFold(y, k, { seed: opts.seed ?? 0 })) {
    const ty = Float64Array.from(f.train, (i) => y[i]);
    const tp = Float64Array.from(f.train, (i) => p[i]);
    const map = fitter(ty, tp);
    const res = map.apply(Float64Array.from(f.test, (i) => p[i]));
    f.test.forEach((i, j) => {
      out[i] = res[j];
    });
  }
  return { recalibrated: out, final: fitter(y, p), folds: k };
}
