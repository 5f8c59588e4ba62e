// biome-ignore-all lint/suspicious/noApproximativeNumericConstant: observed probabilities (0.4342 is data, not log10(e))
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.js';
import { auroc } from '../metrics.js';
import {
  allOperatingPoints,
  bootstrapCI,
  calibrationStats,
  chooseThreshold,
  clinicalBootstrap,
  crossFitRecalibration,
  decisionCurve,
  delongAuc,
  delongTest,
  expectedCalibrationError,
  fitIsotonic,
  fitPlatt,
  midranks,
  normalQuantile,
  operatingTable,
  prCurve,
  reliabilityCurve,
  rocCurve,
  subgroupMetrics,
} from './index.js';

// Reference vectors: drawn once by numpy (default_rng(7)) and pasted here; every expected number below
// was computed from these exact vectors by the peer named beside it.
const P = [
  0.4259, 0.5221, 0.3416, 0.1888, 0.2909, 0.1695, 0.4448, 0.8088, 0.2809, 0.2485, 0.5834, 0.5409, 0.4593,
  0.181, 0.4163, 0.6465, 0.1143, 0.2901, 0.0589, 0.1217, 0.0633, 0.3531, 0.1248, 0.5132, 0.476, 0.3675,
  0.0273, 0.2689, 0.4102, 0.4619, 0.092, 0.2847, 0.1719, 0.2056, 0.7463, 0.2059, 0.4153, 0.7005, 0.2576,
  0.3905,
];
const Y = [
  0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0,
  0, 1, 1, 1,
];
const Q = [
  0.3256, 0.3535, 0.5131, 0.3963, 0.3782, 0.1956, 0.4227, 0.3222, 0.7039, 0.5874, 0.4197, 0.5911, 0.3453,
  0.6796, 0.4242, 0.5704, 0.1693, 0.5117, 0.1204, 0.0882, 0.3533, 0.2315, 0.4661, 0.8749, 0.2438, 0.2842,
  0.4764, 0.5481, 0.3831, 0.3761, 0.5993, 0.5548, 0.2086, 0.4063, 0.4342, 0.2051, 0.49, 0.239, 0.662, 0.4732,
];

describe('calibration', () => {
  it('matches statsmodels GLM (Binomial, logit link) for the slope, intercept and calibration-in-the-large', () => {
    // statsmodels 0.13.5 (Debian), run on P, Y above:
    //   sm.GLM(y, sm.add_constant(logit(p)), family=Binomial()).fit()   → params [0.14412281, 1.18799548], bse [0.4477773, 0.47378028]
    //   sm.GLM(y, ones, family=Binomial(), offset=logit(p)).fit()       → params [0.0436455], bse [0.36319583]
    //   np.mean((p - y)**2)                                              → 0.18136505775
    const c = calibrationStats(Y, P);
    expect(c.intercept).toBeCloseTo(0.14412281, 7);
    expect(c.slope).toBeCloseTo(1.18799548, 7);
    expect(c.slopeSE).toBeCloseTo(0.47378028, 6);
    expect(c.calibrationInTheLarge).toBeCloseTo(0.0436455, 6);
    expect(c.calibrationInTheLargeSE).toBeCloseTo(0.36319583, 6);
    expect(c.brier).toBeCloseTo(0.18136505775, 10);
    expect(c.n).toBe(40);
  });

  it('builds quantile and uniform reliability bins and the ECE by hand', () => {
    const y = [0, 0, 1, 0, 1, 1];
    const p = [0.1, 0.2, 0.3, 0.6, 0.7, 0.9];
    const u = reliabilityCurve(y, p, { bins: 2, strategy: 'uniform' });
    // bin [0, .5): rows 0–2, mean p .2, observed 1/3; bin [.5, 1]: rows 3–5, mean p .7333, observed 2/3
    expect(u.map((b) => b.n)).toEqual([3, 3]);
    expect(u[0].meanPredicted).toBeCloseTo(0.2, 12);
    expect(u[1].observedRate).toBeCloseTo(2 / 3, 12);
    expect(expectedCalibrationError(y, p, { bins: 2 })).toBeCloseTo(
      0.5 * Math.abs(1 / 3 - 0.2) + 0.5 * Math.abs(2 / 3 - 2.2 / 3),
      12,
    );
    const q = reliabilityCurve(Y, P, { bins: 4 });
    expect(q.map((b) => b.n)).toEqual([10, 10, 10, 10]);
    for (const b of q) expect(b.observedLo).toBeLessThanOrEqual(b.observedRate);
  });

  it('isotonic recalibration equals scikit-learn IsotonicRegression(out_of_bounds="clip")', () => {
    // scikit-learn 1.2.1: IsotonicRegression(out_of_bounds='clip').fit(P, Y).predict(x)
    const iso = fitIsotonic(Y, P);
    const got = iso.apply([0.0, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9]);
    const want = [0.0, 0.1875, 0.1875, 0.5, 0.75, 0.75, 1.0];
    for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(want[k], 10);
  });

  it('Platt scaling maps logit(p) through the fitted intercept and slope', () => {
    const m = fitPlatt(Y, P);
    const x = 0.3;
    const z = 0.14412281 + 1.18799548 * Math.log(x / (1 - x));
    expect(m.apply([x])[0]).toBeCloseTo(1 / (1 + Math.exp(-z)), 7);
  });

  it('cross-fitted recalibration never uses a row to fit its own map', () => {
    const rng = new Rng(3);
    const n = 600;
    const y = new Float64Array(n);
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = rng.normal();
      y[i] = rng.uniform() < 1 / (1 + Math.exp(-t)) ? 1 : 0;
      p[i] = 1 / (1 + Math.exp(-2.5 * t)); // over-confident: slope should be ≈ 0.4
    }
    expect(calibrationStats(y, p).slope).toBeLessThan(0.6);
    const cf = crossFitRecalibration(y, p, { method: 'platt', folds: 5, seed: 1 });
    const after = calibrationStats(y, cf.recalibrated);
    expect(Math.abs(after.slope - 1)).toBeLessThan(0.25);
    // Leak check: with isotonic on a pure-noise score, in-sample fitting looks better than chance,
    // cross-fitting does not.
    const noise = Float64Array.from({ length: n }, () => rng.uniform());
    const inSample = fitIsotonic(y, noise).apply(noise);
    const oof = crossFitRecalibration(y, noise, { method: 'isotonic', seed: 1 }).recalibrated;
    expect(auroc(y, inSample)).toBeGreaterThan(auroc(y, oof));
  });
});

