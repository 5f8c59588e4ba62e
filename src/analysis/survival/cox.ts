/**
 * Cox proportional-hazards regression (Cox 1972) by Newton–Raphson with step halving, as R's
 * `coxph` (Therneau & Grambsch 2000): Efron's tie correction by default (Efron 1977), Breslow's on
 * request; covariates centred before fitting; convergence when the relative change of the partial
 * log-likelihood is below `eps` (R: 1e-9). Reports coefficients with SE, z, p, hazard ratios with
 * CIs, the Wald, likelihood-ratio and score tests, Harrell's concordance, and the `cox.zph`
 * proportional-hazards test (score test for β(t) = β + θ·g(t), g the 'km' transform by default).
 */
import { chiSquareSf, normalQuantile, normalTwoSided } from '../distributions.js';
import { createError } from '../errors.js';
import { cholesky, choleskyInverse, choleskySolve, quadFormInverse, subMatrix } from '../linalg.js';
import { concordanceIndex } from './concordance.js';

export type CoxTies = 'efron' | 'breslow';

export interface CoxOptions {
  readonly ties?: CoxTies;
  readonly maxIter?: number;
  /** Relative change of the log partial likelihood that counts as converged (R: 1e-9). */
  readonly eps?: number;
  readonly confLevel?: number;
  /** Names of the design columns (default x0, x1, …). */
  readonly names?: readonly string[];
}

export interface CoxCoefficient {
  readonly name: string;
  readonly coef: number;
  readonly se: number;
  readonly z: number;
  readonly p: number;
  readonly hr: number;
  readonly lower: number;
  readonly upper: number;
}

export interface CoxTest {
  readonly stat: number;
  readonly df: number;
  readonly p: number;
}

export interface CoxFit {
  readonly n: number;
  readonly events: number;
  readonly ties: CoxTies;
  readonly coefficients: CoxCoefficient[];
  /** Variance–covariance matrix of the coefficients (row-major nested). */
  readonly vcov: number[][];
  readonly loglikNull: number;
  readonly loglik: number;
  readonly iterations: number;
  readonly lrt: CoxTest;
  readonly wald: CoxTest;
  readonly score: CoxTest;
  readonly concordance: number;
  /** Column means used for centring (the linear predictor is centred on them, as R's). */
  readonly means: number[];
}

/** Sorted, centred data shared by the fitting passes. */
interface CoxData {
  n: number;
  p: number;
  /** Row-major n × p, centred, sorted by time descending. */
  xs: Float64Array;
  ev: Uint8Array;
  /** Start index of each block of tied times (sorted order), plus n at the end. */
  blocks: number[];
  order: Int32Array;
  efron: boolean;
}

interface Derivs {
  loglik: number;
  u: Float64Array;
  imat: Float64Array;
  /** Augmented score/information for the zph test when `g` is given. */
  u2?: Float64Array;
  i12?: Float64Array;
  i22?: Float64Array;
}

function prepare(
  x: Float64Array,
  n: number,
  p: number,
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  efron: boolean,
) {
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => time[b] - time[a]);
  const means = new Array<number>(p).fill(0);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[j * n + i];
    means[j] = s / n;
  }
  const xs = new Float64Array(n * p);
  const ev = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k];
    ev[k] = event[i] > 0 ? 1 : 0;
    for (let j = 0; j < p; j++) xs[k * p + j] = x[j * n + i] - means[j];
  }
  const blocks: number[] = [];
  for (let k = 0; k < n; k++) if (k === 0 || time[order[k]] !== time[order[k - 1]]) blocks.push(k);
  blocks.push(n);
  const data: CoxData = { n, p, xs, ev, blocks, order, efron };
  return { data, means };
}

