/**
 * Categorical encoders with scikit-learn's semantics.
 *
 * `OneHotEncoder` (sklearn `OneHotEncoder(sparse_output=False)`): categories are the levels observed
 * at fit time, in sorted order; output columns are named `<col>_<level>` and replace the source column
 * in place. Missing values (`missing`):
 * - `category` (default, as scikit-learn): if the column had missing values at fit time they get
 *   their own last column `<col>_nan`; missing values at transform time with no such column are
 *   treated as unknown;
 * - `zeros`: a missing value encodes as all zeros and never gets a column.
 * `handleUnknown: 'error'` throws AEGLE_TRANSFORM_UNKNOWN_CATEGORY; `'ignore'` encodes as all zeros.
 * `drop: 'first'` drops each column's first category (an unknown then also reads all zeros).
 *
 * `OrdinalEncoder`: observed levels in sorted order → 0, 1, …; missing → NaN; unknown → error or NaN.
 */
import type { CategoricalColumn, Column, Frame } from '../core/index.js';
import { createError } from '../core/index.js';
import {
  BaseFitted,
  BaseTransformer,
  type ColumnInfo,
  type FitOptions,
  type FittedTransformer,
  type StepResult,
  emptyReport,
  requireColumn,
  selectColumns,
} from './base.js';
import { codeCounts } from './kernels.js';
import { dictionaryLookup } from './categorical.js';
import type { ParamSchema } from '../core/params.js';

export interface OneHotParams {
  columns: string[] | null;
  handleUnknown: 'ignore' | 'error';
  drop: 'none' | 'first';
  missing: 'category' | 'zeros';
}
export const ONEHOT_PARAMS: ParamSchema = {
  columns: {
    type: 'columns',
    default: null,
    description: 'Categorical columns to encode (default: all categorical features).',
  },
  handleUnknown: {
    type: 'enum',
    values: ['ignore', 'error'],
    default: 'error',
    description: 'What a level unseen at fit time does: error, or encode as all zeros.',
  },
  drop: {
    type: 'enum',
    values: ['none', 'first'],
    default: 'none',
    description: "'first' drops each column's first category.",
  },
  missing: {
    type: 'enum',
    values: ['category', 'zeros'],
    default: 'category',
    description:
      "'category': missing seen at fit gets its own `<col>_nan` column; 'zeros': missing encodes as all zeros.",
  },
};

/** Observed levels of a categorical column (sorted), and whether any value was missing. */
function observedLevels(c: CategoricalColumn): { levels: string[]; hasMissing: boolean } {
  const counts = codeCounts(c.codes, c.dictionary.length);
  let present = 0;
  const levels: string[] = [];
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] > 0) levels.push(c.dictionary[k]);
    present += counts[k];
  }
  levels.sort();
  return { levels, hasMissing: present < c.codes.length };
}

function oneHotNames(
  col: string,
  levels: readonly string[],
  nanColumn: boolean,
  dropFirst: boolean,
): string[] {
  const names = levels.map((l) => `${col}_${l}`);
  if (nanColumn) names.push(`${col}_nan`);
  return dropFirst ? names.slice(1) : names;
}

export class OneHotEncoder extends BaseTransformer<OneHotParams> {
  readonly kind = 'onehot';
  readonly owner = 'OneHotEncoder';
  readonly schema = ONEHOT_PARAMS;
  protected clone(params: Record<string, unknown>): OneHotEncoder {
    return new OneHotEncoder(params as Partial<OneHotParams>);
  }
  protected inputColumns(p: OneHotParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    return selectColumns(schema, p.columns, ['categorical'], this.owner, path);
  }
  protected planResolved(p: OneHotParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    const cols = new Set(this.inputColumns(p, schema, path).map((c) => c.name));
    // Output names depend on the data; the plan keeps the other columns and drops the encoded ones.
    return schema.filter((c) => !cols.has(c.name));
  }
  protected fitResolved(
    p: OneHotParams,
    frame: Frame,
    columns: readonly ColumnInfo[],
    _opts: FitOptions,
  ): FittedTransformer {
    const categories: string[][] = [];
    const nanColumn: boolean[] = [];
    for (const info of columns) {
      const { levels, hasMissing } = observedLevels(
        requireColumn(frame, info.name, this.owner) as CategoricalColumn,
      );
      categories.push(levels);
      nanColumn.push(p.missing === 'category' && hasMissing);
    }
    return new FittedOneHot(p, { columns: columns.map((c) => c.name), categories, nanColumn });
  }
}

