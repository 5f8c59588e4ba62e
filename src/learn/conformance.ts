/**
 * The estimator conformance suite (scikit-learn's `check_estimator`, made vitest): every model kind
 * registered with `registerModelKind` must pass it. Call it from a test file:
 *
 * @example
 * ```ts
 * // src/learn/my-model.test.ts
 * import './my-model.js';                       // registers the kind
 * import { runConformance } from './conformance.js';
 * import { writeArtifact, loadArtifact } from '../registry/index.js'; // optional: full artifact trip
 * runConformance('my-model', {
 *   makeData: (seed) => ({ X, y }),              // a small problem; the seed varies the rows
 *   params: { maxIter: 20 },                     // fast settings used for every fit
 * });
 * ```
 *
 * Checks: defaults resolve; params are kept verbatim (and frozen); `withParams` clones; refitting
 * forgets the first fit; the same seed gives identical output; inputs are not mutated; a
 * serialise → `weights.bin` pack/unpack → load round trip (and, with `artifactRoundTrip`, the real
 * artifact writer/reader) gives bit-identical predictions; a feature-count mismatch throws
 * AEGLE_LEARN_FEATURE_MISMATCH; an out-of-range parameter throws AEGLE_CORE_INVALID_PARAM with a
 * STYLE rule-5 message; probabilities are n × K rows summing to 1; an aborted signal rejects with
 * AEGLE_CORE_ABORTED.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, type ParamDef, resolveParams } from '../core/index.js';
import type { FittedModel, SerializedModel, Task } from './estimator.js';
import { loadFittedModel, modelKind } from './registry.js';
import { packArrays, unpackArrays } from './weights.js';

export interface ConformanceData {
  readonly X: Matrix;
  readonly y: Float64Array;
  readonly task?: Task;
  readonly classes?: readonly string[];
}

export interface ConformanceOptions {
  /** A small problem; different seeds must give different rows (used by the refit check). */
  readonly makeData: (seed: number) => ConformanceData;
  /** Params for every fit (keep them fast). */
  readonly params?: Record<string, unknown>;
  /** The parameter to break and its bad value; default: the first numeric param with a bound, just outside it. */
  readonly badParam?: { readonly name: string; readonly value: unknown };
  /** Label appended to the suite name (when a kind runs the suite per task). */
  readonly label?: string;
  /** Optional full round trip through the artifact writer/reader (the registry layer supplies it). */
  readonly artifactRoundTrip?: (model: FittedModel) => Promise<FittedModel>;
}

/** Bit pattern comparison of two Float64Arrays (NaN-safe, −0 ≠ +0). */
export function expectBitIdentical(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  let firstDiff = -1;
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) {
      firstDiff = Math.floor(i / 8);
      break;
    }
  }
  expect(firstDiff === -1 ? 'identical' : `differs at ${firstDiff}: ${a[firstDiff]} vs ${b[firstDiff]}`).toBe(
    'identical',
  );
}

/** The default broken parameter: a bounded number just outside its range, else an enum with a bad value. */
function defaultBadParam(schema: Readonly<Record<string, ParamDef>>): { name: string; value: unknown } {
  for (const [name, d] of Object.entries(schema)) {
    if (d.type === 'number' && d.min !== undefined)
      return { name, value: d.exclusiveMin ? d.min : d.min - 1 };
    if (d.type === 'number' && d.max !== undefined) return { name, value: d.max + 1 };
  }
  for (const [name, d] of Object.entries(schema))
    if (d.type === 'enum') return { name, value: '__not_a_choice__' };
  return { name: Object.keys(schema)[0], value: Symbol('bad') };
}

/** Serialises a model the way an artifact stores it (JSON text + packed little-endian arrays) and loads it back. */
export function weightsRoundTrip(m: FittedModel): FittedModel {
  const s = m.toJSON();
  const { buffer, entries } = packArrays(s.arrays);
  const json = JSON.parse(JSON.stringify({ ...s, arrays: undefined }));
  const restored: SerializedModel = {
    ...json,
    arrays: unpackArrays(Uint8Array.from(buffer), JSON.parse(JSON.stringify(entries))),
  };
  return loadFittedModel(restored);
}

function fitArgs(d: ConformanceData) {
  return { task: d.task, classes: d.classes };
}

function outputs(m: FittedModel, X: Matrix): Float64Array[] {
  const out = [m.predict(X)];
  if (m.task !== 'regression') out.push(m.predictProba(X));
  return out;
}

