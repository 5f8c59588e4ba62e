/**
 * Column-major, typed-array data: what every numeric stage consumes. No row objects on hot paths.
 *
 * - numeric columns: Float64Array, NaN marks a missing value;
 * - categorical columns: Int32Array codes into a sorted dictionary, −1 marks a missing value;
 * - datetime columns: Float64Array of milliseconds since the Unix epoch (UTC), NaN missing.
 */
import { createError } from './errors.js';

export type ColumnRole = 'id' | 'target' | 'time' | 'group' | 'weight' | 'feature';
export const COLUMN_ROLES: readonly ColumnRole[] = ['id', 'target', 'time', 'group', 'weight', 'feature'];

export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly values: Float64Array;
}
export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}
export interface DatetimeColumn {
  readonly kind: 'datetime';
  readonly name: string;
  readonly values: Float64Array;
}
export type Column = NumericColumn | CategoricalColumn | DatetimeColumn;

/** A table of equal-length typed columns, with optional roles by column name. */
export interface Frame {
  readonly nRows: number;
  readonly columns: readonly Column[];
  readonly roles: Readonly<Record<string, ColumnRole>>;
}

/** Column-major numeric matrix: element (i, j) is `data[j * nRows + i]`. */
export interface Matrix {
  readonly data: Float64Array;
  readonly nRows: number;
  readonly nCols: number;
  readonly columns: readonly string[];
}

export function numericColumn(name: string, values: Float64Array | number[]): NumericColumn {
  return {
    kind: 'numeric',
    name,
    values: values instanceof Float64Array ? values : Float64Array.from(values),
  };
}

export function datetimeColumn(name: string, values: Float64Array | number[]): DatetimeColumn {
  return {
    kind: 'datetime',
    name,
    values: values instanceof Float64Array ? values : Float64Array.from(values),
  };
}

/** Builds a categorical column from strings (null/undefined = missing); the dictionary is sorted. */
export function categoricalColumn(
  name: string,
  values: ReadonlyArray<string | null | undefined>,
): CategoricalColumn {
  const distinct = [...new Set(values.filter((v): v is string => v !== null && v !== undefined))].sort();
  const index = new Map(distinct.map((v, i) => [v, i]));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    codes[i] = v === null || v === undefined ? -1 : index.get(v)!;
  }
  return { kind: 'categorical', name, codes, dictionary: distinct };
}

export function columnLength(c: Column): number {
  return c.kind === 'categorical' ? c.codes.length : c.values.length;
}

/** Makes a Frame, checking that every column has the same length and names are unique. */
export function makeFrame(columns: readonly Column[], roles: Record<string, ColumnRole> = {}): Frame {
  const nRows = columns.length ? columnLength(columns[0]) : 0;
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) {
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'columns',
        owner: 'Frame',
        expected: 'unique column names',
        got: `'${c.name}' twice`,
      });
    }
    seen.add(c.name);
    if (columnLength(c) !== nRows) {
      throw createError('AEGLE_CORE_SHAPE_MISMATCH', {
        what: `Column '${c.name}'`,
        expected: `${nRows} rows`,
        got: columnLength(c),
      });
    }
  }
  for (const name of Object.keys(roles)) {
    if (!seen.has(name)) throw columnNotFound(name, columns, ' (in roles)');
  }
  return { nRows, columns, roles: { ...roles } };
}

export function columnNotFound(name: string, columns: readonly { name: string }[], where = ''): Error {
  return createError('AEGLE_CORE_COLUMN_NOT_FOUND', {
    column: name,
    where,
    available: columns.map((c) => c.name).join(', ') || '(none)',
  });
}

/** The column with this name, or a coded error listing the available ones. */
export function getColumn(frame: Frame, name: string): Column {
  const c = frame.columns.find((col) => col.name === name);
  if (!c) throw columnNotFound(name, frame.columns);
  return c;
}

export function hasColumn(frame: Frame, name: string): boolean {
  return frame.columns.some((c) => c.name === name);
}

/** Column names with the given role. */
export function columnsWithRole(frame: Frame, role: ColumnRole): string[] {
  return Object.entries(frame.roles)
    .filter(([, r]) => r === role)
    .map(([n]) => n);
}

/** A new Frame keeping only the listed columns, in that order. */
export function selectColumns(frame: Frame, names: readonly string[]): Frame {
  const cols = names.map((n) => getColumn(frame, n));
  const roles: Record<string, ColumnRole> = {};
  for (const n of names) if (frame.roles[n]) roles[n] = frame.roles[n];
  return { nRows: frame.nRows, columns: cols, roles };
}

/** A new Frame with the rows at `indices` (in that order). */
export function takeRows(frame: Frame, indices: ArrayLike<number>): Frame {
  const n = indices.length;
  const cols = frame.columns.map((c): Column => {
    if (c.kind === 'categorical') {
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) codes[i] = c.codes[indices[i]];
      return { ...c, codes };
    }
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = c.values[indices[i]];
    return { ...c, values };
  });
  return { nRows: n, columns: cols, roles: frame.roles };
}

/** The value at row i as a plain JS value (string for categoricals, ISO string for datetimes, null for missing). */
export function cellValue(c: Column, i: number): string | number | null {
  if (c.kind === 'categorical') return c.codes[i] < 0 ? null : c.dictionary[c.codes[i]];
  const v = c.values[i];
  if (Number.isNaN(v)) return null;
  return c.kind === 'datetime' ? new Date(v).toISOString() : v;
}

/** Builds a Matrix from numeric columns of a frame (datetimes become epoch ms; categoricals are refused). */
export function frameToMatrix(frame: Frame, names?: readonly string[]): Matrix {
  const cols = (names ?? frame.columns.map((c) => c.name)).map((n) => getColumn(frame, n));
  const nRows = frame.nRows;
  const data = new Float64Array(nRows * cols.length);
  cols.forEach((c, j) => {
    if (c.kind === 'categorical') {
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: c.name,
        owner: 'frameToMatrix',
        expected: 'a numeric column (encode categoricals first)',
        got: 'a categorical column',
      });
    }
    data.set(c.values, j * nRows);
  });
  return { data, nRows, nCols: cols.length, columns: cols.map((c) => c.name) };
}

/** Builds a Matrix from row-major numbers (convenient in tests and small inputs). */
export function matrixFromRows(rows: readonly (readonly number[])[], columns?: readonly string[]): Matrix {
  const nRows = rows.length;
  const nCols = nRows ? rows[0].length : (columns?.length ?? 0);
  const data = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) {
    if (rows[i].length !== nCols) {
      throw createError('AEGLE_CORE_SHAPE_MISMATCH', {
        what: `Row ${i}`,
        expected: `${nCols} values`,
        got: rows[i].length,
      });
    }
    for (let j = 0; j < nCols; j++) data[j * nRows + i] = rows[i][j];
  }
  return { data, nRows, nCols, columns: columns ?? Array.from({ length: nCols }, (_, j) => `x${j}`) };
}

/** Column j of a matrix as a subarray view (no copy). */
export function matrixColumn(m: Matrix, j: number): Float64Array {
  return m.data.subarray(j * m.nRows, (j + 1) * m.nRows);
}
