/**
 * Re-identification risk of a released table and the generalisation search that lowers it.
 *
 * - k-anonymity (Sweeney 2002): every combination of quasi-identifier (QI) values is shared by ≥ k rows.
 * - ℓ-diversity (Machanavajjhala et al. 2007): distinct ℓ = fewest distinct sensitive values in a class;
 *   entropy ℓ = exp(smallest entropy of a class's sensitive values).
 * - t-closeness (Li, Li & Venkatasubramanian 2007): largest Earth Mover's Distance between a class's
 *   sensitive distribution and the whole table's (equal ground distance for categories = total
 *   variation; ordered distance for numbers).
 * - Prosecutor risk (El Emam): a record's risk is 1 / its class size; we report the highest, the
 *   average and the share of records above a threshold.
 * - `anonymize` searches the lattice of generalisation levels (age bands, ZIP prefixes, date
 *   granularity) with record suppression, as ARX does (Prasser & Kohlmayer 2015), and keeps the node that
 *   reaches k with the least information loss (normalised generalisation height, suppressed rows count 1).
 */
import {
  type Column,
  type Frame,
  categoricalColumn,
  cellValue,
  createError,
  getColumn,
  takeRows,
} from '../core/index.js';
import './errors.js';

export interface ClassStats {
  /** Number of equivalence classes. */
  readonly classes: number;
  /** Smallest class size (the table's k). */
  readonly k: number;
  /** Sizes of all classes, ascending. */
  readonly sizes: number[];
}

export interface ProsecutorRisk {
  readonly highest: number;
  readonly average: number;
  /** Share of records whose risk exceeds `threshold`. */
  readonly shareAbove: number;
  readonly threshold: number;
}

function cellKey(c: Column, i: number): string {
  const v = cellValue(c, i);
  return v === null ? '∅' : String(v);
}

/** Groups row indices by their QI values. */
export function equivalenceClasses(frame: Frame, qi: readonly string[]): number[][] {
  const cols = qi.map((q) => getColumn(frame, q));
  const map = new Map<string, number[]>();
  for (let i = 0; i < frame.nRows; i++) {
    const key = cols.map((c) => cellKey(c, i)).join('\u0001');
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  }
  return [...map.values()];
}

/** k-anonymity statistics over the QI columns. */
export function kAnonymity(frame: Frame, qi: readonly string[]): ClassStats {
  const cls = equivalenceClasses(frame, qi);
  const sizes = cls.map((c) => c.length).sort((a, b) => a - b);
  return { classes: cls.length, k: sizes.length ? sizes[0] : 0, sizes };
}

/** Prosecutor-model risk from class sizes. */
export function prosecutorRisk(frame: Frame, qi: readonly string[], threshold = 0.2): ProsecutorRisk {
  const cls = equivalenceClasses(frame, qi);
  const n = frame.nRows;
  if (!n) return { highest: 0, average: 0, shareAbove: 0, threshold };
  let highest = 0;
  let above = 0;
  for (const c of cls) {
    const r = 1 / c.length;
    if (r > highest) highest = r;
    if (r > threshold) above += c.length;
  }
  return { highest, average: cls.length / n, shareAbove: above / n, threshold };
}

/** Distinct and entropy ℓ-diversity of `sensitive` within the QI classes. */
export function lDiversity(
  frame: Frame,
  qi: readonly string[],
  sensitive: string,
): { distinct: number; entropy: number } {
  const s = getColumn(frame, sensitive);
  let distinct = Number.POSITIVE_INFINITY;
  let minH = Number.POSITIVE_INFINITY;
  for (const c of equivalenceClasses(frame, qi)) {
    const counts = new Map<string, number>();
    for (const i of c) counts.set(cellKey(s, i), (counts.get(cellKey(s, i)) ?? 0) + 1);
    distinct = Math.min(distinct, counts.size);
    let h = 0;
    for (const m of counts.values()) {
      const p = m / c.length;
      h -= p * Math.log(p);
    }
    minH = Math.min(minH, h);
  }
  if (!Number.isFinite(distinct)) return { distinct: 0, entropy: 0 };
  return { distinct, entropy: Math.exp(minH) };
}

