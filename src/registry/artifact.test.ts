import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { takeRows } from '../core/index.js';
import {
  fitModelPipeline,
  holdoutSplit,
  inferTarget,
  predictModelPipeline,
  targetVector,
} from '../evaluate/index.js';
import { heartDiseaseFrame } from '../evaluate/testdata.js';
import { expectBitIdentical, runConformance } from '../learn/conformance.js';
import { modelKinds } from '../learn/index.js';
import '../learn/index.js';
import { binaryProblem, regressionProblem } from '../learn/testdata/synthetic.js';
import { pipelineFromSpec } from '../transform/index.js';
import {
  ARTIFACT_FORMAT_VERSION,
  columnsInOrder,
  loadArtifact,
  predictFrame,
  writeArtifact,
} from './artifact.js';
import { makeFrame, numericColumn } from '../core/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'aegle-artifact-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** Writes a bare model (no pipeline) as an artifact and loads it back. */
async function viaArtifact(model: import('../learn/index.js').FittedModel) {
  const cols = model.featureNames.map((n) => numericColumn(n, [0, 1]));
  const dir = path.join(root, `rt-${counter++}`);
  writeArtifact(dir, { model, pipeline: null, trainingFrame: makeFrame(cols), target: '__none__' });
  return loadArtifact(dir).model;
}

// The artifact writer/reader leg of the conformance suite, for every estimator of this folder.
runConformance('logistic', {
  makeData: (s) => binaryProblem(s),
  params: { C: 0.3 },
  artifactRoundTrip: viaArtifact,
  label: 'artifact',
});
runConformance('mlp', {
  makeData: (s) => binaryProblem(s),
  params: { hiddenLayerSizes: [5], maxIter: 5 },
  artifactRoundTrip: viaArtifact,
  label: 'artifact',
});