describe('DeLong', () => {
  it('midranks give tied values their mean rank', () => {
    expect([...midranks([3, 1, 3, 2])]).toEqual([3.5, 1, 3.5, 2]);
  });

  it('matches the O(m·n) definition of DeLong et al. (1988) on the reference vectors', () => {
    // numpy, directly from DeLong 1988 §2: ψ(X, Y) = 1[X > Y] + ½·1[X = Y], V10 = row means,
    // V01 = column means, S = cov(V10)/m + cov(V01)/n:
    //   auc(P) 0.7802197802197802, auc(Q) 0.4807692307692308, var1 0.00624683009298394,
    //   var2 0.009626810214299647, cov 0.0008939370012911856, z 2.5231023895440687, p 0.011632452576696534
    // R pROC (Debian r-cran-proc), same vectors: ci.auc(roc(y, p), method = "delong") → 0.6253103–0.9351292;
    // roc.test(roc(y, p), roc(y, q), method = "delong", paired = TRUE) → Z 2.5231023895441, p 0.0116324525767.
    const a = delongAuc(Y, P);
    expect(a.auc).toBeCloseTo(0.7802197802197802, 14);
    expect(a.variance).toBeCloseTo(0.00624683009298394, 14);
    const t = delongTest(Y, P, Q);
    expect(t.auc2).toBeCloseTo(0.4807692307692308, 14);
    expect(t.z).toBeCloseTo(2.5231023895440687, 10);
    expect(t.pValue).toBeCloseTo(0.011632452576696534, 9);
    expect(a.ci[0]).toBeCloseTo(0.6253103, 6);
    expect(a.ci[1]).toBeCloseTo(0.9351292, 6);
    expect(t.correlation).toBeCloseTo(
      0.0008939370012911856 / Math.sqrt(0.00624683009298394 * 0.009626810214299647),
      10,
    );
    expect(a.ci[0]).toBeCloseTo(0.7802197802197802 - 1.959963984540054 * Math.sqrt(0.00624683009298394), 8);
  });

  it('agrees with the trapezoid AUROC of metrics.ts with ties', () => {
    const y = [1, 0, 1, 0, 1, 0, 0];
    const s = [0.5, 0.5, 0.9, 0.1, 0.3, 0.3, 0.8];
    expect(delongAuc(y, s).auc).toBeCloseTo(auroc(y, s), 14);
  });

  it('normalQuantile inverts the normal CDF', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 10);
  });
});

