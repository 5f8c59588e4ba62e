/**
 * Outputs checked against scikit-learn 1.2.1 / NumPy 1.24.2. The reference numbers below were produced
 * once by running, with /usr/bin/python3:
 *
 *   X = np.array([[1, 5], [nan, 6], [3, nan], [10, 8], [4, 100], [2, 7]])
 *   StandardScaler().fit_transform(X); MinMaxScaler()…; RobustScaler()…
 *   SimpleImputer(strategy=s).fit_transform(X) for s in mean, median, most_frequent
 *   SimpleImputer(strategy='median', add_indicator=True).fit_transform(X)
 *   C = [['x'],['y'],[None],['x'],['z'],['y']]
 *   OneHotEncoder(handle_unknown='ignore', sparse_output=False).fit(C).transform(C)   (and on [['w'],['z']])
 *   OneHotEncoder(drop='first', sparse_output=False).fit(C).transform(C)
 *   np.percentile(x, [25, 75]) → Q1 − 1.5·IQR, Q3 + 1.5·IQR per column (NaN removed)
 *
 * (columns listed column by column; null = NaN). No Python runs in these tests.
 */
import { describe, expect, it } from 'vitest';
import { type Frame, categoricalColumn, getColumn, makeFrame, numericColumn } from '../core/index.js';
import { quantiles } from '../compute/index.js';
import {
  type FittedOutliers,
  OneHotEncoder,
  OrdinalEncoder,
  OutlierHandler,
  Scaler,
  SimpleImputer,
  fastQuantile,
  fittedFromJSON,
  LogTransform,
} from './index.js';

const N = Number.NaN;
const frameX = (): Frame =>
  makeFrame([numericColumn('a', [1, N, 3, 10, 4, 2]), numericColumn('b', [5, 6, N, 8, 100, 7])]);

function values(f: Frame, name: string): number[] {
  const c = getColumn(f, name);
  if (c.kind === 'categorical') throw new Error('categorical');
  return Array.from(c.values);
}
function expectClose(got: number[], want: Array<number | null>, digits = 14): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i];
    if (w === null) expect(Number.isNaN(g)).toBe(true);
    else expect(g).toBeCloseTo(w, digits);
  });
}

const SK = {
  standard: [
    [-0.9486832980505138, null, -0.31622776601683794, 1.8973665961010275, 0.0, -0.6324555320336759],
    [
      -0.5399139889885382,
      -0.5131855736920758,
      null,
      -0.4597287430991513,
      1.9992854641753788,
      -0.48645715839561354,
    ],
  ],
  minmax: [
    [0.0, null, 0.2222222222222222, 1.0, 0.3333333333333333, 0.1111111111111111],
    [0.0, 0.01052631578947369, null, 0.031578947368421054, 1.0, 0.021052631578947364],
  ],
  robust: [
    [-1.0, null, 0.0, 3.5, 0.5, -0.5],
    [-1.0, -0.5, null, 0.5, 46.5, 0.0],
  ],
  mean: [
    [1.0, 4.0, 3.0, 10.0, 4.0, 2.0],
    [5.0, 6.0, 25.2, 8.0, 100.0, 7.0],
  ],
  median: [
    [1.0, 3.0, 3.0, 10.0, 4.0, 2.0],
    [5.0, 6.0, 7.0, 8.0, 100.0, 7.0],
  ],
  most_frequent: [
    [1.0, 1.0, 3.0, 10.0, 4.0, 2.0],
    [5.0, 6.0, 5.0, 8.0, 100.0, 7.0],
  ],
} as const;

describe('scalers equal scikit-learn', () => {
  for (const method of ['standard', 'minmax', 'robust'] as const) {
    it(method, () => {
      const out = new Scaler({ method }).fit(frameX()).transform(frameX());
      expectClose(values(out, 'a'), [...SK[method][0]]);
      expectClose(values(out, 'b'), [...SK[method][1]]);
    });
  }
});

