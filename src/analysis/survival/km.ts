/**
 * Kaplan–Meier estimator (Kaplan & Meier 1958) with Greenwood's variance and R `survival`'s
 * defaults: `conf.type = "log"` intervals exp(log S ± z·se) with se the Greenwood standard error of
 * the cumulative hazard, the upper limit capped at 1; median = smallest time with S(t) ≤ 0.5 (with
 * R's averaging rule when S is exactly 0.5); restricted mean up to a chosen end time with R's
 * standard error (`survival:::survmean`). Arrays cover every distinct time, events and censorings.
 */
import { normalQuantile } from '../distributions.js';
import { createError } from '../errors.js';

export interface KmOptions {
  /** Confidence level of the pointwise and median intervals (default 0.95). */
  readonly confLevel?: number;
  /** Upper limit of the restricted mean (default: the largest time of this curve). */
  readonly rmeanEnd?: number;
}

export interface KmCurve {
  readonly n: number;
  readonly events: number;
  readonly time: number[];
  readonly nRisk: number[];
  readonly nEvent: number[];
  readonly nCensor: number[];
  readonly survival: number[];
  /** SE of the cumulative hazard (R's `std.err`), not of S. */
  readonly stdErr: number[];
  readonly lower: number[];
  readonly upper: number[];
  readonly median: number | null;
  readonly medianLower: number | null;
  readonly medianUpper: number | null;
  readonly rmean: number;
  readonly rmeanSe: number;
  readonly rmeanEnd: number;
}

/** Kaplan–Meier curve of (time, event) pairs; NaN rows are skipped. Event must be 0/1. */
export function kaplanMeier(
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  opts: KmOptions = {},
): KmCurve {
  const idx: number[] = [];
  for (let i = 0; i < time.length; i++) if (!Number.isNaN(time[i]) && !Number.isNaN(event[i])) idx.push(i);
  idx.sort((a, b) => time[a] - time[b]);
  const n = idx.length;
  if (n === 0) throw createError('AEGLE_ANALYSIS_TOO_FEW_ROWS', { what: 'Kaplan–Meier', needed: 1, got: 0 });
  const z = normalQuantile(1 - (1 - (opts.confLevel ?? 0.95)) / 2);
  const out = {
    time: [] as number[],
    nRisk: [] as number[],
    nEvent: [] as number[],
    nCensor: [] as number[],
    survival: [] as number[],
    stdErr: [] as number[],
    lower: [] as number[],
    upper: [] as number[],
  };
  let atRisk = n;
  let s = 1;
  let greenwood = 0;
  let events = 0;
  for (let k = 0; k < n; ) {
    const t = time[idx[k]];
    let d = 0;
    let c = 0;
    while (k < n && time[idx[k]] === t) {
      if (event[idx[k]] > 0) d++;
      else c++;
      k++;
    }
    s *= 1 - d / atRisk;
    greenwood += d === 0 ? 0 : atRisk === d ? Number.POSITIVE_INFINITY : d / (atRisk * (atRisk - d));
    const se = Math.sqrt(greenwood);
    out.time.push(t);
    out.nRisk.push(atRisk);
    out.nEvent.push(d);
    out.nCensor.push(c);
    out.survival.push(s);
    out.stdErr.push(se);
    if (s > 0 && Number.isFinite(se)) {
      out.lower.push(Math.exp(Math.log(s) - z * se));
      out.upper.push(Math.min(1, Math.exp(Math.log(s) + z * se)));
    } else {
      out.lower.push(Number.NaN);
      out.upper.push(Number.NaN);
    }
    events += d;
    atRisk -= d + c;
  }
  const end = opts.rmeanEnd ?? out.time[out.time.length - 1];
  const { rmean, rmeanSe } = restrictedMean(out.time, out.survival, out.nRisk, out.nEvent, end);
  return {
    n,
    events,
    ...out,
    median: minmin(out.survival, out.time),
    medianLower: minmin(out.lower, out.time),
    medianUpper: minmin(out.upper, out.time),
    rmean,
    rmeanSe,
    rmeanEnd: end,
  };
}