describe('thresholds and decision curves', () => {
  it('net benefit at pt = 0.2 equals the hand computation NB = TP/n − FP/n · pt/(1 − pt)', () => {
    // On P, Y: p ≥ 0.2 flags 13 events and 16 non-events of n = 40 (counted in numpy):
    // NB = 13/40 − 16/40 · 0.25 = 0.225; treat-all = 12/40 − 28/40 · 0.25 = 0.1875.
    const [d] = decisionCurve(Y, P, [0.2]);
    expect(d.netBenefitModel).toBeCloseTo(0.225, 14);
    expect(d.netBenefitAll).toBeCloseTo(0.1875, 14);
    expect(d.interventionsAvoidedPer100).toBeCloseTo(((0.225 - 0.1875) / 0.25) * 100, 10);
  });

  it('reproduces the worked example of Vickers & Elkin (2006): treat-all at pt = 0.1 with prevalence 0.2', () => {
    // Vickers & Elkin 2006, §"Net benefit": treat-all NB = prevalence − (1 − prevalence)·pt/(1 − pt);
    // prevalence 20% and pt 10% give 0.2 − 0.8/9 = 0.1111.
    const y = Array.from({ length: 100 }, (_, i) => (i < 20 ? 1 : 0));
    const p = y.map(() => 0.5);
    const [d] = decisionCurve(y, p, [0.1]);
    expect(d.netBenefitAll).toBeCloseTo(0.2 - 0.8 / 9, 12);
    expect(d.netBenefitModel).toBeCloseTo(d.netBenefitAll, 12); // a constant score above pt is treat-all
  });

  it('operating table by hand; threshold rules', () => {
    const y = [1, 1, 0, 1, 0, 0];
    const p = [0.9, 0.7, 0.6, 0.4, 0.3, 0.1];
    const [t] = operatingTable(y, p, [0.5]);
    expect(t).toMatchObject({ tp: 2, fp: 1, tn: 2, fn: 1, alertRate: 0.5 });
    expect(t.ppv).toBeCloseTo(2 / 3, 12);
    expect(t.npv).toBeCloseTo(2 / 3, 12);
    expect(chooseThreshold(y, p, { by: 'sensitivity', min: 1 }).threshold).toBe(0.4);
    expect(chooseThreshold(y, p, { by: 'youden' }).threshold).toBe(0.7); // J = 2/3 at 0.7 and at 0.4: the tie goes to fewer alerts
    expect(chooseThreshold(y, p, { by: 'specificity', min: 1 }).threshold).toBe(0.7);
    expect(allOperatingPoints(y, p)).toHaveLength(6);
    const roc = rocCurve(y, p);
    expect(roc[0]).toMatchObject({ x: 0, y: 0 });
    expect(roc[roc.length - 1]).toMatchObject({ x: 1, y: 1 });
    expect(prCurve(y, p)[0]).toMatchObject({ x: 1 / 3, y: 1 });
  });
});

describe('bootstrap', () => {
  it('is seeded, stratified and brackets the estimate', () => {
    const a = clinicalBootstrap(Y, P, { replicates: 300, seed: 11, threshold: 0.4 });
    const b = clinicalBootstrap(Y, P, { replicates: 300, seed: 11, threshold: 0.4 });
    expect(a).toEqual(b);
    expect(a.auroc.estimate).toBeCloseTo(0.7802197802197802, 14);
    expect(a.auroc.lo).toBeLessThan(a.auroc.estimate);
    expect(a.auroc.hi).toBeGreaterThan(a.auroc.estimate);
    // The bootstrap SE of the AUROC is close to DeLong's (both estimate the same sampling SD).
    expect(a.auroc.se).toBeGreaterThan(0.6 * delongAuc(Y, P).se);
    expect(a.auroc.se).toBeLessThan(1.4 * delongAuc(Y, P).se);
    for (const k of ['auprc', 'brier', 'calibrationSlope', 'sensitivity', 'specificity'])
      expect(a[k].replicates).toBe(300);
  });

  it('the mean of a known distribution: percentile CI covers it', () => {
    const rng = new Rng(5);
    const y = Float64Array.from({ length: 400 }, () => (rng.uniform() < 0.3 ? 1 : 0));
    const r = bootstrapCI(
      y,
      y,
      { prevalence: (yy) => yy.reduce((s, v) => s + v, 0) / yy.length },
      { replicates: 200, stratified: false, seed: 2 },
    );
    expect(r.prevalence.lo).toBeLessThan(r.prevalence.estimate);
    // SD of a proportion: sqrt(p(1−p)/n)
    const pr = r.prevalence.estimate;
    expect(r.prevalence.se).toBeCloseTo(Math.sqrt((pr * (1 - pr)) / 400), 2);
  });
});

describe('subgroups', () => {
  it('computes per-group rates, gaps and flags small groups', () => {
    const y = [1, 1, 0, 0, 1, 0, 0, 0, 1, 0];
    const p = [0.9, 0.4, 0.6, 0.2, 0.8, 0.7, 0.1, 0.3, 0.6, 0.1];
    const g = ['F', 'F', 'F', 'F', 'M', 'M', 'M', 'M', 'X', null];
    const r = subgroupMetrics(y, p, g, 'sex', { threshold: 0.5, minSize: 4, minEvents: 1 });
    const F = r.rows.find((x) => x.group === 'F')!;
    const M = r.rows.find((x) => x.group === 'M')!;
    expect(F).toMatchObject({ n: 4, events: 2, tpr: 0.5, fpr: 0.5, alertRate: 0.5, tooSmall: false });
    expect(M).toMatchObject({ n: 4, events: 1, tpr: 1, alertRate: 0.5, tooSmall: false });
    expect(M.fpr).toBeCloseTo(1 / 3, 12);
    expect(r.rows.find((x) => x.group === 'X')!.tooSmall).toBe(true);
    expect(r.rows.find((x) => x.group === '(missing)')!.n).toBe(1);
    expect(r.tprGap).toBeCloseTo(0.5, 12);
    expect(r.fprGap).toBeCloseTo(0.5 - 1 / 3, 12);
    expect(r.equalizedOddsDifference).toBeCloseTo(0.5, 12);
    expect(r.demographicParityDifference).toBeCloseTo(0, 12);
    expect(F.auroc).toBeCloseTo(auroc([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.2]), 12);
  });
});