/** Registers the conformance tests for a model kind (call at the top level of a test file). */
export function runConformance(kindName: string, opts: ConformanceOptions): void {
  const params = opts.params ?? {};
  describe(`conformance: ${kindName}${opts.label ? ` (${opts.label})` : ''}`, () => {
    const kind = () => modelKind(kindName);
    const data = opts.makeData(1);

    it('defaults build and describe every parameter', () => {
      const k = kind();
      const est = k.create();
      expect(est.kind).toBe(kindName);
      expect(() => resolveParams('x', k.schema, {})).not.toThrow();
      for (const [name, d] of Object.entries(k.schema)) {
        expect(typeof d.description, `description of ${name}`).toBe('string');
        expect(d.description.length, `description of ${name}`).toBeGreaterThan(3);
      }
      expect(k.tasks.length).toBeGreaterThan(0);
    });

    it('keeps params verbatim and never shares them', () => {
      const given = structuredClone(params);
      const est = kind().create(given);
      expect(est.params).toEqual(params);
      (given as Record<string, unknown>).__added = 1;
      expect(est.params).toEqual(params);
      expect(Object.isFrozen(est.params)).toBe(true);
    });

    it('withParams returns a new estimator and leaves the original alone', () => {
      const k = kind();
      const est = k.create(params);
      const [name, def] = Object.entries(k.schema)[0];
      const clone = est.withParams({ [name]: def.default });
      expect(clone).not.toBe(est);
      expect(clone.kind).toBe(kindName);
      expect((clone.params as Record<string, unknown>)[name]).toEqual(def.default);
      expect(est.params).toEqual(params);
      expect(est.withParams({}).params).toEqual(est.params);
    });

    it('the same seed and data give identical output', async () => {
      const est = kind().create(params);
      const a = await est.fit(data.X, data.y, fitArgs(data));
      const b = await kind().create(params).fit(data.X, data.y, fitArgs(data));
      const oa = outputs(a, data.X);
      const ob = outputs(b, data.X);
      for (let i = 0; i < oa.length; i++) expectBitIdentical(oa[i], ob[i]);
    });

    it('refitting forgets the first fit', async () => {
      const other = opts.makeData(2);
      const est = kind().create(params);
      await est.fit(other.X, other.y, fitArgs(other));
      const second = await est.fit(data.X, data.y, fitArgs(data));
      const fresh = await kind().create(params).fit(data.X, data.y, fitArgs(data));
      const os = outputs(second, data.X);
      const of = outputs(fresh, data.X);
      for (let i = 0; i < os.length; i++) expectBitIdentical(os[i], of[i]);
    });

    it('does not mutate its inputs', async () => {
      const X0 = data.X.data.slice();
      const y0 = data.y.slice();
      const m = await kind().create(params).fit(data.X, data.y, fitArgs(data));
      outputs(m, data.X);
      expectBitIdentical(data.X.data, X0);
      expectBitIdentical(data.y, y0);
    });

    it('serialise → weights.bin → load gives bit-identical predictions', async () => {
      const m = await kind().create(params).fit(data.X, data.y, fitArgs(data));
      const back = weightsRoundTrip(m);
      expect(back.kind).toBe(kindName);
      expect(back.task).toBe(m.task);
      expect(back.featureNames).toEqual(m.featureNames);
      expect(back.classes).toEqual(m.classes);
      const test = opts.makeData(3).X;
      const om = outputs(m, test);
      const ob = outputs(back, test);
      for (let i = 0; i < om.length; i++) expectBitIdentical(om[i], ob[i]);
      if (opts.artifactRoundTrip) {
        const viaArtifact = await opts.artifactRoundTrip(m);
        const oa = outputs(viaArtifact, test);
        for (let i = 0; i < om.length; i++) expectBitIdentical(om[i], oa[i]);
      }
    });

    it('rejects a feature-count mismatch with AEGLE_LEARN_FEATURE_MISMATCH', async () => {
      const m = await kind().create(params).fit(data.X, data.y, fitArgs(data));
      const { X } = data;
      const wider: Matrix = {
        data: new Float64Array(X.nRows * (X.nCols + 1)),
        nRows: X.nRows,
        nCols: X.nCols + 1,
        columns: [...X.columns, 'extra'],
      };
      wider.data.set(X.data);
      expect(() => m.predict(wider)).toThrow(
        expect.objectContaining({ code: 'AEGLE_LEARN_FEATURE_MISMATCH' }),
      );
      if (m.task !== 'regression')
        expect(() => m.predictProba(wider)).toThrow(
          expect.objectContaining({ code: 'AEGLE_LEARN_FEATURE_MISMATCH' }),
        );
    });

    it('rejects an out-of-range parameter with AEGLE_CORE_INVALID_PARAM and a rule-5 message', async () => {
      const k = kind();
      const bad = opts.badParam ?? defaultBadParam(k.schema);
      let error: unknown;
      try {
        await k.create({ ...params, [bad.name]: bad.value }).fit(data.X, data.y, fitArgs(data));
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'AEGLE_CORE_INVALID_PARAM' });
      expect((error as Error).message).toMatch(
        new RegExp(`^The '${bad.name}' parameter of \\S+ must be .+\\. Got .+\\.$`),
      );
    });

    it('gives n × K probabilities that sum to 1 (classifiers) and n outputs', async () => {
      const m = await kind().create(params).fit(data.X, data.y, fitArgs(data));
      const pred = m.predict(data.X);
      expect(pred.length).toBe(data.X.nRows);
      if (m.task === 'regression') {
        expect(() => m.predictProba(data.X)).toThrow();
        return;
      }
      const K = m.classes!.length;
      const proba = m.predictProba(data.X);
      expect(proba.length).toBe(data.X.nRows * K);
      for (let i = 0; i < data.X.nRows; i++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          expect(proba[i * K + k]).toBeGreaterThanOrEqual(0);
          s += proba[i * K + k];
        }
        expect(Math.abs(s - 1)).toBeLessThan(1e-9);
        expect(Number.isInteger(pred[i]) && pred[i] >= 0 && pred[i] < K).toBe(true);
      }
    });

    it('rejects with AEGLE_CORE_ABORTED when the signal is aborted', async () => {
      const ac = new AbortController();
      ac.abort();
      await expect(
        kind()
          .create(params)
          .fit(data.X, data.y, { ...fitArgs(data), signal: ac.signal }),
      ).rejects.toMatchObject({
        code: 'AEGLE_CORE_ABORTED',
      });
    });
  });
}
