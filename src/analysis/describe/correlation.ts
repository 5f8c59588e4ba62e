/** Correlation matrices with p-values, grouped summaries and crosstabs over Frame columns. */
import { mean, quantiles, std } from '../../compute/index.js';
import { type Frame, getColumn } from '../../core/index.js';
import { createError } from '../errors.js';
import { sortLevels } from '../survival/km.js';
import { chiSquareTest, pearsonTest, spearmanTest } from './tests.js';

export type CorrelationMethod = 'pearson' | 'spearman';

export interface CorrelationMatrix {
  readonly method: CorrelationMethod;
  readonly columns: string[];
  /** r[i][j]. */
  readonly r: number[][];
  readonly p: number[][];
  /** Pairwise complete counts. */
  readonly n: number[][];
}

function numericValues(frame: Frame, name: string): Float64Array {
  const c = getColumn(frame, name);
  if (c.kind === 'categorical')
    throw createError('AEGLE_ANALYSIS_BAD_COLUMN', {
      column: name,
      problem: 'must be numeric for a correlation; it is categorical',
    });
  return c.values;
}

/** Pairwise-complete correlation matrix (Pearson or Spearman) with two-sided p-values. */
export function correlationMatrix(
  frame: Frame,
  columns: readonly string[],
  method: CorrelationMethod = 'pearson',
): CorrelationMatrix {
  const vals = columns.map((c) => numericValues(frame, c));
  const k = columns.length;
  const r = Array.from({ length: k }, () => new Array<number>(k).fill(1));
  const p = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const n = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const t = method === 'pearson' ? pearsonTest(vals[i], vals[j]) : spearmanTest(vals[i], vals[j]);
      r[i][j] = r[j][i] = i === j ? 1 : t.statistic;
      p[i][j] = p[j][i] = i === j ? 0 : t.p;
      n[i][j] = n[j][i] = t.n;
    }
  }
  return { method, columns: [...columns], r, p, n };
}

export interface Crosstab {
  readonly rowVariable: string;
  readonly colVariable: string;
  readonly rows: string[];
  readonly cols: string[];
  readonly counts: number[][];
  readonly chisq: number;
  readonly df: number;
  readonly p: number;
}

function labelsOf(frame: Frame, name: string): (string | null)[] {
  const c = getColumn(frame, name);
  if (c.kind === 'categorical') return Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k]));
  return Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v)));
}

/** Two-way frequency table with the χ² test of independence (Yates when 2×2). */
export function crosstab(frame: Frame, rowVar: string, colVar: string): Crosstab {
  const a = labelsOf(frame, rowVar);
  const b = labelsOf(frame, colVar);
  const rows = sortLevels(a);
  const cols = sortLevels(b);
  const ri = new Map(rows.map((v, i) => [v, i]));
  const ci = new Map(cols.map((v, i) => [v, i]));
  const counts = rows.map(() => new Array<number>(cols.length).fill(0));
  for (let i = 0; i < frame.nRows; i++)
    if (a[i] !== null && b[i] !== null) counts[ri.get(a[i]!)!][ci.get(b[i]!)!]++;
  const t =
    rows.length >= 2 && cols.length >= 2
      ? chiSquareTest(counts)
      : { statistic: Number.NaN, p: Number.NaN, df: 0 };
  return {
    rowVariable: rowVar,
    colVariable: colVar,
    rows,
    cols,
    counts,
    chisq: t.statistic,
    df: t.df as number,
    p: t.p,
  };
}

export interface GroupSummary {
  readonly group: string;
  readonly n: number;
  readonly missing: number;
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
}

/** Summary statistics of a numeric column per level of a group column. */
export function groupedSummary(frame: Frame, value: string, group: string): GroupSummary[] {
  const v = numericValues(frame, value);
  const g = labelsOf(frame, group);
  return sortLevels(g).map((level) => {
    const xs: number[] = [];
    let missing = 0;
    for (let i = 0; i < frame.nRows; i++) {
      if (g[i] !== level) continue;
      if (Number.isNaN(v[i])) missing++;
      else xs.push(v[i]);
    }
    const [mn, q1, md, q3, mx] = quantiles(xs, [0, 0.25, 0.5, 0.75, 1]);
    return {
      group: level,
      n: xs.length,
      missing,
      mean: mean(xs),
      sd: std(xs),
      min: mn,
      q1,
      median: md,
      q3,
      max: mx,
    };
  });
}