export interface OneHotState {
  columns: string[];
  categories: string[][];
  nanColumn: boolean[];
}

export class FittedOneHot extends BaseFitted<OneHotParams> {
  readonly kind = 'onehot';
  readonly state_: Readonly<OneHotState>;
  constructor(params: OneHotParams, state: OneHotState) {
    super(params);
    this.state_ = Object.freeze(JSON.parse(JSON.stringify(state)) as OneHotState);
  }
  static fromJSON(params: Record<string, unknown>, state: Record<string, unknown>): FittedOneHot {
    return new FittedOneHot(params as unknown as OneHotParams, state as unknown as OneHotState);
  }
  protected state(): Record<string, unknown> {
    return { ...this.state_ };
  }
  /** Output column names per encoded column (like sklearn's get_feature_names_out). */
  featureNames(): string[][] {
    const s = this.state_;
    return s.columns.map((c, j) => oneHotNames(c, s.categories[j], s.nanColumn[j], this.p.drop === 'first'));
  }

  transformWithReport(frame: Frame): StepResult {
    const report = emptyReport('onehot', this.kind, frame.nRows);
    const s = this.state_;
    const n = frame.nRows;
    const encoded = new Map<string, Column[]>();
    const dropFirst = this.p.drop === 'first' ? 1 : 0;
    for (let j = 0; j < s.columns.length; j++) {
      const name = s.columns[j];
      const c = requireColumn(frame, name, 'OneHotEncoder');
      if (c.kind !== 'categorical') {
        throw createError('AEGLE_TRANSFORM_COLUMN_KIND', {
          column: name,
          where: '',
          got: c.kind,
          owner: 'OneHotEncoder',
          expected: 'categorical',
        });
      }
      const levels = s.categories[j];
      const nLevels = levels.length + (s.nanColumn[j] ? 1 : 0);
      // code → full category index (−2 = unknown); missing handled separately.
      const lookup = dictionaryLookup(c.dictionary, levels);
      const nanIndex = s.nanColumn[j] ? levels.length : this.p.missing === 'zeros' ? -1 : -2;
      const outs: Float64Array[] = [];
      for (let k = dropFirst; k < nLevels; k++) outs.push(new Float64Array(n));
      const codes = c.codes;
      let unknown = 0;
      const unknownLevels = new Set<string>();
      for (let i = 0; i < n; i++) {
        const code = codes[i];
        const k = code < 0 ? nanIndex : lookup[code] < 0 ? -2 : lookup[code];
        if (k === -2) {
          unknown++;
          if (unknownLevels.size < 10) unknownLevels.add(code < 0 ? 'missing' : c.dictionary[code]);
          continue;
        }
        if (k >= dropFirst) outs[k - dropFirst][i] = 1;
      }
      if (unknown > 0 && this.p.handleUnknown === 'error') {
        throw createError('AEGLE_TRANSFORM_UNKNOWN_CATEGORY', {
          column: name,
          categories: [...unknownLevels].join(', '),
        });
      }
      const names = oneHotNames(name, levels, s.nanColumn[j], dropFirst === 1);
      encoded.set(
        name,
        outs.map((values, k) => ({ kind: 'numeric', name: names[k], values })),
      );
      report.removed.push(name);
      report.added.push(...names);
      report.columns[name] = unknown ? { transformed: n, unconvertible: unknown } : { transformed: n };
    }
    const columns: Column[] = [];
    for (const c of frame.columns) {
      const e = encoded.get(c.name);
      if (e) columns.push(...e);
      else columns.push(c);
    }
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c.name))
        throw createError('AEGLE_TRANSFORM_DUPLICATE_COLUMN', { owner: 'OneHotEncoder', column: c.name });
      seen.add(c.name);
    }
    const roles = { ...frame.roles };
    for (const name of s.columns) delete roles[name];
    return { frame: { nRows: n, columns, roles }, report };
  }
}