/** t-closeness: the largest EMD between a class's distribution of `sensitive` and the table's. */
export function tCloseness(frame: Frame, qi: readonly string[], sensitive: string): number {
  const s = getColumn(frame, sensitive);
  const n = frame.nRows;
  if (!n) return 0;
  const numeric = s.kind !== 'categorical';
  const keys: string[] = [];
  const idx = new Map<string, number>();
  const keyOf = (i: number) => cellKey(s, i);
  for (let i = 0; i < n; i++) {
    const k = keyOf(i);
    if (!idx.has(k)) {
      idx.set(k, keys.length);
      keys.push(k);
    }
  }
  let order = keys.map((_, j) => j);
  if (numeric) order = order.sort((a, b) => Number(keys[a]) - Number(keys[b]));
  const pos = new Int32Array(keys.length);
  order.forEach((j, r) => {
    pos[j] = r;
  });
  const m = keys.length;
  const q = new Float64Array(m);
  for (let i = 0; i < n; i++) q[pos[idx.get(keyOf(i))!]] += 1 / n;
  let worst = 0;
  for (const c of equivalenceClasses(frame, qi)) {
    const p = new Float64Array(m);
    for (const i of c) p[pos[idx.get(keyOf(i))!]] += 1 / c.length;
    let d = 0;
    if (numeric && m > 1) {
      let cum = 0;
      for (let r = 0; r < m; r++) {
        cum += p[r] - q[r];
        d += Math.abs(cum);
      }
      d /= m - 1;
    } else {
      for (let r = 0; r < m; r++) d += Math.abs(p[r] - q[r]);
      d /= 2;
    }
    worst = Math.max(worst, d);
  }
  return worst;
}

/** How one QI is generalised, level by level (level 0 = as is; the last level = fully suppressed `*`). */
export type HierarchyKind = 'age' | 'zip' | 'date' | 'numeric' | 'categorical';

export interface Hierarchy {
  readonly column: string;
  readonly kind: HierarchyKind;
  readonly levels: number;
  /** The value of row i at `level`, as text. */
  generalise(c: Column, i: number, level: number): string;
}

const AGE_WIDTHS = [1, 5, 10, 20];
const NUM_WIDTHS = [1, 5, 10, 50];

function band(v: number, w: number): string {
  if (w === 1) return String(v);
  const lo = Math.floor(v / w) * w;
  return `${lo}-${lo + w - 1}`;
}

/** The default hierarchy for a column: by name (age, zip) and kind (date, number, category). */
export function defaultHierarchy(c: Column): Hierarchy {
  const name = c.name;
  if (/(^|_)age/i.test(name) && c.kind === 'numeric') {
    return {
      column: name,
      kind: 'age',
      levels: AGE_WIDTHS.length + 1,
      generalise: (col, i, l) => {
        const v = (col as { values: Float64Array }).values[i];
        if (Number.isNaN(v)) return '∅';
        if (l >= AGE_WIDTHS.length) return '*';
        return v > 89 ? '90+' : band(Math.trunc(v), AGE_WIDTHS[l]);
      },
    };
  }
  if (/zip|postal|postcode/i.test(name)) {
    return {
      column: name,
      kind: 'zip',
      levels: 6,
      generalise: (col, i, l) => {
        const v = cellValue(col, i);
        if (v === null) return '∅';
        const s = String(v);
        if (l >= 5) return '*';
        const keep = Math.max(0, s.length - l);
        return s.slice(0, keep) + '*'.repeat(s.length - keep);
      },
    };
  }
  if (c.kind === 'datetime') {
    return {
      column: name,
      kind: 'date',
      levels: 5,
      generalise: (col, i, l) => {
        const v = (col as { values: Float64Array }).values[i];
        if (Number.isNaN(v)) return '∅';
        const iso = new Date(v).toISOString();
        const y = iso.slice(0, 4);
        return [iso.slice(0, 10), iso.slice(0, 7), y, `${y.slice(0, 3)}0s`, '*'][l];
      },
    };
  }
  if (c.kind === 'numeric') {
    return {
      column: name,
      kind: 'numeric',
      levels: NUM_WIDTHS.length + 1,
      generalise: (col, i, l) => {
        const v = (col as { values: Float64Array }).values[i];
        if (Number.isNaN(v)) return '∅';
        return l >= NUM_WIDTHS.length ? '*' : band(Math.round(v), NUM_WIDTHS[l]);
      },
    };
  }
  return {
    column: name,
    kind: 'categorical',
    levels: 2,
    generalise: (col, i, l) => (l === 0 ? cellKey(col, i) : '*'),
  };
}

