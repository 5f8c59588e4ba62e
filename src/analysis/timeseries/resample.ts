/**
 * Irregular measurements → a regular grid, rolling windows, and per-patient trajectory features.
 * Times are numbers on one scale (epoch milliseconds from a Frame's datetime column, or days).
 */
import { createError } from '../errors.js';

export type Aggregation = 'mean' | 'median' | 'min' | 'max' | 'sum' | 'count' | 'first' | 'last';

function aggregate(vals: number[], agg: Aggregation): number {
  if (agg === 'count') return vals.length;
  if (!vals.length) return Number.NaN;
  switch (agg) {
    case 'mean':
      return vals.reduce((s, v) => s + v, 0) / vals.length;
    case 'sum':
      return vals.reduce((s, v) => s + v, 0);
    case 'min':
      return Math.min(...vals);
    case 'max':
      return Math.max(...vals);
    case 'first':
      return vals[0];
    case 'last':
      return vals[vals.length - 1];
    case 'median': {
      const s = [...vals].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
  }
}

export interface ResampleOptions {
  /** Bin width, in the units of the times. */
  readonly interval: number;
  readonly agg?: Aggregation;
  /** Grid origin (default: the first time floored to the interval). */
  readonly start?: number;
  readonly end?: number;
}

/** Bins [start + k·interval, start + (k+1)·interval); empty bins are NaN (0 for count). */
export function resample(
  time: ArrayLike<number>,
  value: ArrayLike<number>,
  o: ResampleOptions,
): { time: number[]; value: number[] } {
  if (!(o.interval > 0))
    throw createError('AEGLE_ANALYSIS_BAD_ARGUMENT', {
      param: 'interval',
      owner: 'resample',
      expected: 'a positive number',
      got: o.interval,
    });
  const idx: number[] = [];
  for (let i = 0; i < time.length; i++) if (!Number.isNaN(time[i]) && !Number.isNaN(value[i])) idx.push(i);
  idx.sort((a, b) => time[a] - time[b]);
  if (!idx.length) return { time: [], value: [] };
  const start = o.start ?? Math.floor(time[idx[0]] / o.interval) * o.interval;
  const end = o.end ?? time[idx[idx.length - 1]];
  const nBins = Math.floor((end - start) / o.interval) + 1;
  const bins: number[][] = Array.from({ length: Math.max(0, nBins) }, () => []);
  for (const i of idx) {
    const b = Math.floor((time[i] - start) / o.interval);
    if (b >= 0 && b < nBins) bins[b].push(value[i]);
  }
  return {
    time: bins.map((_, b) => start + b * o.interval),
    value: bins.map((v) => aggregate(v, o.agg ?? 'mean')),
  };
}

/** Trailing rolling statistic over `window` observations (NaN until `minPeriods` present values). */
export function rolling(
  values: ArrayLike<number>,
  window: number,
  agg: Aggregation = 'mean',
  minPeriods = window,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const w: number[] = [];
    for (let j = Math.max(0, i - window + 1); j <= i; j++) if (!Number.isNaN(values[j])) w.push(values[j]);
    out.push(w.length >= minPeriods ? aggregate(w, agg) : Number.NaN);
  }
  return out;
}

export interface TrajectoryFeatures {
  readonly n: number;
  readonly first: number;
  readonly last: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** OLS slope of value on time (value units per time unit). */
  readonly slope: number;
  /** Sample SD. */
  readonly sd: number;
  /** Coefficient of variation sd / |mean|. */
  readonly cv: number;
  /** Mean absolute successive difference (short-term variability). */
  readonly meanAbsChange: number;
  /** asOf − time of the last measurement (NaN without asOf). */
  readonly timeSinceLast: number;
}

/** Features of one patient's series. */
export function trajectoryFeatures(
  time: ArrayLike<number>,
  value: ArrayLike<number>,
  asOf?: number,
): TrajectoryFeatures {
  const idx: number[] = [];
  for (let i = 0; i < time.length; i++) if (!Number.isNaN(time[i]) && !Number.isNaN(value[i])) idx.push(i);
  idx.sort((a, b) => time[a] - time[b]);
  const n = idx.length;
  const t = idx.map((i) => time[i]);
  const v = idx.map((i) => value[i]);
  const mean = n ? v.reduce((s, x) => s + x, 0) / n : Number.NaN;
  const tm = n ? t.reduce((s, x) => s + x, 0) / n : Number.NaN;
  let sxy = 0;
  let sxx = 0;
  let ss = 0;
  let mac = 0;
  for (let k = 0; k < n; k++) {
    sxy += (t[k] - tm) * (v[k] - mean);
    sxx += (t[k] - tm) ** 2;
    ss += (v[k] - mean) ** 2;
    if (k) mac += Math.abs(v[k] - v[k - 1]);
  }
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : Number.NaN;
  return {
    n,
    first: n ? v[0] : Number.NaN,
    last: n ? v[n - 1] : Number.NaN,
    mean,
    min: n ? Math.min(...v) : Number.NaN,
    max: n ? Math.max(...v) : Number.NaN,
    slope: sxx > 0 ? sxy / sxx : Number.NaN,
    sd,
    cv: sd / Math.abs(mean),
    meanAbsChange: n > 1 ? mac / (n - 1) : Number.NaN,
    timeSinceLast: asOf !== undefined && n ? asOf - t[n - 1] : Number.NaN,
  };
}

/** Trajectory features per id (e.g. patient), ids in first-seen order. */
export function trajectoriesById(
  ids: readonly (string | null)[],
  time: ArrayLike<number>,
  value: ArrayLike<number>,
  asOf?: number,
): { id: string; features: TrajectoryFeatures }[] {
  const groups = new Map<string, number[]>();
  ids.forEach((id, i) => {
    if (id === null) return;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(i);
  });
  return [...groups.entries()].map(([id, rows]) => ({
    id,
    features: trajectoryFeatures(
      rows.map((i) => time[i]),
      rows.map((i) => value[i]),
      asOf,
    ),
  }));
}
