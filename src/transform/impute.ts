/**
 * SimpleImputer: fills missing values with a per-column statistic learnt at fit time (scikit-learn's
 * `SimpleImputer`), optionally adding `<col>_missing` indicator columns.
 *
 * - numeric columns: mean | median | most_frequent | constant (`fillValue`, default 0);
 * - categorical columns: most_frequent | constant (`fillValue`, default 'missing_value'); with
 *   mean/median, categorical columns are left alone by the default selection and refused when listed.
 * - indicators follow scikit-learn's `add_indicator` (features='missing-only'): one 0/1 column per
 *   column that had missing values at fit time, appended after all columns in fit order.
 * - a column with no observed value at fit time is filled with 0 (numeric) / fillValue
 *   (categorical), as scikit-learn does with `keep_empty_features=True`.
 */
import { type CategoricalColumn, type Column, type Frame, numericColumn } from '../core/index.js';
import { mean } from '../compute/index.js';
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
import { fillCategorical } from './categorical.js';
import { codeCounts, countMissing, fastMedian, mostFrequentNumber } from './kernels.js';
import type { ParamSchema } from '../core/params.js';

export type ImputeStrategy = 'mean' | 'median' | 'most_frequent' | 'constant';
export interface ImputerParams {
  strategy: ImputeStrategy;
  fillValue: number | string | null;
  indicators: boolean;
  columns: string[] | null;
}

export const IMPUTER_PARAMS: ParamSchema = {
  strategy: {
    type: 'enum',
    values: ['mean', 'median', 'most_frequent', 'constant'],
    default: 'mean',
    description: 'Statistic used to fill missing values.',
  },
  fillValue: {
    type: 'scalar',
    default: null,
    description: "Value for strategy 'constant' (null: 0 for numeric, 'missing_value' for categorical).",
  },
  indicators: {
    type: 'boolean',
    default: false,
    description: 'Add a 0/1 `<col>_missing` column for every column that had missing values at fit time.',
  },
  columns: {
    type: 'columns',
    default: null,
    description:
      'Columns to impute (default: numeric features; also categorical ones for most_frequent/constant).',
  },
};

function kindsFor(strategy: ImputeStrategy): Array<Column['kind']> {
  return strategy === 'mean' || strategy === 'median' ? ['numeric'] : ['numeric', 'categorical'];
}

export class SimpleImputer extends BaseTransformer<ImputerParams> {
  readonly kind = 'impute';
  readonly owner = 'SimpleImputer';
  readonly schema = IMPUTER_PARAMS;

  protected clone(params: Record<string, unknown>): SimpleImputer {
    return new SimpleImputer(params as Partial<ImputerParams>);
  }

  protected inputColumns(p: ImputerParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    return selectColumns(schema, p.columns, kindsFor(p.strategy), this.owner, path);
  }

  protected planResolved(p: ImputerParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    const cols = this.inputColumns(p, schema, path);
    // Indicators depend on the data; the plan assumes the worst case (all of them) for name clashes.
    const out = [...schema];
    if (p.indicators) for (const c of cols) out.push({ name: `${c.name}_missing`, kind: 'numeric' });
    return out;
  }

