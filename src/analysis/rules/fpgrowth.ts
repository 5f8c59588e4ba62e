/**
 * Frequent itemsets by FP-Growth (Han, Pei & Yin 2000, "Mining frequent patterns without candidate
 * generation", SIGMOD): one pass counts items, a second builds the FP-tree of each transaction's
 * frequent items in descending frequency; patterns are mined recursively from conditional FP-trees.
 * Association rules from the itemsets with support, confidence, lift, leverage (Piatetsky-Shapiro
 * 1991) and conviction (Brin et al. 1997); filters and top-k.
 */
import { createError } from '../errors.js';

export interface FrequentItemset {
  /** Items, sorted. */
  readonly items: string[];
  readonly count: number;
  readonly support: number;
}

export interface FpGrowthOptions {
  /** Minimum support as a fraction of transactions (itemsets with support ≥ this are kept). */
  readonly minSupport: number;
  /** Longest itemset to report (default: no limit). */
  readonly maxLength?: number;
}

interface Node {
  item: number;
  count: number;
  parent: Node | null;
  children: Map<number, Node>;
  next: Node | null;
}

/** Builds an FP-tree from weighted paths of item ids (already filtered and ordered). */
function buildTree(paths: { items: number[]; count: number }[], nItems: number) {
  const root: Node = { item: -1, count: 0, parent: null, children: new Map(), next: null };
  const heads: (Node | null)[] = new Array(nItems).fill(null);
  for (const { items, count } of paths) {
    let node = root;
    for (const it of items) {
      let child = node.children.get(it);
      if (!child) {
        child = { item: it, count: 0, parent: node, children: new Map(), next: heads[it] };
        heads[it] = child;
        node.children.set(it, child);
      }
      child.count += count;
      node = child;
    }
  }
  return { root, heads };
}

/** All itemsets with support ≥ `minSupport`. */
export function fpGrowth(
  transactions: readonly (readonly string[])[],
  o: FpGrowthOptions,
): FrequentItemset[] {
  if (!(o.minSupport > 0 && o.minSupport <= 1)) {
    throw createError('AEGLE_ANALYSIS_BAD_ARGUMENT', {
      param: 'minSupport',
      owner: 'FP-Growth',
      expected: 'a fraction in (0, 1]',
      got: o.minSupport,
    });
  }
  const n = transactions.length;
  const minCount = Math.max(1, Math.ceil(o.minSupport * n - 1e-9));
  const maxLen = o.maxLength ?? Number.POSITIVE_INFINITY;
  const counts = new Map<string, number>();
  for (const t of transactions) for (const it of new Set(t)) counts.set(it, (counts.get(it) ?? 0) + 1);
  // Item ids: 0 = most frequent (ties by name, for determinism).
  const frequent = [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const names = frequent.map(([k]) => k);
  const id = new Map(names.map((k, i) => [k, i]));
  const paths = transactions.map((t) => ({
    items: [...new Set(t)]
      .map((x) => id.get(x))
      .filter((x): x is number => x !== undefined)
      .sort((a, b) => a - b),
    count: 1,
  }));
  const out: FrequentItemset[] = [];
  const emit = (ids: number[], count: number) => {
    out.push({ items: ids.map((i) => names[i]).sort(), count, support: count / n });
  };
  const mine = (paths: { items: number[]; count: number }[], suffix: number[]) => {
    const { heads } = buildTree(paths, names.length);
    // least frequent first (largest id)
    for (let item = names.length - 1; item >= 0; item--) {
      let node = heads[item];
      if (!node) continue;
      let support = 0;
      const cond: { items: number[]; count: number }[] = [];
      for (; node; node = node.next) {
        support += node.count;
        const prefix: number[] = [];
        for (let p = node.parent; p && p.item >= 0; p = p.parent) prefix.push(p.item);
        if (prefix.length) cond.push({ items: prefix.reverse(), count: node.count });
      }
      if (support < minCount) continue;
      const pattern = [item, ...suffix];
      emit(pattern, support);
      if (pattern.length >= maxLen) continue;
      // keep only items frequent within the conditional base
      const local = new Map<number, number>();
      for (const c of cond) for (const it of c.items) local.set(it, (local.get(it) ?? 0) + c.count);
      const filtered = cond
        .map((c) => ({ items: c.items.filter((it) => (local.get(it) ?? 0) >= minCount), count: c.count }))
        .filter((c) => c.items.length);
      if (filtered.length) mine(filtered, pattern);
    }
  };
  mine(paths, []);
  return out.sort(
    (a, b) =>
      b.count - a.count ||
      a.items.length - b.items.length ||
      a.items.join('\u0000').localeCompare(b.items.join('\u0000')),
  );
}

export interface AssociationRule {
  readonly antecedent: string[];
  readonly consequent: string[];
  readonly support: number;
  readonly confidence: number;
  readonly lift: number;
  readonly leverage: number;
  readonly conviction: number;
  readonly antecedentSupport: number;
  readonly consequentSupport: number;
}

export type RuleMetric = 'support' | 'confidence' | 'lift' | 'leverage' | 'conviction';

export interface RuleOptions {
  readonly minConfidence?: number;
  readonly minLift?: number;
  /** Keep the k best by `sortBy` (default: all). */
  readonly topK?: number;
  readonly sortBy?: RuleMetric;
}

/** Every rule A → C from the itemsets (A, C non-empty, disjoint, A ∪ C frequent). */
export function associationRules(
  itemsets: readonly FrequentItemset[],
  o: RuleOptions = {},
): AssociationRule[] {
  const sup = new Map(itemsets.map((s) => [s.items.join('\u0000'), s.support]));
  const rules: AssociationRule[] = [];
  for (const s of itemsets) {
    const k = s.items.length;
    if (k < 2) continue;
    for (let mask = 1; mask < (1 << k) - 1; mask++) {
      const a = s.items.filter((_, i) => mask & (1 << i));
      const c = s.items.filter((_, i) => !(mask & (1 << i)));
      const sa = sup.get(a.join('\u0000'))!;
      const sc = sup.get(c.join('\u0000'))!;
      const confidence = s.support / sa;
      const lift = confidence / sc;
      if (o.minConfidence !== undefined && confidence < o.minConfidence - 1e-12) continue;
      if (o.minLift !== undefined && lift < o.minLift) continue;
      rules.push({
        antecedent: a,
        consequent: c,
        support: s.support,
        confidence,
        lift,
        leverage: s.support - sa * sc,
        conviction: confidence >= 1 ? Number.POSITIVE_INFINITY : (1 - sc) / (1 - confidence),
        antecedentSupport: sa,
        consequentSupport: sc,
      });
    }
  }
  const by = o.sortBy ?? 'lift';
  rules.sort((x, y) => y[by] - x[by] || y.support - x.support);
  return o.topK !== undefined ? rules.slice(0, o.topK) : rules;
}