export interface OrdinalParams {
  columns: string[] | null;
  handleUnknown: 'error' | 'missing';
}
export const ORDINAL_PARAMS: ParamSchema = {
  columns: {
    type: 'columns',
    default: null,
    description: 'Categorical columns to encode (default: all categorical features).',
  },
  handleUnknown: {
    type: 'enum',
    values: ['error', 'missing'],
    default: 'error',
    description: 'What a level unseen at fit time does: error, or encode as missing (NaN).',
  },
};

export class OrdinalEncoder extends BaseTransformer<OrdinalParams> {
  readonly kind = 'ordinal';
  readonly owner = 'OrdinalEncoder';
  readonly schema = ORDINAL_PARAMS;
  protected clone(params: Record<string, unknown>): OrdinalEncoder {
    return new OrdinalEncoder(params as Partial<OrdinalParams>);
  }
  protected inputColumns(p: OrdinalParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    return selectColumns(schema, p.columns, ['categorical'], this.owner, path);
  }
  protected planResolved(p: OrdinalParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    const cols = new Set(this.inputColumns(p, schema, path).map((c) => c.name));
    return schema.map((c) => (cols.has(c.name) ? { ...c, kind: 'numeric' as const } : c));
  }
  protected fitResolved(p: OrdinalParams, frame: Frame, columns: readonly ColumnInfo[]): FittedTransformer {
    const categories = columns.map(
      (info) => observedLevels(requireColumn(frame, info.name, this.owner) as CategoricalColumn).levels,
    );
    return new FittedOrdinal(p, { columns: columns.map((c) => c.name), categories });
  }
}

export class FittedOrdinal extends BaseFitted<OrdinalParams> {
  readonly kind = 'ordinal';
  readonly columns: readonly string[];
  readonly categories: readonly (readonly string[])[];
  constructor(params: OrdinalParams, state: { columns: string[]; categories: string[][] }) {
    super(params);
    this.columns = Object.freeze([...state.columns]);
    this.categories = Object.freeze(state.categories.map((l) => Object.freeze([...l])));
  }
  static fromJSON(params: Record<string, unknown>, state: Record<string, unknown>): FittedOrdinal {
    return new FittedOrdinal(
      params as unknown as OrdinalParams,
      state as { columns: string[]; categories: string[][] },
    );
  }
  protected state(): Record<string, unknown> {
    return { columns: this.columns, categories: this.categories };
  }
  transformWithReport(frame: Frame): StepResult {
    const report = emptyReport('ordinal', this.kind, frame.nRows);
    const replace = new Map<string, Column>();
    for (let j = 0; j < this.columns.length; j++) {
      const name = this.columns[j];
      const c = requireColumn(frame, name, 'OrdinalEncoder');
      if (c.kind !== 'categorical') {
        throw createError('AEGLE_TRANSFORM_COLUMN_KIND', {
          column: name,
          where: '',
          got: c.kind,
          owner: 'OrdinalEncoder',
          expected: 'categorical',
        });
      }
      const lookup = dictionaryLookup(c.dictionary, this.categories[j]);
      const out = new Float64Array(frame.nRows);
      let unknown = 0;
      const unknownLevels = new Set<string>();
      for (let i = 0; i < out.length; i++) {
        const code = c.codes[i];
        if (code < 0) out[i] = Number.NaN;
        else if (lookup[code] < 0) {
          out[i] = Number.NaN;
          unknown++;
          if (unknownLevels.size < 10) unknownLevels.add(c.dictionary[code]);
        } else out[i] = lookup[code];
      }
      if (unknown && this.p.handleUnknown === 'error') {
        throw createError('AEGLE_TRANSFORM_UNKNOWN_CATEGORY', {
          column: name,
          categories: [...unknownLevels].join(', '),
        });
      }
      replace.set(name, { kind: 'numeric', name, values: out });
      report.columns[name] = unknown
        ? { transformed: out.length, setMissing: unknown }
        : { transformed: out.length };
    }
    const columns = frame.columns.map((c) => replace.get(c.name) ?? c);
    return { frame: { nRows: frame.nRows, columns, roles: frame.roles }, report };
  }
}