/** R's `minmin`: first time where y ≤ 0.5, averaging with the next drop when y is exactly 0.5. */
function minmin(y: readonly number[], x: readonly number[]): number | null {
  const tol = Math.sqrt(2.220446049250313e-16);
  const keep: number[] = [];
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(y[i]) && y[i] < 0.5 + tol) keep.push(i);
  if (!keep.length) return null;
  const y0 = y[keep[0]];
  if (Math.abs(y0 - 0.5) < tol) {
    const next = keep.find((i) => y[i] < y0);
    if (next !== undefined) return (x[keep[0]] + x[next]) / 2;
  }
  return x[keep[0]];
}

/** Restricted mean survival on [min(0, t₁), end] and its standard error, as `survival:::survmean`. */
function restrictedMean(
  time: readonly number[],
  surv: readonly number[],
  nRisk: readonly number[],
  nEvent: readonly number[],
  end: number,
): { rmean: number; rmeanSe: number } {
  const start = Math.min(0, time[0]);
  const tt: number[] = [];
  const ss: number[] = [];
  const hh: number[] = [];
  for (let i = 0; i < time.length; i++) {
    if (time[i] > end) continue;
    tt.push(time[i]);
    ss.push(surv[i]);
    hh.push(nRisk[i] - nEvent[i] === 0 ? 0 : nEvent[i] / (nRisk[i] * (nRisk[i] - nEvent[i])));
  }
  if (!tt.length) return { rmean: end - start + start, rmeanSe: 0 };
  tt.push(end);
  ss.push(ss[ss.length - 1]);
  hh.push(0);
  const m = tt.length;
  const rect: number[] = [];
  let prev = start;
  for (let i = 0; i < m; i++) {
    rect.push((tt[i] - prev) * (i === 0 ? 1 : ss[i - 1]));
    prev = tt[i];
  }
  let mean = start;
  for (const r of rect) mean += r;
  // varmean = sum(cumsum(rev(rect[-1]))^2 * rev(hh)[-1])
  let cum = 0;
  let v = 0;
  for (let k = m - 1, j = m - 2; k >= 1; k--, j--) {
    cum += rect[k];
    v += cum * cum * hh[j];
  }
  return { rmean: mean, rmeanSe: Math.sqrt(v) };
}

export interface KmGroup extends KmCurve {
  readonly name: string;
}

/**
 * One Kaplan–Meier curve per group (levels in first-sorted order unless `levels` is given); the
 * restricted mean uses one common end time (R's `rmean = "common"`: the largest time overall).
 */
export function kaplanMeierByGroup(
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  group: readonly (string | null)[],
  opts: KmOptions & { readonly levels?: readonly string[] } = {},
): KmGroup[] {
  const levels = opts.levels ?? sortLevels(group);
  let maxTime = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < time.length; i++)
    if (group[i] !== null && !Number.isNaN(time[i]) && !Number.isNaN(event[i]))
      maxTime = Math.max(maxTime, time[i]);
  return levels.map((name) => {
    const t: number[] = [];
    const e: number[] = [];
    for (let i = 0; i < time.length; i++) {
      if (group[i] === name) {
        t.push(time[i]);
        e.push(event[i]);
      }
    }
    return { name, ...kaplanMeier(t, e, { ...opts, rmeanEnd: opts.rmeanEnd ?? maxTime }) };
  });
}

/** Distinct non-null labels, numerically sorted when all are numbers. */
export function sortLevels(group: readonly (string | null)[]): string[] {
  const set = [...new Set(group.filter((g): g is string => g !== null))];
  const numeric = set.every((s) => s.trim() !== '' && !Number.isNaN(Number(s)));
  return numeric ? set.sort((a, b) => Number(a) - Number(b)) : set.sort();
}
