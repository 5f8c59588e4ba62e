import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { associationRules, type FrequentItemset, fpGrowth } from './fpgrowth.js';

/** Brute force: every subset of the item universe, counted against every transaction. */
function bruteForce(tx: string[][], minSupport: number): Map<string, number> {
  const items = [...new Set(tx.flat())].sort();
  const minCount = Math.max(1, Math.ceil(minSupport * tx.length - 1e-9));
  const out = new Map<string, number>();
  const sets = tx.map((t) => new Set(t));
  for (let mask = 1; mask < 1 << items.length; mask++) {
    const s = items.filter((_, i) => mask & (1 << i));
    const c = sets.filter((t) => s.every((x) => t.has(x))).length;
    if (c >= minCount) out.set(s.join(','), c);
  }
  return out;
}

const asMap = (r: FrequentItemset[]) => new Map(r.map((s) => [s.items.join(','), s.count]));

describe('FP-Growth', () => {
  it("Han, Pei & Yin (2000) Table 1: 5 transactions, min support 3 → the paper's 18 patterns", () => {
    const tx = [
      ['f', 'a', 'c', 'd', 'g', 'i', 'm', 'p'],
      ['a', 'b', 'c', 'f', 'l', 'm', 'o'],
      ['b', 'f', 'h', 'j', 'o'],
      ['b', 'c', 'k', 's', 'p'],
      ['a', 'f', 'c', 'e', 'l', 'p', 'm', 'n'],
    ];
    const got = asMap(fpGrowth(tx, { minSupport: 3 / 5 }));
    // From §3 of the paper: m: {m, am, cm, fm, cam, fam, fcam, fcm}:3; p: {p, cp}:3; b:3;
    // a: {a, ca, fa, fca}:3; c: {c:4, fc:3}; f:4.
    const expected = new Map<string, number>([
      ['m', 3],
      ['a,m', 3],
      ['c,m', 3],
      ['f,m', 3],
      ['a,c,m', 3],
      ['a,f,m', 3],
      ['a,c,f,m', 3],
      ['c,f,m', 3],
      ['p', 3],
      ['c,p', 3],
      ['b', 3],
      ['a', 3],
      ['a,c', 3],
      ['a,f', 3],
      ['a,c,f', 3],
      ['c', 4],
      ['c,f', 3],
      ['f', 4],
    ]);
    expect(got).toEqual(expected);
    expect(got).toEqual(bruteForce(tx, 3 / 5));
    const rules = associationRules(fpGrowth(tx, { minSupport: 3 / 5 }), { minConfidence: 1 });
    const fm = rules.find((r) => r.antecedent.join() === 'm' && r.consequent.join() === 'a,c,f')!;
    expect(fm.confidence).toBe(1);
    expect(fm.lift).toBeCloseTo(1 / 0.6, 12);
    expect(fm.leverage).toBeCloseTo(0.6 - 0.6 * 0.6, 12);
    expect(fm.conviction).toBe(Number.POSITIVE_INFINITY);
  });

  it('equals brute-force enumeration on random transactions (itemsets and rules)', () => {
    const item = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g');
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(item, { minLength: 0, maxLength: 6 }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 10 }),
        (tx, s) => {
          const minSupport = s / 10;
          const sets = fpGrowth(tx, { minSupport });
          const brute = bruteForce(tx, minSupport);
          expect(asMap(sets)).toEqual(brute);
          // rules: every split of every frequent itemset, with the defining formulas
          const rules = associationRules(sets);
          let expectedRules = 0;
          for (const k of brute.keys()) {
            const m = k.split(',').length;
            if (m >= 2) expectedRules += 2 ** m - 2;
          }
          expect(rules.length).toBe(expectedRules);
          for (const r of rules) {
            const all = [...r.antecedent, ...r.consequent].sort().join(',');
            const sI = brute.get(all)! / tx.length;
            const sA = brute.get(r.antecedent.join(','))! / tx.length;
            const sC = brute.get(r.consequent.join(','))! / tx.length;
            expect(r.support).toBeCloseTo(sI, 12);
            expect(r.confidence).toBeCloseTo(sI / sA, 12);
            expect(r.lift).toBeCloseTo(sI / sA / sC, 12);
            expect(r.leverage).toBeCloseTo(sI - sA * sC, 12);
          }
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });

  it('filters: min confidence, top-k by lift, max length', () => {
    const tx = [['x', 'y'], ['x', 'y'], ['x'], ['y', 'z'], ['x', 'y', 'z']];
    const sets = fpGrowth(tx, { minSupport: 0.2, maxLength: 2 });
    expect(Math.max(...sets.map((s) => s.items.length))).toBe(2);
    const top = associationRules(sets, { topK: 1, sortBy: 'confidence' });
    expect(top.length).toBe(1);
    expect(associationRules(sets, { minConfidence: 0.99 }).every((r) => r.confidence >= 0.99)).toBe(true);
  });
});
