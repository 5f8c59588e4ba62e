/**
 * Gradient/hessian histograms (LightGBM `dataset.cpp` ConstructHistograms, `feature_histogram.hpp`).
 * A histogram holds, for each feature and each of its 256 bins, the sums (gradient, hessian, count),
 * interleaved in one Float64Array: entry (f, b) starts at `HIST_STRIDE * f + 3 * b`.
 *
 * Pure kernels over typed arrays: they run on the main thread and on workers alike. Each feature's
 * histogram is summed in row order by exactly one thread, so results do not depend on the thread count.
 */
import { HIST_BINS } from './binning.js';

/** Float64 entries per feature in a histogram. */
export const HIST_STRIDE = HIST_BINS * 3;

/** Float64 entries of a histogram over `nFeatures` features. */
export function histSize(nFeatures: number): number {
  return nFeatures * HIST_STRIDE;
}

let scratch = new Float64Array(0);

/** Gradient pairs of rows[start..end) copied into a contiguous buffer (LightGBM's ordered gradients). */
function orderedGradients(gh: Float64Array, rows: Int32Array, start: number, end: number): Float64Array {
  const m = end - start;
  if (scratch.length < 2 * m) scratch = new Float64Array(Math.max(2 * m, scratch.length * 2));
  const og = scratch;
  for (let i = start, j = 0; i < end; i++, j += 2) {
    const r = rows[i] * 2;
    og[j] = gh[r];
    og[j + 1] = gh[r + 1];
  }
  return og;
}

/**
 * Builds the histograms of features `features[fFrom..fTo)` for the rows `rows[start..end)` (or every row
 * 0..nRows−1 when `rows` is null) into `hist` at `histOffset`. Four features share one pass over the
 * rows, and the rows' gradient pairs are first gathered in order (LightGBM's ordered gradients), so
 * each pass reads gradients sequentially.
 *
 * @param bins column-major bin matrix (nRows × nFeatures)
 * @param gh interleaved gradient/hessian pairs: gh[2r] = g_r, gh[2r+1] = h_r
 */
export function buildHistograms(
  bins: Uint8Array,
  nRows: number,
  gh: Float64Array,
  rows: Int32Array | null,
  start: number,
  end: number,
  features: Int32Array,
  fFrom: number,
  fTo: number,
  hist: Float64Array,
  histOffset: number,
): void {
  const og = rows === null ? gh : orderedGradients(gh, rows, start, end);
  const m = rows === null ? nRows : end - start;
  const base = rows === null ? 0 : start;
  const rr = rows ?? new Int32Array(0);
  const all = rows === null;
  let k = fFrom;
  for (; k + 3 < fTo; k += 4) {
    const h0 = histOffset + features[k] * HIST_STRIDE;
    const h1 = histOffset + features[k + 1] * HIST_STRIDE;
    const h2 = histOffset + features[k + 2] * HIST_STRIDE;
    const h3 = histOffset + features[k + 3] * HIST_STRIDE;
    hist.fill(0, h0, h0 + HIST_STRIDE);
    hist.fill(0, h1, h1 + HIST_STRIDE);
    hist.fill(0, h2, h2 + HIST_STRIDE);
    hist.fill(0, h3, h3 + HIST_STRIDE);
    const c0 = features[k] * nRows;
    const c1 = features[k + 1] * nRows;
    const c2 = features[k + 2] * nRows;
    const c3 = features[k + 3] * nRows;
    for (let j = 0; j < m; j++) {
      const r = all ? j : rr[base + j];
      const g = og[2 * j];
      const h = og[2 * j + 1];
      const b0 = h0 + bins[c0 + r] * 3;
      const b1 = h1 + bins[c1 + r] * 3;
      const b2 = h2 + bins[c2 + r] * 3;
      const b3 = h3 + bins[c3 + r] * 3;
      hist[b0] += g;
      hist[b0 + 1] += h;
      hist[b0 + 2] += 1;
      hist[b1] += g;
      hist[b1 + 1] += h;
      hist[b1 + 2] += 1;
      hist[b2] += g;
      hist[b2 + 1] += h;
      hist[b2 + 2] += 1;
      hist[b3] += g;
      hist[b3 + 1] += h;
      hist[b3 + 2] += 1;
    }
  }
  for (; k < fTo; k++) {
    const h0 = histOffset + features[k] * HIST_STRIDE;
    hist.fill(0, h0, h0 + HIST_STRIDE);
    const c0 = features[k] * nRows;
    for (let j = 0; j < m; j++) {
      const r = all ? j : rr[base + j];
      const b0 = h0 + bins[c0 + r] * 3;
      hist[b0] += og[2 * j];
      hist[b0 + 1] += og[2 * j + 1];
      hist[b0 + 2] += 1;
    }
  }
}

/**
 * Histogram subtraction (LightGBM `FeatureHistogram::Subtract`): the larger child's histogram is the
 * parent's minus the smaller child's. Writes `parent − small` into the parent's place for the listed
 * features.
 */
export function subtractHistograms(
  hist: Float64Array,
  parentOffset: number,
  smallOffset: number,
  features: Int32Array,
  fFrom: number,
  fTo: number,
): void {
  for (let k = fFrom; k < fTo; k++) {
    const f = features[k] * HIST_STRIDE;
    const p = parentOffset + f;
    const s = smallOffset + f;
    for (let j = 0; j < HIST_STRIDE; j++) hist[p + j] -= hist[s + j];
  }
}