/** Log partial likelihood, score and information at `beta`; with `g` (per block) also the zph pieces. */
function derivs(d: CoxData, beta: ArrayLike<number>, g?: Float64Array): Derivs {
  const { n, p, xs, ev, blocks, efron } = d;
  const eta = new Float64Array(n);
  let etaMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += xs[i * p + j] * beta[j];
    eta[i] = s;
    if (s > etaMax) etaMax = s;
  }
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = Math.exp(eta[i] - etaMax);
  let s0 = 0;
  const s1 = new Float64Array(p);
  const s2 = new Float64Array(p * p);
  const d1 = new Float64Array(p);
  const d2 = new Float64Array(p * p);
  const a = new Float64Array(p);
  const it = new Float64Array(p * p);
  const ut = new Float64Array(p);
  const u = new Float64Array(p);
  const imat = new Float64Array(p * p);
  const u2 = g ? new Float64Array(p) : undefined;
  const i12 = g ? new Float64Array(p * p) : undefined;
  const i22 = g ? new Float64Array(p * p) : undefined;
  let loglik = 0;
  for (let b = 0; b + 1 < blocks.length; b++) {
    const lo = blocks[b];
    const hi = blocks[b + 1];
    let dCount = 0;
    let d0 = 0;
    d1.fill(0);
    d2.fill(0);
    ut.fill(0);
    for (let i = lo; i < hi; i++) {
      const wi = w[i];
      s0 += wi;
      const row = i * p;
      for (let j = 0; j < p; j++) {
        const wx = wi * xs[row + j];
        s1[j] += wx;
        for (let k = 0; k <= j; k++) s2[j * p + k] += wx * xs[row + k];
      }
      if (ev[i]) {
        dCount++;
        d0 += wi;
        loglik += eta[i] - etaMax;
        for (let j = 0; j < p; j++) {
          const wx = wi * xs[row + j];
          d1[j] += wx;
          ut[j] += xs[row + j];
          for (let k = 0; k <= j; k++) d2[j * p + k] += wx * xs[row + k];
        }
      }
    }
    if (!dCount) continue;
    it.fill(0);
    for (let r = 0; r < dCount; r++) {
      const f = efron ? r / dCount : 0;
      const den = s0 - f * d0;
      loglik -= Math.log(den);
      for (let j = 0; j < p; j++) {
        a[j] = (s1[j] - f * d1[j]) / den;
        ut[j] -= a[j];
      }
      for (let j = 0; j < p; j++) {
        for (let k = 0; k <= j; k++) it[j * p + k] += (s2[j * p + k] - f * d2[j * p + k]) / den - a[j] * a[k];
      }
    }
    const gb = g ? g[b] : 0;
    for (let j = 0; j < p; j++) {
      u[j] += ut[j];
      if (u2) u2[j] += gb * ut[j];
      for (let k = 0; k <= j; k++) {
        imat[j * p + k] += it[j * p + k];
        if (i12) {
          i12[j * p + k] += gb * it[j * p + k];
          i22![j * p + k] += gb * gb * it[j * p + k];
        }
      }
    }
  }
  for (const m of [imat, i12, i22]) {
    if (!m) continue;
    for (let j = 0; j < p; j++) for (let k = j + 1; k < p; k++) m[j * p + k] = m[k * p + j];
  }
  return { loglik, u, imat, u2, i12, i22 };
}

/**
 * Fits a Cox model. `x` is column-major n × p (no missing values: drop incomplete rows first, e.g.
 * with `coxFromFrame`), `event` 0/1.
 */
