import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FittedGbdt } from '../gbdt/gbdt.js';
import { float32StrictThreshold, importXgboostJson } from './xgboost.js';
import { loadFixture } from './xgboost-fixtures.js';

const dir = new URL('../../../test/fixtures/xgboost/', import.meta.url);

describe('XGBoost JSON import', () => {
  // Fixtures: test/fixtures/xgboost/make_fixtures.py with Debian python3-xgboost 1.7.4 — the margins are
  // XGBoost's own `Booster.predict(d, output_margin=True)` on the same 300 rows (8% missing values).
  for (const name of ['binary', 'regression', 'multiclass']) {
    it(`${name}: margins equal XGBoost's predict(output_margin=True) to 1e-6`, () => {
      const { model, X, margin } = loadFixture(name);
      const raw = model.predictRaw(X);
      const K = model.nOutputs;
      let worst = 0;
      for (let i = 0; i < X.nRows; i++)
        for (let k = 0; k < K; k++) worst = Math.max(worst, Math.abs(raw[i * K + k] - margin[i][k]));
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('reads feature names, objective and classes; falls back to f0…fN', () => {
    const b = loadFixture('binary');
    expect(b.model.featureNames).toEqual(['age', 'bmi', 'hba1c', 'visits', 'sbp']);
    expect(b.model.task).toBe('binary');
    expect(b.info).toMatchObject({ objective: 'binary:logistic', nFeatures: 5, nTrees: 20 });
    const r = loadFixture('regression');
    expect(r.model.featureNames).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(loadFixture('multiclass').model.classes).toEqual(['0', '1', '2']);
  });

  it('probabilities are the sigmoid of the margin, and survive a save/load round trip', () => {
    const { model, X, margin } = loadFixture('binary');
    const p = model.predictProba(X);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-margin[0][0])), 6);
    const back = FittedGbdt.fromJSON(model.toJSON());
    expect(back.predictRaw(X)).toEqual(model.predictRaw(X));
  });

  it('float32StrictThreshold: x <= T exactly when fround(x) < s', () => {
    for (const s of [0.5, -1.2436137, 1e-30, 3, -0.0, 0]) {
      const T = float32StrictThreshold(s);
      const s32 = Math.fround(s);
      expect(Math.fround(T) < s32).toBe(true);
      const above = T + Math.max(Math.abs(T) * 2 ** -52, Number.MIN_VALUE);
      expect(Math.fround(above) < s32).toBe(false);
    }
  });

  it('rejects what it cannot import with a coded error', () => {
    expect(() => importXgboostJson('{')).toThrow(/AEGLE_LEARN_XGBOOST_BAD_JSON|not valid JSON/);
    const doc = JSON.parse(readFileSync(new URL('binary.json', dir), 'utf8'));
    doc.learner.objective.name = 'rank:pairwise';
    expect(() => importXgboostJson(doc)).toThrow(/rank:pairwise/);
  });
});
