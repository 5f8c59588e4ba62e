/**
 * Best-split search over gradient histograms (LightGBM `feature_histogram.hpp`,
 * `FindBestThresholdSequentially`; Chen & Guestrin 2016, eq. 7).
 *
 * Gain of a split = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) (LightGBM's form, without XGBoost's ½).
 * Numeric features try every bin threshold twice — missing values left and right — and keep the better
 * (the learned default direction). Categorical features sort their categories by G/(H + catSmooth) and
 * scan prefixes of that order (Fisher 1958; LightGBM's many-vs-many categorical split). Monotone
 * constraints follow LightGBM's "basic" method: leaf outputs are clamped to bounds inherited from the
 * ancestors, and a split on a constrained feature must order its two outputs the right way.
 */
import { HIST_STRIDE, MISSING_BIN } from '../../compute/index.js';

export interface SplitParams {
  readonly lambda: number;
  readonly minChildSamples: number;
  readonly minChildWeight: number;
  readonly minSplitGain: number;
  readonly catSmooth: number;
}

export interface FeatureMeta {
  /** Value bins per feature. */
  readonly nBins: Int32Array;
  readonly categorical: Uint8Array;
  /** −1, 0 or +1 per feature. */
  readonly monotone: Int8Array;
}

export interface Split {
  gain: number;
  feature: number;
  /** Numeric: bins ≤ bin go left. */
  bin: number;
  defaultLeft: boolean;
  /** Categorical: the bins that go left (null for numeric). */
  leftBins: number[] | null;
  gl: number;
  hl: number;
  cl: number;
  /** Constrained outputs (before the learning rate) of the two children. */
  outL: number;
  outR: number;
}

/** Leaf output −G/(H+λ), clamped to [lo, hi]. */
export function leafOutput(g: number, h: number, lambda: number, lo: number, hi: number): number {
  const w = -g / (h + lambda);
  return Math.min(Math.max(w, lo), hi);
}

/** −(2 G w + (H+λ) w²): the loss reduction of output w; equals G²/(H+λ) at the unconstrained optimum. */
function gainGivenOutput(g: number, h: number, lambda: number, w: number): number {
  return -(2 * g * w + (h + lambda) * w * w);
}

/**
 * Best split of one node over `features` (ascending order breaks ties: the first best feature wins), or
 * null when no split gains more than `minSplitGain`.
 */
export function findBestSplit(
  hist: Float64Array,
  off: number,
  features: Int32Array,
  meta: FeatureMeta,
  G: number,
  H: number,
  C: number,
  lo: number,
  hi: number,
  p: SplitParams,
): Split | null {
  const { lambda, minChildSamples: minC, minChildWeight: minH } = p;
  if (C < 2 * minC || H < 2 * minH) return null;
  const parentGain = (G * G) / (H + lambda);
  const bounded = lo > Number.NEGATIVE_INFINITY || hi < Number.POSITIVE_INFINITY;
  let best: Split | null = null;
  let bestGain = p.minSplitGain;
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const base = off + f * HIST_STRIDE;
    const nb = meta.nBins[f];
    const mono = meta.monotone[f];
    const mb = base + MISSING_BIN * 3;
    const Mg = hist[mb];
    const Mh = hist[mb + 1];
    const Mc = hist[mb + 2];
    if (meta.categorical[f] === 1) {
      const s = bestCategorical(hist, base, nb, G, H, C, lo, hi, p, parentGain);
      if (s !== null && s.gain > bestGain) {
        s.feature = f;
        best = s;
        bestGain = s.gain;
      }
      continue;
    }
    const useConstraint = bounded || mono !== 0;
    let lg = 0;
    let lh = 0;
    let lc = 0;
    // Threshold t: bins 0..t go left. t = nb−1 separates values from missing (only if any missing).
    const last = Mc > 0 ? nb - 1 : nb - 2;
    for (let t = 0; t <= last; t++) {
      const b = base + 3 * t;
      lg += hist[b];
      lh += hist[b + 1];
      lc += hist[b + 2];
      for (let dir = 0; dir < 2; dir++) {
        // dir 0: missing right; dir 1: missing left (only when there is missing data and a split remains)
        let gl = lg;
        let hl = lh;
        let cl = lc;
        if (dir === 1) {
          if (Mc === 0 || t === nb - 1) break;
          gl += Mg;
          hl += Mh;
          cl += Mc;
        }
        const cr = C - cl;
        if (cl < minC || cr < minC) continue;
        const hr = H - hl;
        if (hl < minH || hr < minH) continue;
        const gr = G - gl;
        let gain: number;
        let wl: number;
        let wr: number;
        if (useConstraint) {
          wl = leafOutput(gl, hl, lambda, lo, hi);
          wr = leafOutput(gr, hr, lambda, lo, hi);
          if ((mono > 0 && wl > wr) || (mono < 0 && wl < wr)) continue;
          gain = gainGivenOutput(gl, hl, lambda, wl) + gainGivenOutput(gr, hr, lambda, wr) - parentGain;
        } else {
          gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentGain;
          wl = -gl / (hl + lambda);
          wr = -gr / (hr + lambda);
        }
        if (gain > bestGain) {
          bestGain = gain;
          best = {
            gain,
            feature: f,
            bin: t,
            // Without missing values in the node, unseen missing values go to the heavier child.
            defaultLeft: Mc > 0 ? dir === 1 : hl >= hr,
            leftBins: null,
            gl,
            hl,
            cl,
            outL: wl,
            outR: wr,
          };
        }
      }
    }
  }
  return best;
}

function bestCategorical(
  hist: Float64Array,
  base: number,
  nb: number,
  G: number,
  H: number,
  C: number,
  lo: number,
  hi: number,
  p: SplitParams,
  parentGain: number,
): Split | null {
  const { lambda, minChildSamples: minC, minChildWeight: minH, catSmooth } = p;
  const used: number[] = [];
  for (let b = 0; b < nb; b++) if (hist[base + 3 * b + 2] > 0) used.push(b);
  if (used.length < 2) return null;
  const ratio = (b: number) => hist[base + 3 * b] / (hist[base + 3 * b + 1] + catSmooth);
  used.sort((a, b) => ratio(a) - ratio(b) || a - b);
  let lg = 0;
  let lh = 0;
  let lc = 0;
  let best: Split | null = null;
  let bestGain = Number.NEGATIVE_INFINITY;
  let bestJ = -1;
  for (let j = 0; j < used.length - 1; j++) {
    const b = base + 3 * used[j];
    lg += hist[b];
    lh += hist[b + 1];
    lc += hist[b + 2];
    const cr = C - lc;
    const hr = H - lh;
    if (lc < minC || cr < minC || lh < minH || hr < minH) continue;
    const gr = G - lg;
    const wl = leafOutput(lg, lh, lambda, lo, hi);
    const wr = leafOutput(gr, hr, lambda, lo, hi);
    const gain = gainGivenOutput(lg, lh, lambda, wl) + gainGivenOutput(gr, hr, lambda, wr) - parentGain;
    if (gain > bestGain) {
      bestGain = gain;
      bestJ = j;
      best = {
        gain,
        feature: -1,
        bin: -1,
        defaultLeft: false,
        leftBins: null,
        gl: lg,
        hl: lh,
        cl: lc,
        outL: wl,
        outR: wr,
      };
    }
  }
  if (best) best.leftBins = used.slice(0, bestJ + 1).sort((a, b) => a - b);
  return best;
}