describe('SimpleImputer equals scikit-learn', () => {
  for (const strategy of ['mean', 'median', 'most_frequent'] as const) {
    it(strategy, () => {
      const out = new SimpleImputer({ strategy }).fit(frameX()).transform(frameX());
      expectClose(values(out, 'a'), [...SK[strategy][0]]);
      expectClose(values(out, 'b'), [...SK[strategy][1]]);
    });
  }
  it('median with indicators (add_indicator=True)', () => {
    const out = new SimpleImputer({ strategy: 'median', indicators: true }).fit(frameX()).transform(frameX());
    expect(out.columns.map((c) => c.name)).toEqual(['a', 'b', 'a_missing', 'b_missing']);
    expectClose(values(out, 'a_missing'), [0, 1, 0, 0, 0, 0]);
    expectClose(values(out, 'b_missing'), [0, 0, 1, 0, 0, 0]);
  });
  it('constant and categorical most_frequent / constant', () => {
    const f = makeFrame([numericColumn('a', [1, N]), categoricalColumn('s', ['y', null])]);
    const c = new SimpleImputer({ strategy: 'constant', fillValue: -1, columns: ['a'] }).fit(f).transform(f);
    expectClose(values(c, 'a'), [1, -1]);
    const g = makeFrame([categoricalColumn('s', ['y', 'x', 'y', null, 'x'])]);
    const mf = new SimpleImputer({ strategy: 'most_frequent' }).fit(g).transform(g);
    const s = getColumn(mf, 's');
    // tie x:2, y:2 → the smallest ('x'), as sklearn
    expect(s.kind === 'categorical' && s.dictionary[s.codes[3]]).toBe('x');
    const k = new SimpleImputer({ strategy: 'constant' }).fit(g).transform(g);
    const sk = getColumn(k, 's');
    expect(sk.kind === 'categorical' && sk.dictionary[sk.codes[3]]).toBe('missing_value');
  });
});

describe('OneHotEncoder equals scikit-learn', () => {
  // biome-ignore lint/correctness/noComponentHookFactories: a test fixture factory, not a React component
  const C = () => makeFrame([categoricalColumn('c', ['x', 'y', null, 'x', 'z', 'y'])]);
  it('categories, missing as its own category, handleUnknown ignore', () => {
    const fitted = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(C());
    const out = fitted.transform(C());
    // sklearn names the None category c_None (c_nan for np.nan); Aegle always uses <col>_nan
    expect(out.columns.map((c) => c.name)).toEqual(['c_x', 'c_y', 'c_z', 'c_nan']);
    expectClose(values(out, 'c_x'), [1, 0, 0, 1, 0, 0]);
    expectClose(values(out, 'c_y'), [0, 1, 0, 0, 0, 1]);
    expectClose(values(out, 'c_z'), [0, 0, 0, 0, 1, 0]);
    expectClose(values(out, 'c_nan'), [0, 0, 1, 0, 0, 0]);
    const unk = fitted.transform(makeFrame([categoricalColumn('c', ['w', 'z'])]));
    expectClose(values(unk, 'c_x'), [0, 0]);
    expectClose(values(unk, 'c_z'), [0, 1]);
    expectClose(values(unk, 'c_nan'), [0, 0]);
  });
  it("drop: 'first'", () => {
    const out = new OneHotEncoder({ drop: 'first' }).fit(C()).transform(C());
    expect(out.columns.map((c) => c.name)).toEqual(['c_y', 'c_z', 'c_nan']);
    expectClose(values(out, 'c_y'), [0, 1, 0, 0, 0, 1]);
  });
  it("missing: 'zeros' and handleUnknown: 'error'", () => {
    const fitted = new OneHotEncoder({ missing: 'zeros' }).fit(C());
    const out = fitted.transform(C());
    expect(out.columns.map((c) => c.name)).toEqual(['c_x', 'c_y', 'c_z']);
    expectClose(values(out, 'c_x'), [1, 0, 0, 1, 0, 0]);
    expect(() => fitted.transform(makeFrame([categoricalColumn('c', ['w'])]))).toThrow(
      expect.objectContaining({ code: 'AEGLE_TRANSFORM_UNKNOWN_CATEGORY' }),
    );
  });
  it('maps by level name, not code, when the predict-time dictionary differs', () => {
    const fitted = new OneHotEncoder().fit(C());
    const out = fitted.transform(
      makeFrame([categoricalColumn('c', ['z', 'a_unused_later', 'x'].slice(0, 1).concat(['x']))]),
    );
    expectClose(values(out, 'c_z'), [1, 0]);
    expectClose(values(out, 'c_x'), [0, 1]);
  });
  it('ordinal encoder', () => {
    const out = new OrdinalEncoder().fit(C()).transform(C());
    expectClose(values(out, 'c'), [0, 1, null, 0, 2, 1]);
  });
});

