/**
 * Outlier handling on numeric columns. Bounds are learnt at fit time:
 * - `iqr`: [Q1 − k·IQR, Q3 + k·IQR] (Tukey's fences; quantiles as NumPy's default `linear`), k = 1.5;
 * - `zscore`: mean ± threshold·SD (population SD), threshold = 3;
 * - `clinical`: physiological plausibility ranges from core's `CLINICAL_RANGES` table (matched by
 *   column-name pattern, e.g. sbp 50–300 mmHg, glucose 20–1000 mg/dL; overridable per column with `ranges`); by default only columns whose name is in the table (or in `ranges`) are checked.
 * Action: `clip` to the bounds, `set_missing`, or `drop_row`. `drop_row` is a cleaning step: it
 * runs in `clean` mode and is the identity in `predict` mode (values are left as they are).
 */
import type { Column, Frame } from '../core/index.js';
import { CLINICAL_RANGES, clinicalRangeFor, columnNotFound, takeRows } from '../core/index.js';
import { mean, quantiles, variance } from '../compute/index.js';
import {
  BaseFitted,
  BaseTransformer,
  type ColumnInfo,
  type DroppedRow,
  type FitOptions,
  type FittedTransformer,
  type StepResult,
  type TransformOptions,
  decodeNumbers,
  emptyReport,
  encodeNumbers,
  requireColumn,
  selectColumns,
  withColumns,
} from './base.js';
import type { ParamSchema } from '../core/params.js';

export interface OutlierParams {
  method: 'iqr' | 'zscore' | 'clinical';
  action: 'clip' | 'set_missing' | 'drop_row';
  k: number;
  threshold: number;
  ranges: Record<string, [number, number]>;
  columns: string[] | null;
}
export const OUTLIER_PARAMS: ParamSchema = {
  method: {
    type: 'enum',
    values: ['iqr', 'zscore', 'clinical'],
    default: 'iqr',
    description: 'How bounds are found: Tukey IQR fences, z-score, or clinical plausibility ranges.',
  },
  action: {
    type: 'enum',
    values: ['clip', 'set_missing', 'drop_row'],
    default: 'clip',
    description: 'What happens to a value outside the bounds (drop_row only in clean mode).',
  },
  k: { type: 'number', min: 0, default: 1.5, description: 'IQR multiplier of method iqr.' },
  threshold: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    default: 3,
    description: 'SD multiplier of method zscore.',
  },
  ranges: {
    type: 'ranges',
    default: {},
    description: 'Per-column [low, high] overriding/adding clinical ranges.',
  },
  columns: {
    type: 'columns',
    default: null,
    description:
      'Numeric columns to check (default: numeric features; for clinical, those with a known range).',
  },
};

/** A `ranges` override, else core's clinical range table (matched by column-name pattern). */
function clinicalRange(
  name: string,
  overrides: Record<string, [number, number]>,
): readonly [number, number] | undefined {
  if (overrides[name]) return overrides[name];
  const r = clinicalRangeFor(name);
  return r ? [r.min, r.max] : undefined;
}

export class OutlierHandler extends BaseTransformer<OutlierParams> {
  readonly kind = 'outliers';
  readonly owner = 'OutlierHandler';
  readonly schema = OUTLIER_PARAMS;
  protected clone(params: Record<string, unknown>): OutlierHandler {
    return new OutlierHandler(params as Partial<OutlierParams>);
  }
  override dropsRows(): boolean {
    return this.resolved().action === 'drop_row';
  }
  protected inputColumns(p: OutlierParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    const cols = selectColumns(schema, p.columns, ['numeric'], this.owner, path);
    if (p.method !== 'clinical') return cols;
    if (p.columns === null) return cols.filter((c) => clinicalRange(c.name, p.ranges));
    for (const c of cols) {
      if (!clinicalRange(c.name, p.ranges)) {
        throw columnNotFound(
          c.name,
          CLINICAL_RANGES.map((r) => ({ name: r.key })),
          ` in the clinical range table (add it to ${path ? `${path}.` : ''}ranges)`,
        );
      }
    }
    return cols;
  }
  protected planResolved(p: OutlierParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    this.inputColumns(p, schema, path);
    for (const name of Object.keys(p.ranges)) {
      if (!schema.some((c) => c.name === name))
        throw columnNotFound(name, schema, path ? ` (${path}.ranges)` : ' (OutlierHandler ranges)');
    }
    return [...schema];
  }
  protected fitResolved(
    p: OutlierParams,
    frame: Frame,
    columns: readonly ColumnInfo[],
    _opts: FitOptions,
  ): FittedTransformer {
    const lower: number[] = [];
    const upper: number[] = [];
    for (const info of columns) {
      const x = (requireColumn(frame, info.name, this.owner) as { values: Float64Array }).values;
      let lo: number;
      let hi: number;
      if (p.method === 'clinical') {
        [lo, hi] = clinicalRange(info.name, p.ranges)!;
      } else if (p.method === 'iqr') {
        const [q1, q3] = quantiles(x, [0.25, 0.75]);
        lo = q1 - p.k * (q3 - q1);
        hi = q3 + p.k * (q3 - q1);
      } else {
        const m = mean(x);
        const sd = Math.sqrt(variance(x, 0));
        lo = m - p.threshold * sd;
        hi = m + p.threshold * sd;
      }
      // No observed values: nothing can be an outlier.
      lower.push(Number.isNaN(lo) ? Number.NEGATIVE_INFINITY : lo);
      upper.push(Number.isNaN(hi) ? Number.POSITIVE_INFINITY : hi);
    }
    return new FittedOutliers(p, { columns: columns.map((c) => c.name), lower, upper });
  }
}