export function coxPh(
  x: Float64Array,
  nRows: number,
  nCols: number,
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  opts: CoxOptions = {},
): CoxFit & { readonly internal: CoxInternal } {
  const ties = opts.ties ?? 'efron';
  const maxIter = opts.maxIter ?? 20;
  const eps = opts.eps ?? 1e-9;
  const p = nCols;
  const n = nRows;
  let events = 0;
  for (let i = 0; i < n; i++) events += event[i] > 0 ? 1 : 0;
  if (events === 0) throw createError('AEGLE_ANALYSIS_NO_EVENTS', { what: 'Cox model', n });
  const { data, means } = prepare(x, n, p, time, event, ties === 'efron');
  let beta: Float64Array = new Float64Array(p);
  let cur = derivs(data, beta);
  const loglikNull = cur.loglik;
  const l0 = cholesky(cur.imat, p);
  if (!l0)
    throw createError('AEGLE_ANALYSIS_SINGULAR', {
      what: 'Cox model information at β = 0',
      detail: 'a covariate is constant or collinear',
    });
  const scoreStat = dot(cur.u, choleskySolve(l0, p, cur.u));
  let step = choleskySolve(l0, p, cur.u);
  let newBeta: Float64Array = add(beta, step);
  let iter = 0;
  let halving = 0;
  let converged = false;
  for (iter = 1; iter <= maxIter; iter++) {
    const next = derivs(data, newBeta);
    if (Math.abs(1 - cur.loglik / next.loglik) <= eps && halving === 0) {
      beta = newBeta;
      cur = next;
      converged = true;
      break;
    }
    if (!(next.loglik >= cur.loglik) || !Number.isFinite(next.loglik)) {
      halving++;
      for (let j = 0; j < p; j++) newBeta[j] = (newBeta[j] + beta[j]) / 2;
      continue;
    }
    halving = 0;
    beta = newBeta;
    cur = next;
    const l = cholesky(cur.imat, p);
    if (!l)
      throw createError('AEGLE_ANALYSIS_SINGULAR', {
        what: 'Cox model information',
        detail: `at iteration ${iter}`,
      });
    step = choleskySolve(l, p, cur.u);
    newBeta = add(beta, step);
  }
  if (!converged) {
    throw createError('AEGLE_ANALYSIS_NOT_CONVERGED', {
      what: 'Cox model',
      iterations: maxIter,
      detail: `log-likelihood ${cur.loglik}`,
    });
  }
  const lf = cholesky(cur.imat, p);
  if (!lf)
    throw createError('AEGLE_ANALYSIS_SINGULAR', {
      what: 'Cox model information at the estimate',
      detail: 'infinite coefficient?',
    });
  const vcov = choleskyInverse(lf, p);
  const z = normalQuantile(1 - (1 - (opts.confLevel ?? 0.95)) / 2);
  const names = opts.names ?? Array.from({ length: p }, (_, j) => `x${j}`);
  const coefficients = Array.from({ length: p }, (_, j): CoxCoefficient => {
    const se = Math.sqrt(vcov[j * p + j]);
    const zz = beta[j] / se;
    return {
      name: names[j],
      coef: beta[j],
      se,
      z: zz,
      p: normalTwoSided(zz),
      hr: Math.exp(beta[j]),
      lower: Math.exp(beta[j] - z * se),
      upper: Math.exp(beta[j] + z * se),
    };
  });
  let waldStat = 0;
  for (let j = 0; j < p; j++) for (let k = 0; k < p; k++) waldStat += beta[j] * cur.imat[j * p + k] * beta[k];
  const lrStat = 2 * (cur.loglik - loglikNull);
  // Linear predictor (centred, as R's `linear.predictors`) for the concordance.
  const lp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += (x[j * n + i] - means[j]) * beta[j];
    lp[i] = s;
  }
  const conc = concordanceIndex(time, event, lp);
  return {
    n,
    events,
    ties,
    coefficients,
    vcov: Array.from({ length: p }, (_, j) => Array.from(vcov.subarray(j * p, j * p + p))),
    loglikNull,
    loglik: cur.loglik,
    iterations: iter,
    lrt: { stat: lrStat, df: p, p: chiSquareSf(lrStat, p) },
    wald: { stat: waldStat, df: p, p: chiSquareSf(waldStat, p) },
    score: { stat: scoreStat, df: p, p: chiSquareSf(scoreStat, p) },
    concordance: conc.concordance,
    means,
    internal: { data, beta: Array.from(beta), time, event, linearPredictor: lp },
  };
}

/** State kept for follow-up computations (zph). Not serialised. */
export interface CoxInternal {
  readonly data: CoxData;
  readonly beta: number[];
  readonly time: ArrayLike<number>;
  readonly event: ArrayLike<number>;
  readonly linearPredictor: Float64Array;
}

