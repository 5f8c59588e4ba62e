/**
 * Small numeric helpers shared by the clinical validation statistics: input checks, the standard
 * normal quantile, and logistic regression on one predictor by Newton–Raphson (IRLS).
 */
import { createError } from '../../core/index.js';
import { normalTwoSidedP } from '../../learn/index.js';
import '../errors.js';

/** Checks a binary outcome vector (0/1) against a score vector of the same length. */
export function checkYP(y: ArrayLike<number>, p: ArrayLike<number>, what: string): void {
  if (y.length !== p.length) {
    throw createError('AEGLE_CORE_SHAPE_MISMATCH', {
      what,
      expected: `${y.length} scores (one per outcome)`,
      got: p.length,
    });
  }
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) {
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'y',
        owner: what,
        expected: 'binary outcomes coded 0/1',
        got: `${y[i]} at row ${i}`,
      });
    }
  }
}

/** Throws AEGLE_EVALUATE_ONE_CLASS unless both classes are present. */
export function requireBothClasses(y: ArrayLike<number>, what: string): { pos: number; neg: number } {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) throw createError('AEGLE_EVALUATE_ONE_CLASS', { metric: what, n: y.length });
  return { pos, neg };
}

/**
 * Standard normal quantile Φ⁻¹(q) (Acklam's rational approximation, relative error < 1.2e-9, then one
 * Halley step on the exact tail probability).
 */
export function normalQuantile(q: number): number {
  if (!(q > 0 && q < 1))
    return q === 0 ? Number.NEGATIVE_INFINITY : q === 1 ? Number.POSITIVE_INFINITY : Number.NaN;
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (q < lo) {
    const r = Math.sqrt(-2 * Math.log(q));
    x =
      (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) /
      ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
  } else if (q > 1 - lo) {
    const r = Math.sqrt(-2 * Math.log(1 - q));
    x =
      -(((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) /
      ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
  } else {
    const r = q - 0.5;
    const s = r * r;
    x =
      ((((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r) /
      (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
  }
  // Halley refinement against the exact upper tail: Φ(x) = 1 − P(Z > x) = 1 − twoSided(x)/2 for x > 0.
  const cdf = x >= 0 ? 1 - normalTwoSidedP(x) / 2 : normalTwoSidedP(x) / 2;
  const e = cdf - q;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Two-sided p-value of a standard normal statistic. */
export function twoSidedP(z: number): number {
  return normalTwoSidedP(z);
}

export const logit = (p: number): number => Math.log(p / (1 - p));
export const sigmoid = (z: number): number =>
  z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));

/** Clamps a probability away from 0 and 1 so that its logit is finite. */
export function clampProbability(p: number, eps = 1e-12): number {
  return p < eps ? eps : Math.min(p, 1 - eps);
}

export interface LogisticFit {
  /** Intercept and slope (slope is 1 and not estimated when `fixSlope`). */
  readonly intercept: number;
  readonly slope: number;
  /** Standard errors from the inverse Fisher information (slope SE is 0 when fixed). */
  readonly seIntercept: number;
  readonly seSlope: number;
  readonly converged: boolean;
}

/**
 * Maximum-likelihood logistic regression of y on `x` with an `offset` (binomial GLM, logit link), by
 * Newton–Raphson — what statsmodels `GLM(y, [1, x], Binomial(), offset=…)` fits. `fixSlope` fits the
 * intercept only, with x entering as an offset of coefficient 1 (calibration-in-the-large).
 */
export function fitLogistic1(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  opts: { fixSlope?: boolean; maxIter?: number } = {},
): LogisticFit {
  const n = y.length;
  let a = 0;
  let b = 1;
  let converged = false;
  let h00 = 0;
  let h01 = 0;
  let h11 = 0;
  for (let it = 0; it < (opts.maxIter ?? 100); it++) {
    let g0 = 0;
    let g1 = 0;
    h00 = 0;
    h01 = 0;
    h11 = 0;
    for (let i = 0; i < n; i++) {
      const mu = sigmoid(a + b * x[i]);
      const w = mu * (1 - mu);
      const r = y[i] - mu;
      g0 += r;
      g1 += r * x[i];
      h00 += w;
      h01 += w * x[i];
      h11 += w * x[i] * x[i];
    }
    let da: number;
    let db = 0;
    if (opts.fixSlope) da = g0 / h00;
    else {
      const det = h00 * h11 - h01 * h01;
      if (!(Math.abs(det) > 1e-300)) break;
      da = (h11 * g0 - h01 * g1) / det;
      db = (h00 * g1 - h01 * g0) / det;
    }
    a += da;
    b += db;
    if (!Number.isFinite(a) || !Number.isFinite(b)) break;
    if (Math.abs(da) + Math.abs(db) < 1e-12 * (1 + Math.abs(a) + Math.abs(b))) {
      converged = true;
      break;
    }
  }
  // Standard errors at the final estimate.
  h00 = 0;
  h01 = 0;
  h11 = 0;
  for (let i = 0; i < n; i++) {
    const mu = sigmoid(a + b * x[i]);
    const w = mu * (1 - mu);
    h00 += w;
    h01 += w * x[i];
    h11 += w * x[i] * x[i];
  }
  if (opts.fixSlope)
    return { intercept: a, slope: 1, seIntercept: Math.sqrt(1 / h00), seSlope: 0, converged };
  const det = h00 * h11 - h01 * h01;
  return {
    intercept: a,
    slope: b,
    seIntercept: Math.sqrt(h11 / det),
    seSlope: Math.sqrt(h00 / det),
    converged,
  };
}

/** Indices sorted by ascending value (stable). */
export function argsortAscending(v: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: v.length }, (_, i) => i);
  idx.sort((a, b) => v[a] - v[b] || a - b);
  return idx;
}
