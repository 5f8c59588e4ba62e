/**
 * Feature binning for histogram tree learners (LightGBM `bin.cpp`, scikit-learn `_binning.py`): every
 * feature is mapped once to at most 255 value bins plus one bin for missing values, stored as a
 * column-major `Uint8Array`. Split finding then works on 256-entry histograms instead of sorted values.
 *
 * - Numeric features: with ≤ maxBins distinct values, one bin per value and thresholds at midpoints
 *   (exact, as in scikit-learn); otherwise thresholds at quantiles of (a sample of) the values.
 *   A value `x` goes to the first bin `b` with `x <= thresholds[b]`; the last bin is open-ended.
 * - Categorical features: values are non-negative integer codes; the most frequent ≤ maxBins codes get a
 *   bin each (in ascending code order); rarer or invalid codes go to the missing bin.
 * - Missing (NaN) always goes to bin `MISSING_BIN` (255).
 */
import { Rng } from '../../core/index.js';

export const MISSING_BIN = 255;
export const HIST_BINS = 256;

export interface FeatureBins {
  /** Number of value bins (the missing bin is extra and always index 255). */
  readonly nBins: number;
  /** Numeric: upper thresholds of bins 0..nBins−2 (length nBins−1). Categorical: the code of each bin. */
  readonly thresholds: Float64Array;
  readonly categorical: boolean;
}

/** Upper bound on rows used to compute quantile thresholds (as scikit-learn's `subsample=2e5`). */
const BIN_SAMPLE = 200_000;

/** Learns the bins of one column (`values` = one column of a column-major matrix). */
export function fitFeatureBins(
  values: Float64Array,
  maxBins: number,
  categorical: boolean,
  seed = 0,
): FeatureBins {
  if (categorical) return fitCategoricalBins(values, maxBins);
  let sample: Float64Array;
  if (values.length > BIN_SAMPLE) {
    const rng = new Rng(seed);
    sample = new Float64Array(BIN_SAMPLE);
    for (let i = 0; i < BIN_SAMPLE; i++) sample[i] = values[rng.int(values.length)];
  } else sample = values;
  let k = 0;
  const present = new Float64Array(sample.length);
  for (let i = 0; i < sample.length; i++) if (!Number.isNaN(sample[i])) present[k++] = sample[i];
  const sorted = present.subarray(0, k).sort();
  // distinct values (only collected while they could still fit in maxBins)
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length && distinct.length <= maxBins; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  if (distinct.length <= maxBins) {
    const t = new Float64Array(Math.max(0, distinct.length - 1));
    for (let i = 0; i < t.length; i++) t[i] = (distinct[i] + distinct[i + 1]) / 2;
    return { nBins: Math.max(1, distinct.length), thresholds: t, categorical: false };
  }
  // Quantile thresholds at percentiles 100·j/maxBins, j = 1..maxBins−1 (linear interpolation), deduplicated.
  const n = sorted.length;
  const out: number[] = [];
  for (let j = 1; j < maxBins; j++) {
    const pos = (j / maxBins) * (n - 1);
    const lo = Math.floor(pos);
    const frac = pos - lo;
    const v = lo + 1 < n ? sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
    if (out.length === 0 || v > out[out.length - 1]) out.push(v);
  }
  // Drop a threshold at or above the maximum (it would leave an empty last bin).
  while (out.length && out[out.length - 1] >= sorted[n - 1]) out.pop();
  return { nBins: out.length + 1, thresholds: Float64Array.from(out), categorical: false };
}

function fitCategoricalBins(values: Float64Array, maxBins: number): FeatureBins {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= 0 && Number.isInteger(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let codes = [...counts.keys()];
  if (codes.length > maxBins) {
    codes.sort((a, b) => counts.get(b)! - counts.get(a)! || a - b);
    codes = codes.slice(0, maxBins);
  }
  codes.sort((a, b) => a - b);
  return { nBins: Math.max(1, codes.length), thresholds: Float64Array.from(codes), categorical: true };
}

/** Bin index of one value. */
export function binValue(fb: FeatureBins, v: number): number {
  if (Number.isNaN(v)) return MISSING_BIN;
  const t = fb.thresholds;
  if (fb.categorical) {
    // binary search for the code
    let lo = 0;
    let hi = t.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (t[mid] === v) return mid;
      if (t[mid] < v) lo = mid + 1;
      else hi = mid - 1;
    }
    return MISSING_BIN;
  }
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= t[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Bins every column of a column-major matrix into `out` (column-major, nRows × nCols). `out` may be
 * backed by a SharedArrayBuffer so that workers read it without copying.
 */
export function binMatrix(
  data: Float64Array,
  nRows: number,
  nCols: number,
  bins: readonly FeatureBins[],
  out: Uint8Array = new Uint8Array(nRows * nCols),
): Uint8Array {
  for (let j = 0; j < nCols; j++) {
    const fb = bins[j];
    const off = j * nRows;
    const t = fb.thresholds;
    if (fb.categorical) {
      for (let i = 0; i < nRows; i++) out[off + i] = binValue(fb, data[off + i]);
      continue;
    }
    // Branch-free search over the thresholds padded with +∞ to a power of two: the bin is the number of
    // thresholds below v, found in a fixed number of halving steps. `+(a < b)` compiles to a flag move
    // (a `?:` would compile to a branch that mispredicts on every other step).
    let size = 1;
    while (size < t.length + 1) size *= 2;
    const tp = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
    tp.set(t);
    const top = size >> 1;
    for (let i = 0; i < nRows; i++) {
      const v = data[off + i];
      let lo = 0;
      for (let step = top; step > 0; step >>= 1) lo += step * +(tp[lo + step - 1] < v);
      out[off + i] = Number.isNaN(v) ? MISSING_BIN : lo;
    }
  }
  return out;
}