export type ZphTransform = 'km' | 'identity' | 'rank' | 'log';

export interface ZphRow {
  readonly term: string;
  readonly chisq: number;
  readonly df: number;
  readonly p: number;
}

/**
 * Test of proportional hazards (Grambsch & Therneau 1994) as R's `cox.zph` (survival ≥ 3): the
 * score test, at (β̂, 0), for adding X·g(t) to the model, per term and globally. `terms` groups
 * design columns (e.g. the dummies of one factor); default one term per column.
 */
export function coxZph(
  fit: CoxFit & { readonly internal: CoxInternal },
  opts: { transform?: ZphTransform; terms?: readonly { name: string; columns: number[] }[] } = {},
): { table: ZphRow[]; global: ZphRow } {
  const { data, beta, time, event } = fit.internal;
  const { n, p, blocks, order } = data;
  const transform = opts.transform ?? 'km';
  // g per row (original order), then centred by its mean over event rows.
  const tt = new Float64Array(n);
  if (transform === 'km') {
    // 1 − S(t−): left-continuous Kaplan–Meier of all rows.
    const asc = Array.from({ length: n }, (_, i) => i).sort((a, b) => time[a] - time[b]);
    let atRisk = n;
    let s = 1;
    for (let k = 0; k < n; ) {
      const t = time[asc[k]];
      let q = k;
      let dd = 0;
      while (q < n && time[asc[q]] === t) {
        if (event[asc[q]] > 0) dd++;
        q++;
      }
      for (let m = k; m < q; m++) tt[asc[m]] = 1 - s;
      s *= 1 - dd / atRisk;
      atRisk -= q - k;
      k = q;
    }
  } else if (transform === 'rank') {
    const asc = Array.from({ length: n }, (_, i) => i).sort((a, b) => time[a] - time[b]);
    for (let k = 0; k < n; ) {
      let q = k;
      while (q < n && time[asc[q]] === time[asc[k]]) q++;
      for (let m = k; m < q; m++) tt[asc[m]] = (k + 1 + q) / 2;
      k = q;
    }
  } else {
    for (let i = 0; i < n; i++) tt[i] = transform === 'log' ? Math.log(time[i]) : time[i];
  }
  let sum = 0;
  let cnt = 0;
  for (let i = 0; i < n; i++)
    if (event[i] > 0) {
      sum += tt[i];
      cnt++;
    }
  const gMean = sum / cnt;
  const g = new Float64Array(blocks.length - 1);
  for (let b = 0; b + 1 < blocks.length; b++) g[b] = tt[order[blocks[b]]] - gMean;
  const dv = derivs(data, beta, g);
  // Full 2p × 2p information and the score (0, u2).
  const q = 2 * p;
  const imat = new Float64Array(q * q);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < p; k++) {
      imat[j * q + k] = dv.imat[j * p + k];
      imat[j * q + p + k] = dv.i12![j * p + k];
      imat[(p + j) * q + k] = dv.i12![k * p + j];
      imat[(p + j) * q + p + k] = dv.i22![j * p + k];
    }
  }
  const terms = opts.terms ?? fit.coefficients.map((c, j) => ({ name: c.name, columns: [j] }));
  const base = Array.from({ length: p }, (_, j) => j);
  const table = terms.map((t): ZphRow => {
    const kk = [...base, ...t.columns.map((c) => c + p)];
    const uu = [...new Array<number>(p).fill(0), ...t.columns.map((c) => dv.u2![c])];
    const chisq = quadFormInverse(subMatrix(imat, q, kk), kk.length, uu);
    return { term: t.name, chisq, df: t.columns.length, p: chiSquareSf(chisq, t.columns.length) };
  });
  const uAll = [...new Array<number>(p).fill(0), ...dv.u2!];
  const gchi = quadFormInverse(imat, q, uAll);
  return { table, global: { term: 'GLOBAL', chisq: gchi, df: p, p: chiSquareSf(gchi, p) } };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const o = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i] + b[i];
  return o;
}
