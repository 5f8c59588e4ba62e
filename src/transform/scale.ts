/**
 * Scaling of numeric columns, with scikit-learn's arithmetic so outputs match it:
 * - `standard`: (x − mean) / SD, SD the population one (ddof 0), as `StandardScaler`;
 * - `minmax`: x · scale + min with scale = (hi − lo) / (max − min), as `MinMaxScaler`;
 * - `robust`: (x − median) / (Q3 − Q1) with NumPy-linear quantiles, as `RobustScaler`.
 * A zero scale is replaced by 1 (scikit-learn's `_handle_zeros_in_scale`). NaN is ignored when
 * fitting and passed through when transforming.
 *
 * `LogTransform`: natural log (or log1p); values outside the domain become missing (counted).
 */
import type { Column, Frame } from '../core/index.js';
import { mean, minMax, quantiles, variance } from '../compute/index.js';
import {
  BaseFitted,
  BaseTransformer,
  type ColumnInfo,
  type FitOptions,
  type FittedTransformer,
  type StepResult,
  decodeNumbers,
  emptyReport,
  encodeNumbers,
  requireColumn,
  selectColumns,
  withColumns,
} from './base.js';
import type { ParamSchema } from '../core/params.js';

export type ScaleMethod = 'standard' | 'minmax' | 'robust';
export interface ScalerParams {
  method: ScaleMethod;
  columns: string[] | null;
  featureRange: [number, number];
  quantileRange: [number, number];
}

export const SCALER_PARAMS: ParamSchema = {
  method: {
    type: 'enum',
    values: ['standard', 'minmax', 'robust'],
    default: 'standard',
    description: 'standard: z-score (population SD); minmax: to featureRange; robust: (x − median) / IQR.',
  },
  columns: {
    type: 'columns',
    default: null,
    description: 'Numeric columns to scale (default: all numeric features).',
  },
  featureRange: { type: 'pair', default: [0, 1], description: 'Target range of minmax scaling.' },
  quantileRange: {
    type: 'pair',
    default: [25, 75],
    min: 0,
    max: 100,
    description: 'Percentiles whose difference is the robust scale.',
  },
};

export class Scaler extends BaseTransformer<ScalerParams> {
  readonly kind = 'scale';
  readonly owner = 'Scaler';
  readonly schema = SCALER_PARAMS;

  protected clone(params: Record<string, unknown>): Scaler {
    return new Scaler(params as Partial<ScalerParams>);
  }
  protected inputColumns(p: ScalerParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    return selectColumns(schema, p.columns, ['numeric'], this.owner, path);
  }
  protected planResolved(p: ScalerParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    this.inputColumns(p, schema, path);
    return [...schema];
  }

  protected fitResolved(
    p: ScalerParams,
    frame: Frame,
    columns: readonly ColumnInfo[],
    _opts: FitOptions,
  ): FittedTransformer {
    const offset: number[] = [];
    const scale: number[] = [];
    for (const info of columns) {
      const x = (requireColumn(frame, info.name, this.owner) as { values: Float64Array }).values;
      if (p.method === 'standard') {
        const m = mean(x);
        const sd = Math.sqrt(variance(x, 0));
        offset.push(m);
        scale.push(sd === 0 || Number.isNaN(sd) ? 1 : sd);
      } else if (p.method === 'robust') {
        const [q1, med, q3] = quantiles(x, [p.quantileRange[0] / 100, 0.5, p.quantileRange[1] / 100]);
        const iqr = q3 - q1;
        offset.push(med);
        scale.push(iqr === 0 || Number.isNaN(iqr) ? 1 : iqr);
      } else {
        // sklearn MinMaxScaler: scale_ = (fmax − fmin) / range; min_ = fmin − data_min · scale_
        const [lo, hi] = minMax(x);
        const range = hi - lo;
        const s = (p.featureRange[1] - p.featureRange[0]) / (range === 0 || Number.isNaN(range) ? 1 : range);
        scale.push(s);
        offset.push(p.featureRange[0] - lo * s);
      }
    }
    return new FittedScaler(p, { columns: columns.map((c) => c.name), offset, scale });
  }
}

export interface ScalerState {
  columns: string[];
  offset: number[];
  scale: number[];
}

export class FittedScaler extends BaseFitted<ScalerParams> {
  readonly kind = 'scale';
  readonly columns: readonly string[];
  /** standard/robust: the centre subtracted; minmax: the offset added. */
  readonly offset: readonly number[];
  /** standard/robust: the divisor; minmax: the multiplier. */
  readonly scale: readonly number[];