describe('outliers', () => {
  it('IQR bounds equal NumPy percentile-based ones', () => {
    const f = new OutlierHandler({ method: 'iqr' }).fit(frameX()) as FittedOutliers;
    // np.percentile(…,[25,75]) → a: [-1, 7], b: [3, 11]
    expect(f.lower).toEqual([-1, 3]);
    expect(f.upper).toEqual([7, 11]);
    const out = f.transform(frameX());
    expectClose(values(out, 'a'), [1, null, 3, 7, 4, 2]);
    expectClose(values(out, 'b'), [5, 6, null, 8, 11, 7]);
  });
  it('z-score bounds are mean ± 3·SD (population)', () => {
    const f = new OutlierHandler({ method: 'zscore', threshold: 1, action: 'set_missing' }).fit(
      frameX(),
    ) as FittedOutliers;
    // a present = 1,3,10,4,2: mean 4, population SD sqrt(10) (hand computed)
    expect(f.lower[0]).toBeCloseTo(4 - Math.sqrt(10), 14);
    expect(f.upper[0]).toBeCloseTo(4 + Math.sqrt(10), 14);
    expectClose(values(f.transform(frameX()), 'a'), [1, null, 3, null, 4, 2]);
  });
  it('clinical ranges with per-column override', () => {
    const f = makeFrame([
      numericColumn('sbp', [120, 400, 40]),
      numericColumn('age', [30, 130, -1]),
      numericColumn('other', [1e9, 0, 0]),
    ]);
    const out = new OutlierHandler({ method: 'clinical', ranges: { age: [18, 100] } }).fit(f).transform(f);
    expectClose(values(out, 'sbp'), [120, 300, 50]);
    expectClose(values(out, 'age'), [30, 100, 18]);
    expectClose(values(out, 'other'), [1e9, 0, 0]);
  });
});

describe('kernels and log', () => {
  it('quickselect quantiles equal the sort-based ones bit for bit', () => {
    const x = Float64Array.from({ length: 10001 }, (_, i) => (i % 7 === 0 ? N : Math.sin(i) * 1000));
    for (const q of [0, 0.1, 0.25, 0.5, 0.75, 0.999, 1])
      expect(fastQuantile(x, q)).toBe(quantiles(x, [q])[0]);
    const even = Float64Array.from([4, 1, 3, 2]);
    expect(fastQuantile(even, 0.5)).toBe(2.5);
  });
  it('log / log1p; out-of-domain values become missing', () => {
    const f = makeFrame([numericColumn('x', [1, Math.E, 0, -0.5, N])]);
    expectClose(values(new LogTransform().fit(f).transform(f), 'x'), [0, 1, null, null, null]);
    expectClose(values(new LogTransform({ log1p: true }).fit(f).transform(f), 'x'), [
      Math.log(2),
      Math.log1p(Math.E),
      0,
      Math.log(0.5),
      null,
    ]);
  });
});

describe('contract', () => {
  it('fit does not mutate its input; refit forgets; JSON round trip is bit-identical', () => {
    const f = frameX();
    const before = values(f, 'a');
    const spec = new Scaler({ method: 'standard' });
    const first = spec.fit(f);
    first.transform(f);
    expect(values(f, 'a')).toEqual(before);
    const other = makeFrame([numericColumn('a', [100, 200]), numericColumn('b', [1, 2])]);
    const second = spec.fit(other);
    expectClose(values(second.transform(other), 'a'), [-1, 1]);
    expect(values(first.transform(f), 'a')).toEqual(values(spec.fit(f).transform(f), 'a'));
    for (const t of [
      spec,
      new SimpleImputer({ strategy: 'median', indicators: true }),
      new OutlierHandler(),
      new Scaler({ method: 'robust' }),
    ]) {
      const fitted = t.fit(f);
      const restored = fittedFromJSON(JSON.parse(JSON.stringify(fitted.toJSON())));
      const a = fitted.transform(f);
      const b = restored.transform(f);
      for (const c of a.columns)
        expect(new Uint8Array((getColumn(b, c.name) as { values: Float64Array }).values.buffer)).toEqual(
          new Uint8Array((c as { values: Float64Array }).values.buffer),
        );
    }
  });
  it('param validation says what was expected and what came', () => {
    expect(() => new SimpleImputer({ strategy: 'avg' as never }).fit(frameX())).toThrow(
      "The 'strategy' parameter of SimpleImputer must be one of mean|median|most_frequent|constant. Got 'avg'.",
    );
    expect(() => new Scaler({ columns: ['nope'] }).fit(frameX())).toThrow(
      expect.objectContaining({ code: 'AEGLE_CORE_COLUMN_NOT_FOUND' }),
    );
    expect(() => new OneHotEncoder({ columns: ['a'] }).fit(frameX())).toThrow(
      expect.objectContaining({ code: 'AEGLE_TRANSFORM_COLUMN_KIND' }),
    );
  });
  it('role columns are excluded by default', () => {
    const f = makeFrame([numericColumn('x', [1, 2, 3]), numericColumn('y', [0, 1, 0])], { y: 'target' });
    const out = new Scaler().fit(f).transform(f);
    expect(values(out, 'y')).toEqual([0, 1, 0]);
  });
});
