/**
 * Operating points of a risk score: the operating table (threshold → sensitivity, specificity, PPV,
 * NPV, alert rate) and choosing a threshold by Youden's J, by a required sensitivity, or by maximal net
 * benefit. A row is "positive" (alerted) when its risk is ≥ the threshold, as `predictFrame` decides.
 */
import { createError } from '../../core/index.js';
import { type BinaryCounts, npv, ppv, sensitivity, specificity } from '../metrics.js';
import { argsortAscending, checkYP, requireBothClasses } from './stats-util.js';

export interface OperatingPoint {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  readonly sensitivity: number;
  readonly specificity: number;
  readonly ppv: number;
  readonly npv: number;
  /** Share of patients alerted (risk ≥ threshold). */
  readonly alertRate: number;
  /** Net benefit at this threshold used as the decision threshold probability (Vickers & Elkin 2006). */
  readonly netBenefit: number;
  /** Number needed to evaluate (1 / PPV): alerts per true case found. */
  readonly numberNeededToEvaluate: number;
}

/** Counts of the rule `p ≥ threshold`. */
export function countsAt(y: ArrayLike<number>, p: ArrayLike<number>, threshold: number): BinaryCounts {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < y.length; i++) {
    if (p[i] >= threshold) y[i] === 1 ? c.tp++ : c.fp++;
    else y[i] === 1 ? c.fn++ : c.tn++;
  }
  return c;
}

export function operatingPoint(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  threshold: number,
): OperatingPoint {
  return pointFromCounts(countsAt(y, p, threshold), threshold, y.length);
}

function pointFromCounts(c: BinaryCounts, threshold: number, n: number): OperatingPoint {
  const pv = ppv(c);
  return {
    threshold,
    ...c,
    sensitivity: sensitivity(c),
    specificity: specificity(c),
    ppv: pv,
    npv: npv(c),
    alertRate: (c.tp + c.fp) / n,
    netBenefit: threshold < 1 ? c.tp / n - (c.fp / n) * (threshold / (1 - threshold)) : 0,
    numberNeededToEvaluate: pv > 0 ? 1 / pv : Number.POSITIVE_INFINITY,
  };
}

/** The operating table at the given thresholds (default 0.05, 0.10, …, 0.95). */
export function operatingTable(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  thresholds?: readonly number[],
): OperatingPoint[] {
  checkYP(y, p, 'operatingTable');
  const ts = thresholds ?? Array.from({ length: 19 }, (_, k) => Math.round((k + 1) * 5) / 100);
  return ts.map((t) => operatingPoint(y, p, t));
}

/** Every distinct threshold (each distinct score), by one sort: the full ROC as operating points. */
export function allOperatingPoints(y: ArrayLike<number>, p: ArrayLike<number>): OperatingPoint[] {
  checkYP(y, p, 'allOperatingPoints');
  const n = y.length;
  const idx = argsortAscending(p);
  let P = 0;
  for (let i = 0; i < n; i++) P += y[i];
  const N = n - P;
  // Walking up the sorted scores: at threshold p[idx[r]] every row at r or above is positive.
  const out: OperatingPoint[] = [];
  let fnSoFar = 0;
  let tnSoFar = 0;
  let r = 0;
  while (r < n) {
    const t = p[idx[r]];
    out.push(pointFromCounts({ tp: P - fnSoFar, fp: N - tnSoFar, fn: fnSoFar, tn: tnSoFar }, t, n));
    while (r < n && p[idx[r]] === t) {
      y[idx[r]] === 1 ? fnSoFar++ : tnSoFar++;
      r++;
    }
  }
  return out;
}

export type ThresholdRule =
  | { readonly by: 'youden' }
  | { readonly by: 'sensitivity'; readonly min: number }
  | { readonly by: 'specificity'; readonly min: number }
  | { readonly by: 'net-benefit'; readonly range?: readonly [number, number] };

/**
 * Chooses a threshold among the distinct scores: Youden's J = sens + spec − 1 maximal (ties: the higher threshold); the highest
 * threshold whose sensitivity is ≥ `min` (fewest alerts that still catch that share of cases); the
 * lowest threshold whose specificity is ≥ `min` (most sensitive within the false-alarm budget); or
 * maximal net benefit among thresholds inside `range` (default [0.01, 0.99]).
 */
export function chooseThreshold(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  rule: ThresholdRule,
): OperatingPoint {
  requireBothClasses(y, 'Threshold choice');
  const pts = allOperatingPoints(y, p);
  let best: OperatingPoint | null = null;
  switch (rule.by) {
    case 'youden':
      // ascending thresholds; `≥` (with rounding slack) breaks ties toward the higher threshold: fewer alerts
      for (const q of pts)
        if (!best || q.sensitivity + q.specificity >= best.sensitivity + best.specificity - 1e-12) best = q;
      break;
    case 'sensitivity':
      for (const q of pts) if (q.sensitivity >= rule.min && (!best || q.threshold > best.threshold)) best = q;
      break;
    case 'specificity':
      for (const q of pts) if (q.specificity >= rule.min && (!best || q.threshold < best.threshold)) best = q;
      break;
    case 'net-benefit': {
      const [lo, hi] = rule.range ?? [0.01, 0.99];
      for (const q of pts)
        if (q.threshold >= lo && q.threshold <= hi && (!best || q.netBenefit > best.netBenefit)) best = q;
      break;
    }
  }
  if (!best) {
    throw createError('AEGLE_CORE_INVALID_PARAM', {
      param: 'rule',
      owner: 'chooseThreshold',
      expected: 'a rule some threshold can meet',
      got: JSON.stringify(rule),
    });
  }
  return best;
}