  constructor(params: ScalerParams, state: ScalerState) {
    super(params);
    this.columns = Object.freeze([...state.columns]);
    this.offset = Object.freeze([...state.offset]);
    this.scale = Object.freeze([...state.scale]);
  }

  static fromJSON(params: Record<string, unknown>, state: Record<string, unknown>): FittedScaler {
    return new FittedScaler(params as unknown as ScalerParams, {
      columns: state.columns as string[],
      offset: decodeNumbers(state.offset, 'offset'),
      scale: decodeNumbers(state.scale, 'scale'),
    });
  }

  protected state(): Record<string, unknown> {
    return { columns: this.columns, offset: encodeNumbers(this.offset), scale: encodeNumbers(this.scale) };
  }

  transformWithReport(frame: Frame): StepResult {
    const report = emptyReport('scale', this.kind, frame.nRows);
    const replace = new Map<string, Column>();
    const minmax = this.p.method === 'minmax';
    for (let j = 0; j < this.columns.length; j++) {
      const name = this.columns[j];
      const c = requireColumn(frame, name, 'Scaler') as { kind: 'numeric'; values: Float64Array };
      const src = c.values;
      const out = new Float64Array(src.length);
      const a = this.offset[j];
      const s = this.scale[j];
      if (minmax) for (let i = 0; i < src.length; i++) out[i] = src[i] * s + a;
      else for (let i = 0; i < src.length; i++) out[i] = (src[i] - a) / s;
      replace.set(name, { kind: 'numeric', name, values: out });
      report.columns[name] = { transformed: src.length };
    }
    return { frame: withColumns(frame, replace), report };
  }
}

export interface LogParams {
  columns: string[] | null;
  log1p: boolean;
}
export const LOG_PARAMS: ParamSchema = {
  columns: {
    type: 'columns',
    default: null,
    description: 'Numeric columns to transform (default: all numeric features).',
  },
  log1p: {
    type: 'boolean',
    default: false,
    description: 'Use log(1 + x) (defined for x > −1) instead of log(x) (x > 0).',
  },
};

/** Natural-log transform; stateless, so fitting only records the columns. */
export class LogTransform extends BaseTransformer<LogParams> {
  readonly kind = 'log';
  readonly owner = 'LogTransform';
  readonly schema = LOG_PARAMS;
  protected clone(params: Record<string, unknown>): LogTransform {
    return new LogTransform(params as Partial<LogParams>);
  }
  protected inputColumns(p: LogParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    return selectColumns(schema, p.columns, ['numeric'], this.owner, path);
  }
  protected planResolved(p: LogParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    this.inputColumns(p, schema, path);
    return [...schema];
  }
  protected fitResolved(p: LogParams, _frame: Frame, columns: readonly ColumnInfo[]): FittedTransformer {
    return new FittedLog(
      p,
      columns.map((c) => c.name),
    );
  }
}

export class FittedLog extends BaseFitted<LogParams> {
  readonly kind = 'log';
  readonly columns: readonly string[];
  constructor(params: LogParams, columns: readonly string[]) {
    super(params);
    this.columns = Object.freeze([...columns]);
  }
  static fromJSON(params: Record<string, unknown>, state: Record<string, unknown>): FittedLog {
    return new FittedLog(params as unknown as LogParams, state.columns as string[]);
  }
  protected state(): Record<string, unknown> {
    return { columns: this.columns };
  }
  transformWithReport(frame: Frame): StepResult {
    const report = emptyReport('log', this.kind, frame.nRows);
    const replace = new Map<string, Column>();
    const f = this.p.log1p ? Math.log1p : Math.log;
    const lowest = this.p.log1p ? -1 : 0;
    for (const name of this.columns) {
      const src = (requireColumn(frame, name, 'LogTransform') as { values: Float64Array }).values;
      const out = new Float64Array(src.length);
      let bad = 0;
      let n = 0;
      for (let i = 0; i < src.length; i++) {
        const v = src[i];
        if (Number.isNaN(v)) out[i] = v;
        else if (v <= lowest) {
          out[i] = Number.NaN;
          bad++;
        } else {
          out[i] = f(v);
          n++;
        }
      }
      replace.set(name, { kind: 'numeric', name, values: out });
      report.columns[name] = bad ? { transformed: n, setMissing: bad } : { transformed: n };
    }
    return { frame: withColumns(frame, replace), report };
  }
}
