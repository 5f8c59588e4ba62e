import { describe, expect, it } from 'vitest';
import {
  AegleError,
  Rng,
  categoricalColumn,
  clinicalRangeFor,
  createError,
  frameToMatrix,
  makeFrame,
  matrixFromRows,
  numericColumn,
  takeRows,
} from './index.js';

describe('Rng', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('xoshiro128** core matches the reference implementation for a known state', () => {
    // Reference: Blackman & Vigna's xoshiro128starstar.c (prng.di.unimi.it), compiled with gcc and run
    // with the state s = {1, 2, 3, 4}; its first four outputs are 11520 0 5927040 70819200.
    const r = new Rng(0) as unknown as {
      s0: number;
      s1: number;
      s2: number;
      s3: number;
      nextUint32(): number;
    };
    r.s0 = 1;
    r.s1 = 2;
    r.s2 = 3;
    r.s3 = 4;
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([
      11520, 0, 5927040, 70819200,
    ]);
  });

  it('uniform and normal have the right moments', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let u = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      u += r.uniform();
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.01);
    expect(Math.abs(u / n - 0.5)).toBeLessThan(0.005);
  });

  it('permutation is a permutation', () => {
    const p = new Rng(1).permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('errors', () => {
  it('renders the template with params and keeps code and status', () => {
    const e = createError('AEGLE_CORE_INVALID_PARAM', {
      param: 'maxDepth',
      owner: 'GbdtClassifier',
      expected: 'an integer in [1, 64]',
      got: 0,
    });
    expect(e).toBeInstanceOf(AegleError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('AEGLE_CORE_INVALID_PARAM');
    expect(e.status).toBe(400);
    expect(e.message).toBe(
      "The 'maxDepth' parameter of GbdtClassifier must be an integer in [1, 64]. Got 0.",
    );
  });
});

describe('Frame and Matrix', () => {
  it('builds frames, refuses ragged or duplicate columns, takes rows, converts to column-major matrices', () => {
    const f = makeFrame([numericColumn('a', [1, 2, 3]), categoricalColumn('c', ['y', null, 'x'])], {
      a: 'target',
    });
    expect(f.nRows).toBe(3);
    const c = f.columns[1];
    expect(c.kind === 'categorical' && [Array.from(c.codes), c.dictionary]).toEqual([
      [1, -1, 0],
      ['x', 'y'],
    ]);
    expect(() => makeFrame([numericColumn('a', [1]), numericColumn('b', [1, 2])])).toThrow(
      /Column 'b': expected 1 rows, got 2/,
    );
    expect(() => makeFrame([numericColumn('a', [1]), numericColumn('a', [1])])).toThrow(
      /unique column names/,
    );
    const t = takeRows(f, [2, 0]);
    expect(t.columns[0].kind === 'numeric' && Array.from(t.columns[0].values)).toEqual([3, 1]);
    const m = frameToMatrix(makeFrame([numericColumn('a', [1, 2]), numericColumn('b', [3, 4])]));
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4]);
    expect(
      Array.from(
        matrixFromRows([
          [1, 3],
          [2, 4],
        ]).data,
      ),
    ).toEqual([1, 2, 3, 4]);
    expect(() => frameToMatrix(f)).toThrow(/encode categoricals first/);
  });
});

describe('clinical ranges', () => {
  it('maps common column names to their measurement', () => {
    expect(clinicalRangeFor('SBP')?.key).toBe('sbp');
    expect(clinicalRangeFor('(trestbps)')?.key).toBe('sbp');
    expect(clinicalRangeFor('HbA1c')?.key).toBe('hba1c');
    expect(clinicalRangeFor('glucose')?.altUnit?.unit).toBe('mmol/L');
    expect(clinicalRangeFor('patient_id')).toBeUndefined();
  });
});
