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

/**
 * Builds the histograms of features `features[fFrom..fTo)` for the rows `rows[start..end)` (or every row
 * 0..nRows−1 when `rows` is null) into `hist` at `histOffset`.
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
  let k = fFrom;
  // Two features per pass: the row index and its gradient pair are loaded once for both.
  for (; k + 1 < fTo; k += 2) {
    const f0 = features[k];
    const f1 = features[k + 1];
    const h0 = histOffset + f0 * HIST_STRIDE;
    const h1 = histOffset + f1 * HIST_STRIDE;
    hist.fill(0, h0, h0 + HIST_STRIDE);
    hist.fill(0, h1, h1 + HIST_STRIDE);
    const c0 = f0 * nRows;
    const c1 = f1 * nRows;
    if (rows === null) {
      for (let r = 0; r < nRows; r++) {
        const g = gh[2 * r];
        const h = gh[2 * r + 1];
        const b0 = h0 + bins[c0 + r] * 3;
        const b1 = h1 + bins[c1 + r] * 3;
        hist[b0] += g;
        hist[b0 + 1] += h;
        hist[b0 + 2] += 1;
        hist[b1] += g;
        hist[b1 + 1] += h;
        hist[b1 + 2] += 1;
      }
    } else {
      for (let i = start; i < end; i++) {
        const r = rows[i];
        const g = gh[2 * r];
        const h = gh[2 * r + 1];
        const b0 = h0 + bins[c0 + r] * 3;
        const b1 = h1 + bins[c1 + r] * 3;
        hist[b0] += g;
        hist[b0 + 1] += h;
        hist[b0 + 2] += 1;
        hist[b1] += g;
        hist[b1 + 1] += h;
        hist[b1 + 2] += 1;
      }
    }
  }
  for (; k < fTo; k++) {
    const f = features[k];
    const h0 = histOffset + f * HIST_STRIDE;
    hist.fill(0, h0, h0 + HIST_STRIDE);
    const c0 = f * nRows;
    if (rows === null) {
      for (let r = 0; r < nRows; r++) {
        const b0 = h0 + bins[c0 + r] * 3;
        hist[b0] += gh[2 * r];
        hist[b0 + 1] += gh[2 * r + 1];
        hist[b0 + 2] += 1;
      }
    } else {
      for (let i = start; i < end; i++) {
        const r = rows[i];
        const b0 = h0 + bins[c0 + r] * 3;
        hist[b0] += gh[2 * r];
        hist[b0 + 1] += gh[2 * r + 1];
        hist[b0 + 2] += 1;
      }
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
