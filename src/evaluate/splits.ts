/**
 * Leakage-safe splitters. Each returns folds of row indices (sorted ascending) and is seeded, so
 * the same seed gives the same folds. Group splitters keep every row of a group (a patient) in one
 * fold; the time-ordered splitters only ever train on rows earlier than the ones they test on.
 */
import { Rng, createError } from '../core/index.js';
import './errors.js';

export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

function sorted(a: number[]): Int32Array {
  return Int32Array.from(a).sort();
}

function complement(n: number, test: Int32Array): Int32Array {
  const mark = new Uint8Array(n);
  for (const i of test) mark[i] = 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!mark[i]) out.push(i);
  return Int32Array.from(out);
}

function badSplit(reason: string): Error {
  return createError('AEGLE_EVALUATE_BAD_SPLIT', { reason });
}

/** Rows grouped by label, in first-seen order of sorted labels. */
function byLabel(y: ArrayLike<number>): number[][] {
  const m = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const l = m.get(y[i]) ?? [];
    l.push(i);
    m.set(y[i], l);
  }
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/**
 * One train/test split. With `stratify` (class codes), each class contributes round(testSize·count)
 * rows to the test set (at least one when it has two or more rows), so prevalence is preserved.
 */
export function holdoutSplit(
  n: number,
  opts: { testSize?: number; stratify?: ArrayLike<number>; seed?: number } = {},
): Fold {
  const testSize = opts.testSize ?? 0.25;
  if (!(testSize > 0 && testSize < 1)) badSplitParam('testSize', 'a number in (0, 1)', testSize);
  const rng = new Rng(opts.seed ?? 0);
  const test: number[] = [];
  if (opts.stratify) {
    for (const rows of byLabel(opts.stratify)) {
      const perm = rng.shuffle([...rows]);
      let k = Math.round(testSize * rows.length);
      if (k === 0 && rows.length >= 2) k = 1;
      if (k === rows.length && rows.length >= 2) k = rows.length - 1;
      test.push(...perm.slice(0, k));
    }
  } else {
    const perm = rng.permutation(n);
    const k = Math.max(1, Math.min(n - 1, Math.round(testSize * n)));
    for (let i = 0; i < k; i++) test.push(perm[i]);
  }
  if (test.length === 0 || test.length === n)
    throw badSplit(`${n} rows are too few for a hold-out split with testSize ${testSize}.`);
  const t = sorted(test);
  return { train: complement(n, t), test: t };
}

function badSplitParam(param: string, expected: string, got: unknown): never {
  throw createError('AEGLE_CORE_INVALID_PARAM', {
    param,
    owner: 'split',
    expected,
    got: JSON.stringify(got),
  });
}

function checkK(k: number, n: number, what: string): void {
  if (!Number.isInteger(k) || k < 2) badSplitParam('k', 'an integer >= 2', k);
  if (k > n) throw badSplit(`k = ${k} folds need at least ${k} ${what}; got ${n}.`);
}

/** k-fold cross-validation; rows shuffled with the seed unless `shuffle` is false. */
export function kFold(n: number, k: number, opts: { shuffle?: boolean; seed?: number } = {}): Fold[] {
  checkK(k, n, 'rows');
  const order =
    opts.shuffle === false
      ? Int32Array.from({ length: n }, (_, i) => i)
      : new Rng(opts.seed ?? 0).permutation(n);
  const folds: Fold[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const t = sorted(Array.from(order.subarray(start, start + size)));
    start += size;
    folds.push({ train: complement(n, t), test: t });
  }
  return folds;
}

/** Stratified k-fold: each class's rows are shuffled and dealt round-robin, so every fold keeps the prevalence. */
export function stratifiedKFold(y: ArrayLike<number>, k: number, opts: { seed?: number } = {}): Fold[] {
  const n = y.length;
  checkK(k, n, 'rows');
  const rng = new Rng(opts.seed ?? 0);
  const tests: number[][] = Array.from({ length: k }, () => []);
  let offset = 0;
  for (const rows of byLabel(y)) {
    const perm = rng.shuffle([...rows]);
    // continue dealing where the previous class stopped, so fold sizes stay balanced
    perm.forEach((row, j) => {
      tests[(offset + j) % k].push(row);
    });
    offset = (offset + perm.length) % k;
  }
  return tests.map((t) => {
    const ts = sorted(t);
    return { train: complement(n, ts), test: ts };
  });
}

