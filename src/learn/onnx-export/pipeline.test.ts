import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { categoricalColumn, type Frame, makeFrame, numericColumn, Rng } from '../../core/index.js';
import { loadArtifact, predictFrame, writeArtifact } from '../../registry/index.js';
import { OneHotEncoder, Pipeline, Scaler, SimpleImputer } from '../../transform/index.js';
import { modelKind } from '../registry.js';
import '../index.js';
import '../gbdt/gbdt.js';
import '../forest.js';
import { exportPipelineToOnnx } from './index.js';

/** Rows with missing values (numeric NaN, text null) and a categorical column. */
function clinicalFrame(n: number, seed: number): { frame: Frame; y: Float64Array } {
  const rng = new Rng(seed);
  const age: number[] = [];
  const sbp: number[] = [];
  const lactate: number[] = [];
  const unit: (string | null)[] = [];
  const y = new Float64Array(n);
  const units = ['icu', 'ward', 'ed'];
  for (let i = 0; i < n; i++) {
    const a = 20 + 70 * rng.uniform();
    const s = 90 + 60 * rng.uniform();
    const l = Math.abs(1 + 2 * rng.normal());
    const u = units[Math.floor(rng.uniform() * 3)];
    const z =
      0.04 * (a - 55) - 0.02 * (s - 120) + 0.6 * (l - 2) + (u === 'icu' ? 0.8 : 0) + 0.5 * rng.normal();
    y[i] = z > 0 ? 1 : 0;
    age.push(a);
    sbp.push(rng.uniform() < 0.1 ? Number.NaN : s);
    lactate.push(rng.uniform() < 0.15 ? Number.NaN : l);
    unit.push(rng.uniform() < 0.05 ? null : u);
  }
  return {
    frame: makeFrame([
      numericColumn('age', age),
      numericColumn('sbp', sbp),
      numericColumn('lactate', lactate),
      categoricalColumn('unit', unit),
    ]),
    y,
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('ONNX export with the fitted preprocessing pipeline', () => {
  for (const kind of ['logistic', 'gbdt', 'mlp'] as const) {
    it(`${kind}: impute (+indicators) → scale → one-hot in the graph; agrees with native ≤ 1e-5`, async () => {
      const { frame, y } = clinicalFrame(400, kind.length);
      const pipe = new Pipeline([
        ['impute', new SimpleImputer({ strategy: 'median', indicators: true })],
        ['scale', new Scaler({ columns: ['age', 'sbp', 'lactate'] })],
        ['onehot', new OneHotEncoder({ columns: ['unit'], handleUnknown: 'ignore' })],
      ]).fit(frame, { mode: 'predict' });
      const t = pipe.transform(frame, { mode: 'predict' });
      const names = t.columns.map((c) => c.name);
      const data = new Float64Array(t.nRows * names.length);
      t.columns.forEach((c, j) => {
        data.set((c as { values: Float64Array }).values, j * t.nRows);
      });
      const params =
        kind === 'gbdt' ? { nEstimators: 20 } : kind === 'mlp' ? { hiddenLayerSizes: [8], maxIter: 50 } : {};
      const model = await modelKind(kind)
        .create(params)
        .fit({ data, nRows: t.nRows, nCols: names.length, columns: names }, y, {
          task: 'binary',
          classes: ['0', '1'],
        });
      const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'aegle-exp-')), 'a');
      dirs.push(path.dirname(dir));
      writeArtifact(dir, {
        model,
        pipeline: pipe,
        trainingFrame: makeFrame([...frame.columns, numericColumn('outcome', y)]),
        target: 'outcome',
      });
      const a = loadArtifact(dir);
      // fresh rows, with a category never seen at training
      const test = clinicalFrame(120, 99).frame;
      const unitCol = test.columns[3] as unknown as { codes: Int32Array; dictionary: string[] };
      const native = predictFrame(a, test);
      const bytes = exportPipelineToOnnx(
        a.model.toJSON(),
        a.manifest.pipeline,
        a.manifest.inputSchema.features,
      );
      const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
      const n = test.nRows;
      const X = new Float64Array(n * 3);
      for (let j = 0; j < 3; j++) {
        const v = (test.columns[j] as { values: Float64Array }).values;
        for (let i = 0; i < n; i++) X[i * 3 + j] = v[i];
      }
      const units = Array.from(unitCol.codes, (c, i) =>
        i === 7 ? 'hdu' : c < 0 ? '' : unitCol.dictionary[c],
      );
      const out = await s.run({
        X: new ort.Tensor('float64', X, [n, 3]),
        unit: new ort.Tensor('string', units, [n, 1]),
      });
      await s.release();
      // row 7 carries an unseen category in ONNX: score it natively the same way
      const unseen = predictFrame(
        a,
        makeFrame([
          ...test.columns
            .slice(0, 3)
            .map((c) => numericColumn(c.name, [(c as { values: Float64Array }).values[7]])),
          categoricalColumn('unit', ['hdu']),
        ]),
      );
      const proba = out.probabilities.data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < n; i++) {
        const ref = i === 7 ? unseen.proba![1] : native.proba![2 * i + 1];
        maxDiff = Math.max(maxDiff, Math.abs(proba[2 * i + 1] - ref));
      }
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
    });
  }

  it('refuses a step it cannot express, naming it', () => {
    const { frame, y } = clinicalFrame(50, 3);
    expect(() =>
      exportPipelineToOnnx(
        {
          kind: 'logistic',
          task: 'binary',
          featureNames: ['age'],
          classes: ['0', '1'],
          params: {},
          state: {},
          arrays: {},
        } as never,
        { format: 'aegle.transform', version: 1, kind: 'log', params: {}, state: { columns: ['age'] } },
        [{ name: 'age', type: 'numeric' }],
      ),
    ).toThrow();
    expect(y.length).toBe(frame.nRows);
  });
});
