import { describe, expect, it } from 'vitest';
import { categoricalColumn, makeFrame, numericColumn } from '../core/index.js';
import { anonymize, kAnonymity, lDiversity, prosecutorRisk, tCloseness } from './risk.js';

// Hand-computed table: QI (ageBand, zip3); sensitive = diagnosis.
// classes: (30-39,021) rows 0,1,2 ; (30-39,100) rows 3,4 ; (40-49,021) row 5
const f = makeFrame([
  categoricalColumn('band', ['30-39', '30-39', '30-39', '30-39', '30-39', '40-49']),
  categoricalColumn('zip', ['021', '021', '021', '100', '100', '021']),
  categoricalColumn('dx', ['flu', 'flu', 'cold', 'cold', 'cold', 'flu']),
]);

describe('risk figures on a hand-computed table', () => {
  it('k, prosecutor risk', () => {
    expect(kAnonymity(f, ['band', 'zip'])).toEqual({ classes: 3, k: 1, sizes: [1, 2, 3] });
    const r = prosecutorRisk(f, ['band', 'zip'], 0.4);
    expect(r.highest).toBe(1);
    expect(r.average).toBeCloseTo(3 / 6); // mean of 1/size over records = classes / n
    expect(r.shareAbove).toBeCloseTo(3 / 6); // rows in classes of size 1 and 2 (risk 1, 0.5 > 0.4)
  });
  it('ℓ-diversity (distinct and entropy)', () => {
    const l = lDiversity(f, ['band', 'zip'], 'dx');
    expect(l.distinct).toBe(1); // classes 2 and 3 hold one diagnosis each
    expect(l.entropy).toBeCloseTo(1); // exp(0)
    const l2 = lDiversity(f, ['band'], 'dx'); // 30-39: flu 2, cold 3 ; 40-49: flu 1
    expect(l2.distinct).toBe(1);
  });
  it('t-closeness (equal distance = total variation; ordered EMD for numbers)', () => {
    // overall dx: flu 3/6, cold 3/6. class {3,4}: cold 1 → TV = 0.5 ; class {5}: flu 1 → 0.5 ; class {0,1,2}: flu 2/3 → 1/6
    expect(tCloseness(f, ['band', 'zip'], 'dx')).toBeCloseTo(0.5);
    const g = makeFrame([categoricalColumn('q', ['a', 'a', 'b', 'b']), numericColumn('v', [1, 2, 3, 3])]);
    // values 1,2,3 ; overall (1/4,1/4,1/2) ; class a (1/2,1/2,0): cum diffs 1/4, 1/2, 0 → (3/4)/(3−1) = 0.375
    expect(tCloseness(g, ['q'], 'v')).toBeCloseTo(0.375);
  });
});

describe('generalisation search', () => {
  const n = 200;
  const ages = Array.from({ length: n }, (_, i) => 20 + ((i * 37) % 70));
  const zips = Array.from(
    { length: n },
    (_, i) => ['02115', '02116', '10001', '10002', '60614'][(i * 7) % 5],
  );
  const sex = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'F' : 'M'));
  const t = makeFrame([
    numericColumn('age', ages),
    categoricalColumn('zip', zips),
    categoricalColumn('sex', sex),
    numericColumn(
      'y',
      ages.map((a) => a % 2),
    ),
  ]);
  it('reaches k in every class with the least loss, reporting loss and suppression', () => {
    for (const k of [2, 5, 10]) {
      const r = anonymize(t, { qi: ['age', 'zip', 'sex'], k, maxSuppression: 0.05 });
      expect(r.k).toBeGreaterThanOrEqual(k);
      expect(kAnonymity(r.frame, ['age', 'zip', 'sex']).sizes.every((s) => s >= k)).toBe(true);
      expect(r.suppressed).toBeLessThanOrEqual(0.05 * n);
      expect(r.frame.nRows).toBe(n - r.suppressed);
      expect(r.loss).toBeGreaterThan(0);
      expect(r.loss).toBeLessThan(1);
    }
    const lo = anonymize(t, { qi: ['age', 'zip', 'sex'], k: 2 });
    const hi = anonymize(t, { qi: ['age', 'zip', 'sex'], k: 10 });
    expect(hi.loss).toBeGreaterThanOrEqual(lo.loss);
  });
  it('says so when k cannot be reached', () => {
    expect(() => anonymize(t, { qi: ['age'], k: 500, maxSuppression: 0 })).toThrowError(
      expect.objectContaining({ code: 'AEGLE_PRIVACY_K_UNREACHABLE' }),
    );
  });
});