/**
 * Group k-fold (scikit-learn's `GroupKFold`): groups, largest first, go to the fold with the fewest
 * rows so far; no group is ever in two folds. `groups` are any values (patient ids).
 */
export function groupKFold(groups: ArrayLike<unknown>, k: number, opts: { seed?: number } = {}): Fold[] {
  const n = groups.length;
  const members = new Map<unknown, number[]>();
  for (let i = 0; i < n; i++) {
    const l = members.get(groups[i]) ?? [];
    l.push(i);
    members.set(groups[i], l);
  }
  checkK(k, members.size, 'groups');
  // seeded shuffle first so equal-sized groups are dealt in a seed-dependent but fixed order
  const list = new Rng(opts.seed ?? 0).shuffle([...members.values()]);
  list.sort((a, b) => b.length - a.length);
  const tests: number[][] = Array.from({ length: k }, () => []);
  for (const rows of list) {
    let best = 0;
    for (let f = 1; f < k; f++) if (tests[f].length < tests[best].length) best = f;
    tests[best].push(...rows);
  }
  return tests.map((t) => {
    const ts = sorted(t);
    return { train: complement(n, ts), test: ts };
  });
}

/** Stratified group k-fold is not offered; this checks a fold list keeps groups apart (used by tests and the CLI). */
export function groupsOverlap(folds: readonly Fold[], groups: ArrayLike<unknown>): boolean {
  const owner = new Map<unknown, number>();
  for (let f = 0; f < folds.length; f++) {
    for (const i of folds[f].test) {
      const g = groups[i];
      const o = owner.get(g);
      if (o !== undefined && o !== f) return true;
      owner.set(g, f);
    }
  }
  return false;
}

/** Rows ordered by time (NaN last, ties by row index). */
function timeOrder(times: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: times.length }, (_, i) => i);
  const key = (i: number) => (Number.isNaN(times[i]) ? Number.POSITIVE_INFINITY : times[i]);
  return idx.sort((a, b) => key(a) - key(b) || a - b);
}

/** Time-ordered hold-out: the latest `testSize` share of rows is the test set. */
export function timeOrderedSplit(times: ArrayLike<number>, opts: { testSize?: number } = {}): Fold {
  const n = times.length;
  const testSize = opts.testSize ?? 0.25;
  if (!(testSize > 0 && testSize < 1)) badSplitParam('testSize', 'a number in (0, 1)', testSize);
  const order = timeOrder(times);
  const k = Math.max(1, Math.min(n - 1, Math.round(testSize * n)));
  const cut = n - k;
  return { train: sorted(Array.from(order.subarray(0, cut))), test: sorted(Array.from(order.subarray(cut))) };
}

/** Expanding-window time-series CV (scikit-learn `TimeSeriesSplit`): fold f trains on everything before its test block. */
export function timeSeriesSplit(times: ArrayLike<number>, k: number): Fold[] {
  const n = times.length;
  checkK(k + 1, n, 'rows');
  const order = timeOrder(times);
  const size = Math.floor(n / (k + 1));
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const testStart = n - (k - f) * size;
    folds.push({
      train: sorted(Array.from(order.subarray(0, testStart))),
      test: sorted(Array.from(order.subarray(testStart, testStart + size))),
    });
  }
  return folds;
}

/** Repeated (stratified when `stratify` is given) k-fold: `repeats` × k folds, repeat r seeded with seed + r. */
export function repeatedKFold(
  n: number,
  k: number,
  repeats: number,
  opts: { seed?: number; stratify?: ArrayLike<number> } = {},
): Fold[] {
  if (!Number.isInteger(repeats) || repeats < 1) badSplitParam('repeats', 'an integer >= 1', repeats);
  const out: Fold[] = [];
  for (let r = 0; r < repeats; r++) {
    const seed = (opts.seed ?? 0) + r;
    out.push(...(opts.stratify ? stratifiedKFold(opts.stratify, k, { seed }) : kFold(n, k, { seed })));
  }
  return out;
}
