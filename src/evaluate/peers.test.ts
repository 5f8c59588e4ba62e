/**
 * Accuracy beside scikit-learn on real data. The reference run (bench/train/make_references.py,
 * scikit-learn 1.2.1) made a stratified 70/30 split (train_test_split, random_state=0), fitted
 * SimpleImputer(median) → StandardScaler → LogisticRegression(C=1, lbfgs) on the training rows and
 * scored the test rows; its split indices and test AUROC are in references.json. We fit the same
 * pipeline on the same rows.
 */
import { describe, expect, it } from 'vitest';
import { takeRows } from '../core/index.js';
import '../learn/index.js';
import { REFS } from '../learn/testdata/refs.js';
import { pipelineFromSpec } from '../transform/index.js';
import { auroc } from './metrics.js';
import { fitModelPipeline, inferTarget, predictModelPipeline, targetVector } from './model-pipeline.js';
import { buildPipeline, crossValidate, nestedCV, searchCV } from './search.js';
import { stratifiedKFold } from './splits.js';
import { heartDiseaseFrame, heartFailureFrame } from './testdata.js';
import { LogisticRegression, type FittedLogistic } from '../learn/index.js';

const preprocess = { steps: [{ impute: { strategy: 'median' } }, { scale: { method: 'standard' } }] };

describe.each([
  ['heart disease (num > 0)', heartDiseaseFrame, 'disease', REFS.heart_disease],
  ['heart failure (DEATH_EVENT)', heartFailureFrame, 'DEATH_EVENT', REFS.heart_failure],
] as const)('%s', (_name, load, target, ref) => {
  it('logistic regression test AUROC within 0.01 of scikit-learn (same split); coefficients within 1e-4', async () => {
    const frame = load();
    const info = inferTarget(frame, target, ['binary', 'multiclass']);
    expect(info.classes).toEqual(['0', '1']);
    const spec = {
      preprocess: pipelineFromSpec(preprocess),
      estimator: new LogisticRegression({ C: 1 }),
      target,
    };
    const fitted = await fitModelPipeline(spec, takeRows(frame, ref.train), info);
    const test = takeRows(frame, ref.test);
    const proba = predictModelPipeline(fitted, test);
    const score = Float64Array.from({ length: test.nRows }, (_, i) => proba[2 * i + 1]);
    const ours = auroc(targetVector(test, target, info), score);
    expect(Math.abs(ours - ref.auroc)).toBeLessThan(0.01);
    const coef = (fitted.model as FittedLogistic).coef;
    for (let j = 0; j < coef.length; j++) expect(Math.abs(coef[j] - ref.coef[j])).toBeLessThan(1e-4);
  });
});

describe('cross-validation and search (heart failure)', () => {
  const frame = heartFailureFrame();
  const info = inferTarget(frame, 'DEATH_EVENT', ['binary']);
  const y = targetVector(frame, 'DEATH_EVENT', info);
  const folds = stratifiedKFold(y, 4, { seed: 1 });
  const desc = { preprocess, model: { type: 'logistic', params: {} }, target: 'DEATH_EVENT' };

  it('cross-validates with mean ± SD per metric', async () => {
    const cv = await crossValidate(desc, frame, info, folds, ['auroc', 'brier'], { threads: 1 });
    expect(cv.folds).toHaveLength(4);
    expect(cv.mean.auroc).toBeGreaterThan(0.8);
    expect(cv.sd.auroc).toBeGreaterThan(0);
    const m = cv.folds.reduce((s, f) => s + f.auroc, 0) / 4;
    expect(cv.mean.auroc).toBeCloseTo(m, 14);
  });

  it('grid search over model.C and a preprocessing step param; identical on 1 and 2 threads; refits the best', async () => {
    const o = {
      type: 'grid' as const,
      space: { 'model.C': [0.01, 1], 'impute.strategy': ['mean', 'median'] },
      folds,
      metrics: ['auroc', 'log_loss'],
    };
    const serial = await searchCV(desc, frame, info, { ...o, threads: 1 });
    const parallel = await searchCV(desc, frame, info, { ...o, threads: 2, parallelThreshold: 0 });
    expect(serial.candidates).toHaveLength(4);
    expect(parallel.candidates.map((c) => c.folds)).toEqual(serial.candidates.map((c) => c.folds));
    expect(serial.candidates[serial.bestIndex].rank).toBe(1);
    const best = serial.candidates[serial.bestIndex].mean.auroc;
    for (const c of serial.candidates) expect(c.mean.auroc).toBeLessThanOrEqual(best);
    expect(serial.refitted?.model.params.C).toBe(serial.bestParams['model.C']);
  });

  it('random search is seeded; a bad candidate fails before any work with a rule-5 message', async () => {
    const o = {
      type: 'random' as const,
      space: { 'model.C': { loguniform: [0.001, 10] as [number, number] } },
      nIter: 3,
      seed: 4,
      folds,
      metrics: ['auroc'],
      refit: false,
      threads: 1,
    };
    const a = await searchCV(desc, frame, info, o);
    const b = await searchCV(desc, frame, info, o);
    expect(a.candidates.map((c) => c.params)).toEqual(b.candidates.map((c) => c.params));
    await expect(
      searchCV(desc, frame, info, { ...o, type: 'grid', space: { 'model.C': [1, -1] } }),
    ).rejects.toThrow("The 'C' parameter of LogisticRegression must be a number in (0, Infinity). Got -1.");
    expect(() => buildPipeline(desc, { 'imput.strategy': 'mean' })).toThrow(/imput\.strategy/);
  });

  it('nested CV: the search runs inside each outer training fold only', async () => {
    const outer = stratifiedKFold(y, 3, { seed: 2 });
    const seenRows: number[] = [];
    const res = await nestedCV(
      desc,
      frame,
      info,
      outer,
      (train) => {
        seenRows.push(train.nRows);
        return stratifiedKFold(targetVector(train, 'DEATH_EVENT', info), 3, { seed: 1 });
      },
      { type: 'grid', space: { 'model.C': [0.01, 1] }, metrics: ['auroc'], threads: 1 },
    );
    expect(seenRows).toEqual(outer.map((f) => f.train.length));
    expect(res.folds).toHaveLength(3);
    expect(res.chosen).toHaveLength(3);
    for (const c of res.chosen) expect([0.01, 1]).toContain(c['model.C']);
    expect(res.mean.auroc).toBeGreaterThan(0.75);
  });
});