export interface AnonymizeOptions {
  readonly qi: readonly string[];
  readonly k: number;
  /** Largest share of rows that may be suppressed (default 0.05). */
  readonly maxSuppression?: number;
  /** Hierarchies by column (default: `defaultHierarchy`). */
  readonly hierarchies?: Readonly<Record<string, Hierarchy>>;
}

export interface AnonymizeResult {
  readonly frame: Frame;
  /** Chosen generalisation level per QI (0 = unchanged). */
  readonly levels: Record<string, number>;
  readonly suppressed: number;
  /** Information loss in [0, 1]: mean normalised generalisation height, suppressed rows counting 1. */
  readonly loss: number;
  readonly k: number;
  readonly nodesSearched: number;
}

/**
 * Finds the generalisation (one level per QI) plus suppression of rows in classes smaller than k that
 * reaches k-anonymity with the least information loss. Exhaustive over the lattice (it is small: the
 * product of the hierarchy heights). Throws AEGLE_PRIVACY_K_UNREACHABLE when no node fits.
 */
export function anonymize(frame: Frame, o: AnonymizeOptions): AnonymizeResult {
  if (!Number.isInteger(o.k) || o.k < 1) {
    throw createError('AEGLE_CORE_INVALID_PARAM', {
      param: 'k',
      owner: 'anonymize',
      expected: 'an integer ≥ 1',
      got: o.k,
    });
  }
  const maxSup = o.maxSuppression ?? 0.05;
  const cols = o.qi.map((q) => getColumn(frame, q));
  const hs = cols.map((c) => o.hierarchies?.[c.name] ?? defaultHierarchy(c));
  const n = frame.nRows;
  // precompute generalised values per column and level
  const table = hs.map((h, j) =>
    Array.from({ length: h.levels }, (_, l) =>
      Array.from({ length: n }, (_, i) => h.generalise(cols[j], i, l)),
    ),
  );
  let best: { levels: number[]; keep: number[]; loss: number; suppressed: number } | null = null;
  let nodes = 0;
  const levels = new Array<number>(hs.length).fill(0);
  const visit = (j: number): void => {
    if (j === hs.length) {
      nodes++;
      const map = new Map<string, number[]>();
      for (let i = 0; i < n; i++) {
        let key = '';
        for (let q = 0; q < hs.length; q++) key += `${table[q][levels[q]][i]}\u0001`;
        const l = map.get(key);
        if (l) l.push(i);
        else map.set(key, [i]);
      }
      const keep: number[] = [];
      for (const cls of map.values()) if (cls.length >= o.k) keep.push(...cls);
      const suppressed = n - keep.length;
      if (suppressed > maxSup * n) return;
      const height = hs.reduce((s, h, q) => s + levels[q] / (h.levels - 1), 0) / Math.max(1, hs.length);
      const loss = n ? (keep.length * height + suppressed) / n : 0;
      if (
        !best ||
        loss < best.loss - 1e-12 ||
        (Math.abs(loss - best.loss) <= 1e-12 && suppressed < best.suppressed)
      ) {
        best = { levels: [...levels], keep: keep.sort((a, b) => a - b), loss, suppressed };
      }
      return;
    }
    for (let l = 0; l < hs[j].levels; l++) {
      levels[j] = l;
      visit(j + 1);
    }
  };
  visit(0);
  if (!best) {
    throw createError('AEGLE_PRIVACY_K_UNREACHABLE', { k: o.k, qi: o.qi.join(','), maxSuppression: maxSup });
  }
  const b = best as { levels: number[]; keep: number[]; loss: number; suppressed: number };
  const kept = takeRows(frame, b.keep);
  const columns = kept.columns.map((c) => {
    const q = o.qi.indexOf(c.name);
    if (q < 0) return c;
    const vals = b.keep.map((i) => {
      const v = table[q][b.levels[q]][i];
      return v === '∅' ? null : v;
    });
    return categoricalColumn(c.name, vals);
  });
  const out: Frame = { nRows: kept.nRows, columns, roles: kept.roles };
  return {
    frame: out,
    levels: Object.fromEntries(o.qi.map((q, j) => [q, b.levels[j]])),
    suppressed: b.suppressed,
    loss: b.loss,
    k: kAnonymity(out, o.qi).k,
    nodesSearched: nodes,
  };
}
