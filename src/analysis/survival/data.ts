/**
 * Turning Frame columns into survival inputs, with R's conventions: the event may be coded 0/1,
 * 1/2 (censored/dead, as `Surv()` accepts) or boolean; rows with a missing time, event, group or
 * covariate are dropped and counted; negative times and non-binary events are coded errors that name
 * the column.
 */
import { type Column, type Frame, getColumn } from '../../core/index.js';
import { createError } from '../errors.js';

/** Validated numeric time column (NaN = missing). Throws on negative times and on categoricals. */
export function timeValues(frame: Frame, name: string): Float64Array {
  const c = getColumn(frame, name);
  if (c.kind !== 'numeric') {
    throw createError('AEGLE_ANALYSIS_BAD_COLUMN', {
      column: name,
      problem: `must be numeric (a follow-up time); it is ${c.kind}`,
    });
  }
  let count = 0;
  let first = -1;
  for (let i = 0; i < c.values.length; i++) {
    if (c.values[i] < 0) {
      count++;
      if (first < 0) first = i;
    }
  }
  if (count)
    throw createError('AEGLE_ANALYSIS_NEGATIVE_TIME', {
      column: name,
      count,
      row: first,
      value: c.values[first],
    });
  return c.values;
}

/**
 * Event indicator as 0/1 (NaN = missing). Accepts 0/1, 1/2 (R: 1 censored, 2 event) and booleans
 * (read as 0/1); anything else is `AEGLE_ANALYSIS_BAD_EVENT`.
 */
export function eventValues(frame: Frame, name: string): Float64Array {
  const c = getColumn(frame, name);
  if (c.kind === 'categorical') {
    const map = c.dictionary.map((d) => {
      const v = d.trim().toLowerCase();
      return v === '1' || v === 'true' ? 1 : v === '0' || v === 'false' ? 0 : Number.NaN;
    });
    const bad = c.dictionary.filter((_, i) => Number.isNaN(map[i]));
    if (bad.length)
      throw createError('AEGLE_ANALYSIS_BAD_EVENT', { column: name, got: bad.slice(0, 5).join(', ') });
    return Float64Array.from(c.codes, (k) => (k < 0 ? Number.NaN : map[k]));
  }
  if (c.kind !== 'numeric')
    throw createError('AEGLE_ANALYSIS_BAD_EVENT', { column: name, got: `a ${c.kind} column` });
  return normaliseEvent(c.values, name);
}

/** 0/1 or 1/2 coded event → 0/1; throws naming `column` otherwise. */
export function normaliseEvent(values: ArrayLike<number>, column = 'event'): Float64Array {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) seen.add(values[i]);
  const vals = [...seen].sort((a, b) => a - b);
  const out = new Float64Array(values.length);
  const oneTwo = vals.length > 0 && vals.every((v) => v === 1 || v === 2) && vals.includes(2);
  if (!oneTwo && !vals.every((v) => v === 0 || v === 1)) {
    throw createError('AEGLE_ANALYSIS_BAD_EVENT', {
      column,
      got: vals.slice(0, 6).join(', ') + (vals.length > 6 ? ', …' : ''),
    });
  }
  for (let i = 0; i < values.length; i++)
    out[i] = Number.isNaN(values[i]) ? Number.NaN : oneTwo ? values[i] - 1 : values[i];
  return out;
}

/** Group labels of a column (categorical levels or numbers as text); null where missing. */
export function groupLabels(col: Column): (string | null)[] {
  if (col.kind === 'categorical') return Array.from(col.codes, (k) => (k < 0 ? null : col.dictionary[k]));
  return Array.from(col.values, (v) => (Number.isNaN(v) ? null : String(v)));
}

/** Design columns built from model covariates: numerics as they are, categoricals as treatment dummies. */
export interface Design {
  /** Column-major n × p. */
  readonly x: Float64Array;
  readonly nRows: number;
  /** Term names, R style: `age`, `celltypesmallcell`. */
  readonly names: string[];
  /** For each covariate (term), the design columns it produced. */
  readonly terms: { name: string; columns: number[] }[];
}

/**
 * Builds the design for `covariates` over the rows in `rows`. A categorical covariate gets one dummy
 * per level except the reference (the first of `levels[name]`, or of the sorted dictionary).
 */
export function buildDesign(
  frame: Frame,
  covariates: readonly string[],
  rows: ArrayLike<number>,
  levels: Readonly<Record<string, readonly string[]>> = {},
): Design {
  const n = rows.length;
  const cols: Float64Array[] = [];
  const names: string[] = [];
  const terms: { name: string; columns: number[] }[] = [];
  for (const name of covariates) {
    const c = getColumn(frame, name);
    const idx: number[] = [];
    if (c.kind === 'categorical') {
      const order = levels[name] ?? c.dictionary;
      const present = new Set<number>();
      for (let i = 0; i < n; i++) present.add(c.codes[rows[i]]);
      const used = order.filter((l) => present.has(c.dictionary.indexOf(l)));
      for (const level of used.slice(1)) {
        const code = c.dictionary.indexOf(level);
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) v[i] = c.codes[rows[i]] === code ? 1 : 0;
        idx.push(cols.length);
        cols.push(v);
        names.push(name + level);
      }
    } else {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = c.values[rows[i]];
      idx.push(cols.length);
      cols.push(v);
      names.push(name);
    }
    terms.push({ name, columns: idx });
  }
  const x = new Float64Array(n * cols.length);
  cols.forEach((v, j) => {
    x.set(v, j * n);
  });
  return { x, nRows: n, names, terms };
}

/** Indices of rows where every listed column is present. */
export function completeRows(frame: Frame, names: readonly string[]): number[] {
  const cols = names.map((n) => getColumn(frame, n));
  const out: number[] = [];
  for (let i = 0; i < frame.nRows; i++) {
    let ok = true;
    for (const c of cols) {
      if (c.kind === 'categorical' ? c.codes[i] < 0 : Number.isNaN(c.values[i])) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(i);
  }
  return out;
}
