/**
 * Deduplicate: removes exact duplicate rows (all columns) or rows sharing the values of `keys`,
 * keeping the first, the last, or the most complete row (fewest missing values over all columns;
 * ties go to the first) of each group. Missing key values compare equal to each other, as in pandas'
 * `drop_duplicates`. Kept rows stay in their original order.
 *
 * A cleaning step: it runs in `clean` mode and is the identity in `predict` mode.
 */
import { type Column, type Frame, cellValue, takeRows } from '../core/index.js';
import {
  BaseFitted,
  BaseTransformer,
  type ColumnInfo,
  type DroppedRow,
  type FittedTransformer,
  type StepResult,
  type TransformOptions,
  emptyReport,
  requireColumn,
  selectColumns,
} from './base.js';
import type { ParamSchema } from '../core/params.js';

export interface DedupeParams {
  keys: string[] | null;
  keep: 'first' | 'last' | 'most_complete';
}
export const DEDUPE_PARAMS: ParamSchema = {
  keys: {
    type: 'columns',
    default: null,
    description: 'Key columns defining a duplicate (default: all columns, exact rows).',
  },
  keep: {
    type: 'enum',
    values: ['first', 'last', 'most_complete'],
    default: 'first',
    description: 'Which row of a duplicate group is kept.',
  },
};

export class Deduplicate extends BaseTransformer<DedupeParams> {
  readonly kind = 'dedupe';
  readonly owner = 'Deduplicate';
  readonly schema = DEDUPE_PARAMS;
  protected clone(params: Record<string, unknown>): Deduplicate {
    return new Deduplicate(params as Partial<DedupeParams>);
  }
  override dropsRows(): boolean {
    return true;
  }
  protected inputColumns(p: DedupeParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    if (p.keys === null) return [...schema];
    return selectColumns(
      schema,
      p.keys,
      ['numeric', 'categorical', 'datetime'],
      this.owner,
      path ? `${path}.keys` : undefined,
    );
  }
  protected planResolved(p: DedupeParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    this.inputColumns(p, schema, path);
    return [...schema];
  }
  protected fitResolved(p: DedupeParams): FittedTransformer {
    return new FittedDedupe(p);
  }
}

const NAN_HASH = 0x7ff80001;

/** 32-bit hash of every row over the given columns (NaN and ±0 normalised so equal values hash equal). */
function rowHashes(cols: readonly Column[], n: number): Int32Array {
  const h = new Int32Array(n).fill(0x811c9dc5);
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (const c of cols) {
    if (c.kind === 'categorical') {
      for (let i = 0; i < n; i++) h[i] = Math.imul(h[i] ^ c.codes[i], 0x01000193);
    } else {
      const x = c.values;
      for (let i = 0; i < n; i++) {
        const v = x[i];
        let a: number;
        let b: number;
        if (Number.isNaN(v)) {
          a = NAN_HASH;
          b = 0;
        } else if (v === 0) {
          a = 0;
          b = 0;
        } else {
          f[0] = v;
          a = u[0];
          b = u[1];
        }
        h[i] = Math.imul(Math.imul(h[i] ^ a, 0x01000193) ^ b, 0x01000193);
      }
    }
  }
  return h;
}

function rowsEqual(cols: readonly Column[], i: number, j: number): boolean {
  for (const c of cols) {
    if (c.kind === 'categorical') {
      if (c.codes[i] !== c.codes[j]) return false;
    } else {
      const a = c.values[i];
      const b = c.values[j];
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) return false;
    }
  }
  return true;
}

export class FittedDedupe extends BaseFitted<DedupeParams> {
  readonly kind = 'dedupe';
  static fromJSON(params: Record<string, unknown>): FittedDedupe {
    return new FittedDedupe(params as unknown as DedupeParams);
  }
  protected state(): Record<string, unknown> {
    return {};
  }

  transformWithReport(frame: Frame, opts: TransformOptions = {}): StepResult {
    const report = emptyReport('dedupe', this.kind, frame.nRows);
    if ((opts.mode ?? 'clean') === 'predict') return { frame, report: { ...report, skipped: true } };
    const n = frame.nRows;
    const keyCols =
      this.p.keys === null ? frame.columns : this.p.keys.map((k) => requireColumn(frame, k, 'Deduplicate'));
    const hashes = rowHashes(keyCols, n);
    // group[i] = representative (first) row of i's group
    const group = new Int32Array(n);
    const heads = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const reps = heads.get(hashes[i]);
      if (reps === undefined) {
        heads.set(hashes[i], [i]);
        group[i] = i;
        continue;
      }
      let found = -1;
      for (const r of reps) {
        if (rowsEqual(keyCols, r, i)) {
          found = r;
          break;
        }
      }
      if (found < 0) {
        reps.push(i);
        group[i] = i;
      } else group[i] = found;
    }
    // choose the keeper of each group
    const keeper = new Int32Array(n).fill(-1);
    let missing: Int32Array | null = null;
    if (this.p.keep === 'most_complete') {
      missing = new Int32Array(n);
      for (const c of frame.columns) {
        if (c.kind === 'categorical') for (let i = 0; i < n; i++) missing[i] += c.codes[i] < 0 ? 1 : 0;
        else for (let i = 0; i < n; i++) missing[i] += Number.isNaN(c.values[i]) ? 1 : 0;
      }
    }
    for (let i = 0; i < n; i++) {
      const g = group[i];
      const k = keeper[g];
      if (k < 0) keeper[g] = i;
      else if (this.p.keep === 'last') keeper[g] = i;
      else if (missing && missing[i] < missing[k]) keeper[g] = i;
    }
    const keep: number[] = [];
    const dropped: DroppedRow[] = [];
    for (let i = 0; i < n; i++) {
      const k = keeper[group[i]];
      if (k === i) {
        keep.push(i);
        continue;
      }
      const d: DroppedRow = { row: i, reason: `duplicate (keep ${this.p.keep})`, keptRow: k };
      if (this.p.keys !== null) d.key = keyCols.map((c) => `${c.name}=${cellValue(c, i) ?? 'NA'}`).join(', ');
      dropped.push(d);
    }
    report.dropped = dropped;
    report.rowsOut = keep.length;
    return { frame: dropped.length ? takeRows(frame, keep) : frame, report };
  }
}