  protected fitResolved(
    p: ImputerParams,
    frame: Frame,
    columns: readonly ColumnInfo[],
    _opts: FitOptions,
  ): FittedTransformer {
    const fills: Array<number | string> = [];
    const indicators: string[] = [];
    for (const info of columns) {
      const c = requireColumn(frame, info.name, this.owner);
      if (c.kind === 'categorical') {
        const counts = codeCounts(c.codes, c.dictionary.length);
        let missing = c.codes.length;
        let best = -1;
        for (let k = 0; k < counts.length; k++) {
          missing -= counts[k];
          if (counts[k] > 0 && (best < 0 || counts[k] > counts[best])) best = k; // ties: first in sorted dictionary
        }
        const constant =
          typeof p.fillValue === 'string'
            ? p.fillValue
            : p.fillValue === null
              ? 'missing_value'
              : String(p.fillValue);
        fills.push(p.strategy === 'most_frequent' && best >= 0 ? c.dictionary[best] : constant);
        if (missing > 0) indicators.push(c.name);
      } else {
        const x = c.values;
        let v: number;
        switch (p.strategy) {
          case 'mean':
            v = mean(x);
            break;
          case 'median':
            v = fastMedian(x);
            break;
          case 'most_frequent':
            v = mostFrequentNumber(x);
            break;
          default:
            v = typeof p.fillValue === 'number' ? p.fillValue : p.fillValue === null ? 0 : Number.NaN;
            if (Number.isNaN(v)) v = Number(p.fillValue);
        }
        fills.push(Number.isNaN(v) ? 0 : v);
        if (countMissing(x) > 0) indicators.push(c.name);
      }
    }
    return new FittedImputer(p, {
      columns: columns.map((c) => c.name),
      fills,
      indicators: p.indicators ? indicators : [],
    });
  }
}

export interface ImputerState {
  columns: string[];
  fills: Array<number | string>;
  indicators: string[];
}

export class FittedImputer extends BaseFitted<ImputerParams> {
  readonly kind = 'impute';
  readonly columns: readonly string[];
  readonly fills: ReadonlyArray<number | string>;
  readonly indicators: readonly string[];

  constructor(params: ImputerParams, state: ImputerState) {
    super(params);
    this.columns = Object.freeze([...state.columns]);
    this.fills = Object.freeze([...state.fills]);
    this.indicators = Object.freeze([...state.indicators]);
  }

  static fromJSON(params: Record<string, unknown>, state: Record<string, unknown>): FittedImputer {
    const fills = (state.fills as unknown[]).map((f, i) =>
      typeof f === 'string' && (state.fillKinds as string[])[i] === 'numeric'
        ? decodeNumbers([f], 'fills')[0]
        : (f as number | string),
    );
    return new FittedImputer(params as unknown as ImputerParams, {
      columns: state.columns as string[],
      fills,
      indicators: state.indicators as string[],
    });
  }

  protected state(): Record<string, unknown> {
    return {
      columns: this.columns,
      fills: this.fills.map((f) => (typeof f === 'number' ? encodeNumbers([f])[0] : f)),
      fillKinds: this.fills.map((f) => (typeof f === 'number' ? 'numeric' : 'categorical')),
      indicators: this.indicators,
    };
  }

  transformWithReport(frame: Frame, _opts?: { mode?: string }): StepResult {
    const report = emptyReport('impute', this.kind, frame.nRows);
    const replace = new Map<string, Column>();
    const missingMasks = new Map<string, Float64Array>();
    const wantIndicator = new Set(this.indicators);
    for (let j = 0; j < this.columns.length; j++) {
      const name = this.columns[j];
      const c = requireColumn(frame, name, 'SimpleImputer');
      const fill = this.fills[j];
      const ind = wantIndicator.has(name) ? new Float64Array(frame.nRows) : null;
      if (c.kind === 'categorical') {
        if (ind) for (let i = 0; i < c.codes.length; i++) ind[i] = c.codes[i] < 0 ? 1 : 0;
        const { column, filled } = fillCategorical(c as CategoricalColumn, String(fill));
        replace.set(name, column);
        report.columns[name] = { imputed: filled };
      } else {
        const src = c.values;
        const out = new Float64Array(src.length);
        const f = fill as number;
        let n = 0;
        for (let i = 0; i < src.length; i++) {
          const v = src[i];
          if (Number.isNaN(v)) {
            out[i] = f;
            n++;
            if (ind) ind[i] = 1;
          } else out[i] = v;
        }
        replace.set(name, { kind: c.kind, name, values: out });
        report.columns[name] = { imputed: n };
      }
      if (ind) missingMasks.set(name, ind);
    }
    const append = this.indicators.map((n) => numericColumn(`${n}_missing`, missingMasks.get(n)!));
    report.added = append.map((c) => c.name);
    return { frame: withColumns(frame, replace, append), report };
  }
}
