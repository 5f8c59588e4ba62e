import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { auroc, trueRisk } from './risk.js';

/** AUROC by brute force over all positive–negative pairs (a tie counts one half). */
function pairwiseAuroc(s: ArrayLike<number>, y: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('auroc', () => {
  it('matches hand-computed values, ties counting one half', () => {
    expect(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    // positives {0.5, 0.9}, negatives {0.5, 0.2}: 0.5 + 1 + 1 + 1 = 3.5 of 4 pairs
    expect(auroc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1])).toBeCloseTo(0.875, 12);
    expect(auroc([1, 1, 1], [1, 0, 1])).toBeCloseTo(0.5, 12);
    expect(auroc([0.3, 0.2], [1, 1])).toBeNaN();
  });
  it('equals the pairwise count on random data with many ties', () => {
    const rng = new Rng(3);
    const s = Array.from({ length: 400 }, () => rng.int(20) / 20);
    const y = s.map((v) => (rng.uniform() < 0.2 + 0.6 * v ? 1 : 0));
    expect(auroc(s, y)).toBeCloseTo(pairwiseAuroc(s, y), 12);
  });
});

describe('trueRisk', () => {
  it('gives the hand-computed logit for an older, obese, prediabetic smoker', () => {
    // -2.8 + (0.055·20 − 0.04·5) + (0.06·5 + 0.02·2²) + 3.0·0.3 + 0.4·(10/18)·(7/5)
    //   + 0.5 (family history, age ≥ 60) + 0.45 (current smoker) + 0.4 (TG ≥ 150, HDL < 40) + 0.25 (SBP ≥ 140)
    // = -2.8 + 0.9 + 0.38 + 0.9 + 0.311111 + 0.5 + 0.45 + 0.4 + 0.25 = 1.291111
    const r = trueRisk({
      age: 70,
      bmi: 32,
      hba1c: 6.0,
      glucose: 110,
      familyHistory: 1,
      activity: 'low',
      smoking: 'current',
      sbp: 145,
      hdl: 35,
      triglycerides: 200,
    });
    expect(r.logit).toBeCloseTo(1.291111, 5);
    expect(r.probability).toBeCloseTo(0.78433, 4);
  });
  it('gives the hand-computed logit for a young, lean, active patient with a family history', () => {
    // -2.8 + 0.055·(−20) + 0.06·(−3) + (0.5 + 0.03·30) − 0.7 = −3.38
    const r = trueRisk({
      age: 30,
      bmi: 24,
      hba1c: 5.2,
      glucose: 90,
      familyHistory: 1,
      activity: 'high',
      smoking: 'never',
      sbp: 118,
      hdl: 60,
      triglycerides: 90,
    });
    expect(r.logit).toBeCloseTo(-3.38, 10);
    expect(r.probability).toBeCloseTo(0.03292, 4);
  });
});
