/**
 * Every metric against scikit-learn 1.2.1 on the same vectors. The vectors and reference values
 * were written once by `/usr/bin/python3 bench/train/make_references.py` into
 * src/learn/testdata/references.json (y_score rounded to 0.1, so there are many ties).
 */
import { describe, expect, it } from 'vitest';
import { REFS } from '../learn/testdata/refs.js';
import {
  accuracy,
  auroc,
  aurocOvr,
  averagePrecision,
  balancedAccuracy,
  binaryCounts,
  binaryLogLoss,
  brier,
  computeMetrics,
  confusionMatrix,
  f1,
  f1Macro,
  logLoss,
  mae,
  npv,
  ppv,
  r2,
  rmse,
  sensitivity,
  specificity,
} from './metrics.js';

const M = REFS.metrics;
const yt = Float64Array.from(M.y_true as number[]);
const ys = Float64Array.from(M.y_score as number[]);
const yp = ys.map((s) => (s >= 0.5 ? 1 : 0));

describe('binary metrics = scikit-learn', () => {
  const c = binaryCounts(yt, yp);
  it.each([
    ['accuracy', () => accuracy(yt, yp), M.accuracy],
    ['balanced accuracy', () => balancedAccuracy(yt, yp), M.balanced_accuracy],
    ['sensitivity (recall)', () => sensitivity(c), M.recall],
    ['specificity', () => specificity(c), M.specificity],
    ['PPV (precision)', () => ppv(c), M.precision],
    ['NPV', () => npv(c), M.npv],
    ['F1', () => f1(c), M.f1],
    ['AUROC (ties)', () => auroc(yt, ys), M.auroc],
    ['average precision (ties)', () => averagePrecision(yt, ys), M.average_precision],
    ['log loss', () => binaryLogLoss(yt, ys), M.log_loss],
    ['Brier', () => brier(yt, ys), M.brier],
    ['weighted AUROC', () => auroc(yt, ys, M.sw), M.auroc_w],
    ['weighted average precision', () => averagePrecision(yt, ys, M.sw), M.ap_w],
  ] as Array<[string, () => number, number]>)('%s', (_name, f, want) => {
    expect(f()).toBeCloseTo(want, 12);
  });
  it('confusion matrix', () => {
    expect(confusionMatrix(yt, yp)).toEqual(M.confusion);
  });
  it('computeMetrics gives the same numbers by name', () => {
    const proba = new Float64Array(2 * yt.length);
    ys.forEach((s, i) => {
      proba[2 * i] = 1 - s;
      proba[2 * i + 1] = s;
    });
    const got = computeMetrics('binary', yt, proba, [
      'auroc',
      'auprc',
      'sensitivity',
      'specificity',
      'brier',
      'log_loss',
    ]);
    expect(got.auroc).toBeCloseTo(M.auroc, 12);
    expect(got.auprc).toBeCloseTo(M.average_precision, 12);
    expect(got.sensitivity).toBeCloseTo(M.recall, 12);
    expect(got.specificity).toBeCloseTo(M.specificity, 12);
    expect(got.log_loss).toBeCloseTo(M.log_loss, 12);
  });
  it('AUROC with one class is a coded error', () => {
    expect(() => auroc([1, 1], [0.2, 0.3])).toThrow(
      expect.objectContaining({ code: 'AEGLE_EVALUATE_ONE_CLASS' }),
    );
  });
});

describe('multiclass and regression metrics = scikit-learn', () => {
  const MM = REFS.metrics_multi;
  const y = Float64Array.from(MM.y_true as number[]);
  const P = Float64Array.from((MM.proba as number[][]).flat());
  it('one-vs-rest AUROC (macro, weighted), log loss, accuracy, balanced accuracy, macro F1', () => {
    expect(aurocOvr(y, P, 3, 'macro')).toBeCloseTo(MM.macro, 12);
    expect(aurocOvr(y, P, 3, 'weighted')).toBeCloseTo(MM.weighted, 12);
    expect(logLoss(y, P, 3)).toBeCloseTo(MM.log_loss, 12);
    const got = computeMetrics('multiclass', y, P, ['accuracy', 'balanced_accuracy', 'f1']);
    expect(got.accuracy).toBeCloseTo(MM.accuracy, 12);
    expect(got.balanced_accuracy).toBeCloseTo(MM.balanced_accuracy, 12);
    expect(got.f1).toBeCloseTo(MM.f1_macro, 12);
    const pred = Float64Array.from({ length: y.length }, (_, i) =>
      [0, 1, 2].reduce((b, k) => (P[i * 3 + k] > P[i * 3 + b] ? k : b), 0),
    );
    expect(f1Macro(y, pred, 3)).toBeCloseTo(MM.f1_macro, 12);
  });
  it('MAE, RMSE, R²', () => {
    const R = REFS.metrics_reg;
    expect(mae(R.y_true, R.y_pred)).toBeCloseTo(R.mae, 12);
    expect(rmse(R.y_true, R.y_pred)).toBeCloseTo(R.rmse, 12);
    expect(r2(R.y_true, R.y_pred)).toBeCloseTo(R.r2, 12);
  });
  it('unknown metric names fail with the spec path', () => {
    expect(() => computeMetrics('regression', y, P, ['auroc'])).toThrow(
      /metrics must be a list of regression metrics \(mae\|rmse\|r2\)\. Got 'auroc'\./,
    );
  });
});