describe('model artifact', () => {
  it('every registered kind round-trips through weights.bin bit-identically', async () => {
    const kinds = modelKinds();
    expect(kinds.map((k) => k.kind)).toEqual(
      expect.arrayContaining(['knn', 'linear', 'logistic', 'mlp', 'naive-bayes']),
    );
    for (const k of kinds) {
      const regression = !k.tasks.includes('binary');
      const { X, y } = regression ? regressionProblem(1) : binaryProblem(1);
      const small = k.kind === 'mlp' ? { maxIter: 5, hiddenLayerSizes: [4] } : {};
      const m = await k.create(small).fit(X, y, { task: regression ? 'regression' : 'binary' });
      const back = await viaArtifact(m);
      expectBitIdentical(m.predict(X), back.predict(X));
      if (!regression) expectBitIdentical(m.predictProba(X), back.predictProba(X));
    }
  });

  it('stores schema, ranges, pipeline, lineage and profile; predictFrame applies the exact pipeline', async () => {
    const frame = heartDiseaseFrame();
    const info = inferTarget(frame, 'disease', ['binary']);
    const split = holdoutSplit(frame.nRows, {
      testSize: 0.3,
      stratify: targetVector(frame, 'disease', info),
      seed: 1,
    });
    const train = takeRows(frame, split.train);
    const spec = {
      preprocess: pipelineFromSpec({ steps: [{ impute: { strategy: 'median' } }, { scale: {} }] }),
      estimator: (await import('../learn/index.js')).modelKind('logistic').create({}),
      target: 'disease',
    };
    const fitted = await fitModelPipeline(spec, train, info);
    const dir = path.join(root, 'heart');
    const manifest = writeArtifact(dir, {
      model: fitted.model,
      pipeline: fitted.preprocess,
      trainingFrame: train,
      target: 'disease',
      metrics: { auroc: 0.9 },
      lineage: { dataset: { name: 'heart', version: 'v1', contentHash: 'abc' }, splitSeed: 1 },
    });
    expect(readdirSync(root).filter((f) => f.startsWith('.tmp'))).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'weights.bin']);
    expect(manifest.formatVersion).toBe(ARTIFACT_FORMAT_VERSION);
    const age = manifest.inputSchema.features.find((f) => f.name === 'age')!;
    expect(age).toMatchObject({ type: 'numeric', unit: 'a', range: [0, 120], rangeSource: 'clinical' });
    const oldpeak = manifest.inputSchema.features.find((f) => f.name === 'oldpeak')!;
    expect(oldpeak.rangeSource).toBe('training');
    expect(manifest.inputSchema.features.some((f) => f.name === 'disease')).toBe(false);
    expect(manifest.lineage.codeVersion).toMatch(/^(git:[0-9a-f]{40}|aegle@)/);
    expect(manifest.positiveClass).toBe('1');
    const prof = manifest.profile.ca;
    expect(prof.type).toBe('numeric');
    expect(prof.missing).toBeGreaterThanOrEqual(0);
    if (prof.type === 'numeric')
      expect(prof.counts.reduce((a, b) => a + b, 0) + prof.missing).toBe(train.nRows);

    const loaded = loadArtifact(dir);
    const test = takeRows(frame, split.test);
    const direct = predictModelPipeline(fitted, test);
    const p = predictFrame(loaded, test);
    expectBitIdentical(p.proba!, direct);
    expect(p.predictions.length).toBe(test.nRows);
  });

  it('refuses another major format version, damaged weights, and overwriting', async () => {
    const { X, y } = binaryProblem(2);
    const m = await (await import('../learn/index.js')).modelKind('logistic').create().fit(X, y);
    const dir = path.join(root, 'v');
    writeArtifact(dir, {
      model: m,
      pipeline: null,
      trainingFrame: makeFrame(X.columns.map((n) => numericColumn(n, [0]))),
      target: 't',
    });
    expect(() =>
      writeArtifact(dir, { model: m, pipeline: null, trainingFrame: makeFrame([]), target: 't' }),
    ).toThrow(expect.objectContaining({ code: 'AEGLE_REGISTRY_EXISTS' }));
    const mf = path.join(dir, 'manifest.json');
    const original = readFileSync(mf, 'utf8');
    writeFileSync(
      mf,
      original.replace(`"formatVersion": "${ARTIFACT_FORMAT_VERSION}"`, '"formatVersion": "2.0"'),
    );
    expect(() => loadArtifact(dir)).toThrow(expect.objectContaining({ code: 'AEGLE_CORE_FORMAT_VERSION' }));
    writeFileSync(mf, original);
    const wb = path.join(dir, 'weights.bin');
    const bytes = readFileSync(wb);
    bytes[3] ^= 0xff;
    writeFileSync(wb, bytes);
    expect(() => loadArtifact(dir)).toThrow(expect.objectContaining({ code: 'AEGLE_REGISTRY_DAMAGED' }));
    expect(() => loadArtifact(path.join(root, 'nope'))).toThrow(
      expect.objectContaining({ code: 'AEGLE_REGISTRY_NOT_FOUND' }),
    );
  });
});

describe('columnsInOrder', () => {
  const col = (name: string, v: number) => numericColumn(name, [v]);
  // what `names.map((n) => columns.find((c) => c.name === n))` gives, written out by hand
  it('takes columns by position while they are in order, then by name; the first of a name wins', () => {
    const a = col('a', 1);
    const b = col('b', 2);
    const c = col('c', 3);
    const b2 = col('b', 4);
    expect(columnsInOrder([a, b, c], ['a', 'b', 'c'])).toEqual([a, b, c]);
    // in order from the start, then out of place
    expect(columnsInOrder([a, c, b], ['a', 'b', 'c'])).toEqual([a, b, c]);
    expect(columnsInOrder([c, b, a], ['a', 'b'])).toEqual([a, b]);
    // a name twice in the frame: the first one, whether or not a later one sits at the name's position
    expect(columnsInOrder([b2, b, a], ['a', 'b'])).toEqual([a, b2]);
    expect(columnsInOrder([a, c, b2, b], ['a', 'b', 'c'])).toEqual([a, b2, c]);
    // missing names, and more columns than names
    expect(columnsInOrder([a], ['a', 'b'])).toEqual([a, undefined]);
    expect(columnsInOrder([a, b, c], ['a'])).toEqual([a]);
    expect(columnsInOrder([], ['a'])).toEqual([undefined]);
  });
});
