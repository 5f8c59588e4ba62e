/**
 * Pure numeric kernels over typed arrays. NaN is "missing" and is skipped by every function here.
 * No I/O, no allocation beyond what the result needs: these run on worker threads too.
 */

/** Count of non-NaN values. */
export function countPresent(x: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) n++;
  return n;
}

/** Mean of non-NaN values (NaN if none). Kahan-compensated. */
export function mean(x: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) continue;
    const y = v - c;
    const t = s + y;
    c = t - s - y;
    s = t;
    n++;
  }
  return n ? s / n : Number.NaN;
}

/** Variance of non-NaN values with `ddof` degrees of freedom removed (1 = sample variance). Two-pass. */
export function variance(x: ArrayLike<number>, ddof = 1): number {
  const m = mean(x);
  if (Number.isNaN(m)) return Number.NaN;
  let ss = 0;
  let comp = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) continue;
    const d = v - m;
    ss += d * d;
    comp += d;
    n++;
  }
  if (n - ddof <= 0) return Number.NaN;
  return (ss - (comp * comp) / n) / (n - ddof);
}

export function std(x: ArrayLike<number>, ddof = 1): number {
  return Math.sqrt(variance(x, ddof));
}

/** Non-NaN values, sorted ascending, as a new Float64Array. */
export function sortedPresent(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(countPresent(x));
  let k = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) out[k++] = x[i];
  return out.sort();
}

/**
 * Quantile of already-sorted values by linear interpolation between order statistics
 * (Hyndman & Fan type 7: the default of R, NumPy and pandas).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (q <= 0) return sorted[0];
  if (q >= 1) return sorted[n - 1];
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const frac = h - lo;
  return frac === 0 ? sorted[lo] : sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

/** Quantiles of non-NaN values (type 7). */
export function quantiles(x: ArrayLike<number>, qs: readonly number[]): number[] {
  const s = sortedPresent(x);
  return qs.map((q) => quantileSorted(s, q));
}

export function median(x: ArrayLike<number>): number {
  return quantiles(x, [0.5])[0];
}

/** Minimum and maximum of non-NaN values ([NaN, NaN] if none). */
export function minMax(x: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Number.POSITIVE_INFINITY ? [Number.NaN, Number.NaN] : [lo, hi];
}

/** Pearson correlation over rows where both are present (NaN if fewer than 2 or zero variance). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let n = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]) || Number.isNaN(y[i])) continue;
    n++;
    mx += (x[i] - mx) / n;
    my += (y[i] - my) / n;
  }
  if (n < 2) return Number.NaN;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]) || Number.isNaN(y[i])) continue;
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}