export interface OutlierState {
  columns: string[];
  lower: number[];
  upper: number[];
}

export class FittedOutliers extends BaseFitted<OutlierParams> {
  readonly kind = 'outliers';
  readonly columns: readonly string[];
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  constructor(params: OutlierParams, state: OutlierState) {
    super(params);
    this.columns = Object.freeze([...state.columns]);
    this.lower = Object.freeze([...state.lower]);
    this.upper = Object.freeze([...state.upper]);
  }
  static fromJSON(params: Record<string, unknown>, state: Record<string, unknown>): FittedOutliers {
    return new FittedOutliers(params as unknown as OutlierParams, {
      columns: state.columns as string[],
      lower: decodeNumbers(state.lower, 'lower'),
      upper: decodeNumbers(state.upper, 'upper'),
    });
  }
  protected state(): Record<string, unknown> {
    return { columns: this.columns, lower: encodeNumbers(this.lower), upper: encodeNumbers(this.upper) };
  }

  transformWithReport(frame: Frame, opts: TransformOptions = {}): StepResult {
    const report = emptyReport('outliers', this.kind, frame.nRows);
    const action = this.p.action;
    if (action === 'drop_row') {
      if ((opts.mode ?? 'clean') === 'predict') return { frame, report: { ...report, skipped: true } };
      const drop = new Uint8Array(frame.nRows);
      const why: string[] = new Array(frame.nRows);
      for (let j = 0; j < this.columns.length; j++) {
        const name = this.columns[j];
        const x = (requireColumn(frame, name, 'OutlierHandler') as { values: Float64Array }).values;
        const lo = this.lower[j];
        const hi = this.upper[j];
        for (let i = 0; i < x.length; i++) {
          const v = x[i];
          if (v < lo || v > hi) {
            if (!drop[i]) {
              drop[i] = 1;
              why[i] = `${name}=${v} outside [${lo}, ${hi}]`;
            }
          }
        }
      }
      const keep: number[] = [];
      const dropped: DroppedRow[] = [];
      for (let i = 0; i < frame.nRows; i++) {
        if (drop[i]) dropped.push({ row: i, reason: `outlier: ${why[i]}` });
        else keep.push(i);
      }
      report.dropped = dropped;
      report.rowsOut = keep.length;
      return { frame: dropped.length ? takeRows(frame, keep) : frame, report };
    }
    const replace = new Map<string, Column>();
    for (let j = 0; j < this.columns.length; j++) {
      const name = this.columns[j];
      const c = requireColumn(frame, name, 'OutlierHandler') as { kind: 'numeric'; values: Float64Array };
      const x = c.values;
      const out = new Float64Array(x.length);
      const lo = this.lower[j];
      const hi = this.upper[j];
      let n = 0;
      if (action === 'clip') {
        for (let i = 0; i < x.length; i++) {
          const v = x[i];
          if (v < lo) {
            out[i] = lo;
            n++;
          } else if (v > hi) {
            out[i] = hi;
            n++;
          } else out[i] = v;
        }
        report.columns[name] = { clipped: n };
      } else {
        for (let i = 0; i < x.length; i++) {
          const v = x[i];
          if (v < lo || v > hi) {
            out[i] = Number.NaN;
            n++;
          } else out[i] = v;
        }
        report.columns[name] = { setMissing: n };
      }
      replace.set(name, { kind: c.kind, name, values: out });
    }
    return { frame: withColumns(frame, replace), report };
  }
}
