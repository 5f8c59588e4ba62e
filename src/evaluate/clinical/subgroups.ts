/**
 * Performance by subgroup (sex, age band, ethnicity, site — any column) and the fairness gaps between
 * groups: equalised odds (Hardt, Price & Srebro 2016: gaps in TPR and FPR), demographic parity
 * difference (gap in alert rate), and calibration by group (calibration-in-the-large, O/E). Every group
 * reports its size and events; a group with too few rows or too few events / non-events is flagged
 * `tooSmall` and left out of the gaps, because its estimates cannot be judged.
 */
import { brier } from '../metrics.js';
import { calibrationStats, wilson } from './calibration.js';
import { delongAuc } from './delong.js';
import { checkYP } from './stats-util.js';
import { countsAt } from './thresholds.js';

export interface SubgroupRow {
  readonly group: string;
  readonly n: number;
  readonly events: number;
  readonly prevalence: number;
  readonly meanPredicted: number;
  /** AUROC with a DeLong 95% CI (null when the group has one class). */
  readonly auroc: number | null;
  readonly aurocCI: readonly [number, number] | null;
  readonly brier: number;
  readonly calibrationInTheLarge: number | null;
  readonly calibrationSlope: number | null;
  readonly observedExpectedRatio: number;
  /** True positive rate (sensitivity) at the threshold, with a Wilson 95% CI. */
  readonly tpr: number | null;
  readonly tprCI: readonly [number, number] | null;
  /** False positive rate (1 − specificity), with a Wilson 95% CI. */
  readonly fpr: number | null;
  readonly fprCI: readonly [number, number] | null;
  readonly ppv: number | null;
  readonly alertRate: number;
  /** Too few rows or events to judge (see `minSize`, `minEvents`). */
  readonly tooSmall: boolean;
  readonly note: string | null;
}

export interface SubgroupReport {
  readonly column: string;
  readonly threshold: number;
  readonly rows: SubgroupRow[];
  /** max − min TPR across judged groups (equal opportunity / equalised-odds part 1). */
  readonly tprGap: number | null;
  /** max − min FPR across judged groups (equalised-odds part 2). */
  readonly fprGap: number | null;
  /** max(|TPR gap|, |FPR gap|): the equalised-odds difference. */
  readonly equalizedOddsDifference: number | null;
  /** max − min alert rate across judged groups. */
  readonly demographicParityDifference: number | null;
  readonly minSize: number;
  readonly minEvents: number;
}

export interface SubgroupOptions {
  readonly threshold?: number;
  /** Rows a group needs to be judged (default 30). */
  readonly minSize?: number;
  /** Events and non-events a group needs to be judged (default 5 each). */
  readonly minEvents?: number;
}

/** Metrics of every level of `groups` (null/undefined/NaN/'' form the group "(missing)"). */
export function subgroupMetrics(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  groups: ArrayLike<string | number | null | undefined>,
  column: string,
  opts: SubgroupOptions = {},
): SubgroupReport {
  checkYP(y, p, 'subgroupMetrics');
  const threshold = opts.threshold ?? 0.5;
  const minSize = opts.minSize ?? 30;
  const minEvents = opts.minEvents ?? 5;
  const members = new Map<string, number[]>();
  for (let i = 0; i < y.length; i++) {
    const g = groups[i];
    const key =
      g === null || g === undefined || g === '' || (typeof g === 'number' && Number.isNaN(g))
        ? '(missing)'
        : String(g);
    const l = members.get(key) ?? [];
    l.push(i);
    members.set(key, l);
  }
  const rows: SubgroupRow[] = [];
  for (const [group, idx] of [...members.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const gy = Float64Array.from(idx, (i) => y[i]);
    const gp = Float64Array.from(idx, (i) => p[i]);
    const n = idx.length;
    let events = 0;
    let sp = 0;
    for (let k = 0; k < n; k++) {
      events += gy[k];
      sp += gp[k];
    }
    const both = events > 0 && events < n;
    const c = countsAt(gy, gp, threshold);
    const tooSmall = n < minSize || events < minEvents || n - events < minEvents;
    const d = both ? delongAuc(gy, gp) : null;
    const cal = both ? calibrationStats(gy, gp) : null;
    rows.push({
      group,
      n,
      events,
      prevalence: events / n,
      meanPredicted: sp / n,
      auroc: d ? d.auc : null,
      aurocCI: d ? d.ci : null,
      brier: brier(gy, gp),
      calibrationInTheLarge: cal ? cal.calibrationInTheLarge : null,
      calibrationSlope: cal ? cal.slope : null,
      observedExpectedRatio: sp > 0 ? events / sp : Number.NaN,
      tpr: events > 0 ? c.tp / events : null,
      tprCI: events > 0 ? wilson(c.tp, events) : null,
      fpr: n - events > 0 ? c.fp / (n - events) : null,
      fprCI: n - events > 0 ? wilson(c.fp, n - events) : null,
      ppv: c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : null,
      alertRate: (c.tp + c.fp) / n,
      tooSmall,
      note: tooSmall
        ? `too small to judge: ${n} rows, ${events} events, ${n - events} non-events (needs ≥ ${minSize} rows and ≥ ${minEvents} of each)`
        : null,
    });
  }
  const judged = rows.filter((r) => !r.tooSmall);
  const gap = (vals: (number | null)[]) => {
    const v = vals.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length >= 2 ? Math.max(...v) - Math.min(...v) : null;
  };
  const tprGap = gap(judged.map((r) => r.tpr));
  const fprGap = gap(judged.map((r) => r.fpr));
  return {
    column,
    threshold,
    rows,
    tprGap,
    fprGap,
    equalizedOddsDifference: tprGap === null || fprGap === null ? null : Math.max(tprGap, fprGap),
    demographicParityDifference: gap(judged.map((r) => r.alertRate)),
    minSize,
    minEvents,
  };
}
