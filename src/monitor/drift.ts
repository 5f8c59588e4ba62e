/**
 * Data drift between a reference sample (the training data, kept in the model artifact) and live
 * inputs (the prediction log), per feature, with Evidently's defaults
 * (https://docs.evidentlyai.com/metrics/customize_data_drift):
 *
 * - PSI (population stability index) over 30 equal-width bins of the pooled values, empty bins
 *   floored at 0.0001; drift when PSI ≥ 0.1 (Evidently `psi_stat_test`).
 * - Two-sample Kolmogorov–Smirnov test; drift when p < 0.05, i.e. at 95 % confidence (Evidently
 *   `ks_stat_test`, scipy `ks_2samp`). The p-value uses the Kolmogorov limit distribution with
 *   Stephens' small-sample correction (Numerical Recipes §14.3), within ±0.01 of scipy's.
 * - A report judges each feature by one method (`psi` by default, or `ks`) and shows both statistics.
 * - The dataset drifts when the share of drifted features reaches 0.5 (Evidently `drift_share`).
 *
 * Pure functions over Float64Arrays; NaN (missing) values are left out of both samples.
 */

export const PSI_THRESHOLD = 0.1;
export const KS_CONFIDENCE = 0.95;
export const PSI_BINS = 30;
export const DRIFT_SHARE = 0.5;

function finite(xs: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i])) out[k++] = xs[i];
  return out;
}

/**
 * PSI as Evidently computes it: bin edges from `np.histogram_bin_edges(ref ∪ cur, bins=30)`, shares
 * per bin in each sample, zero shares replaced by 0.0001, PSI = Σ (ref − cur) · ln(ref / cur).
 */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, bins = PSI_BINS): number {
  const ref = finite(reference);
  const cur = finite(current);
  if (!ref.length || !cur.length) return Number.NaN;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const a of [ref, cur]) {
    for (let i = 0; i < a.length; i++) {
      if (a[i] < lo) lo = a[i];
      if (a[i] > hi) hi = a[i];
    }
  }
  if (lo === hi) {
    // numpy widens a zero range to [lo − 0.5, hi + 0.5]
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const count = (a: Float64Array) => {
    const c = new Float64Array(bins);
    for (let i = 0; i < a.length; i++) {
      // numpy: bins are half-open [e_k, e_k+1) except the last, which includes its right edge
      let b = Math.floor((a[i] - lo) / width);
      if (b >= bins) b = bins - 1;
      if (b < 0) b = 0;
      c[b]++;
    }
    for (let k = 0; k < bins; k++) c[k] = c[k] / a.length || 0.0001;
    return c;
  };
  const r = count(ref);
  const c = count(cur);
  let s = 0;
  for (let k = 0; k < bins; k++) s += (r[k] - c[k]) * Math.log(r[k] / c[k]);
  return s;
}

/** Kolmogorov's limiting survival function Q(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²). */
function kolmogorovQ(lambda: number): number {
  if (lambda < 1.18) {
    // the alternating series converges slowly here: use the Jacobi theta form of 1 − Q
    if (lambda <= 0) return 1;
    const y = Math.exp(-(Math.PI * Math.PI) / (8 * lambda * lambda));
    const p = (Math.sqrt(2 * Math.PI) / lambda) * (y + y ** 9 + y ** 25 + y ** 49);
    return 1 - p;
  }
  const x = Math.exp(-2 * lambda * lambda);
  return 2 * (x - x ** 4 + x ** 9 - x ** 16);
}

export interface KsResult {
  /** max |F_ref − F_cur|. */
  readonly statistic: number;
  readonly pValue: number;
}

/** Two-sample, two-sided Kolmogorov–Smirnov test. */
export function ks2samp(reference: ArrayLike<number>, current: ArrayLike<number>): KsResult {
  const a = finite(reference).sort();
  const b = finite(current).sort();
  const n1 = a.length;
  const n2 = b.length;
  if (!n1 || !n2) return { statistic: Number.NaN, pValue: Number.NaN };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const x = Math.min(a[i], b[j]);
    while (i < n1 && a[i] === x) i++;
    while (j < n2 && b[j] === x) j++;
    const diff = Math.abs(i / n1 - j / n2);
    if (diff > d) d = diff;
  }
  const en = Math.sqrt((n1 * n2) / (n1 + n2));
  const pValue = Math.min(1, Math.max(0, kolmogorovQ((en + 0.12 + 0.11 / en) * d)));
  return { statistic: d, pValue };
}

export interface FeatureDrift {
  readonly feature: string;
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly psi: number;
  readonly ksStatistic: number;
  readonly ksPValue: number;
  readonly psiDrifted: boolean;
  readonly ksDrifted: boolean;
  /** By the report's method: PSI ≥ 0.1 (`psi`) or KS p < 0.05 (`ks`). */
  readonly drifted: boolean;
}

export type DriftMethod = 'psi' | 'ks';

export interface DriftReport {
  readonly method: DriftMethod;
  readonly features: FeatureDrift[];
  readonly driftedFeatures: number;
  readonly shareDrifted: number;
  /** Share of drifted features ≥ 0.5. */
  readonly datasetDrift: boolean;
  readonly thresholds: { readonly psi: number; readonly ksConfidence: number; readonly driftShare: number };
}

/** Compares each feature's live values with its reference values. */
export function driftReport(
  features: readonly string[],
  reference: readonly ArrayLike<number>[],
  current: readonly ArrayLike<number>[],
  method: DriftMethod = 'psi',
): DriftReport {
  const out: FeatureDrift[] = features.map((feature, k) => {
    const p = psi(reference[k], current[k]);
    const ks = ks2samp(reference[k], current[k]);
    const psiDrifted = p >= PSI_THRESHOLD;
    const ksDrifted = ks.pValue < 1 - KS_CONFIDENCE;
    return {
      feature,
      referenceCount: finite(reference[k]).length,
      currentCount: finite(current[k]).length,
      psi: p,
      ksStatistic: ks.statistic,
      ksPValue: ks.pValue,
      psiDrifted,
      ksDrifted,
      drifted: method === 'psi' ? psiDrifted : ksDrifted,
    };
  });
  const driftedFeatures = out.filter((f) => f.drifted).length;
  const share = features.length ? driftedFeatures / features.length : 0;
  return {
    method,
    features: out,
    driftedFeatures,
    shareDrifted: share,
    datasetDrift: share >= DRIFT_SHARE,
    thresholds: { psi: PSI_THRESHOLD, ksConfidence: KS_CONFIDENCE, driftShare: DRIFT_SHARE },
  };
}
