/** Cleaning steps, pipelines, specs and reports: expected values counted by hand. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Frame, categoricalColumn, getColumn, makeFrame, numericColumn } from '../core/index.js';
import { mean, std } from '../compute/index.js';
import {
  ColumnTransformer,
  Deduplicate,
  type FittedPipeline,
  OneHotEncoder,
  Pipeline,
  Scaler,
  SimpleImputer,
  UnitHarmoniser,
  applyCleaning,
  fittedFromJSON,
  formatCleaningReport,
  pipelineFromSpec,
  validatePipeline,
} from './index.js';

const N = Number.NaN;
function values(f: Frame, name: string): number[] {
  const c = getColumn(f, name);
  if (c.kind === 'categorical') return Array.from(c.codes, (k) => (k < 0 ? N : Number(c.dictionary[k])));
  return Array.from(c.values);
}
function strings(f: Frame, name: string): Array<string | null> {
  const c = getColumn(f, name);
  if (c.kind !== 'categorical') throw new Error('numeric');
  return Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k]));
}

// mrn 1 appears at rows 0, 2, 4 (row 2 most complete); mrn 2 at rows 1, 3; mrn 3 at row 5.
const patients = (): Frame =>
  makeFrame(
    [
      categoricalColumn('mrn', ['1', '2', '1', '2', '1', '3']),
      numericColumn('age', [50, 60, 50, N, N, 70]),
      numericColumn('bmi', [N, 25, 30, 26, N, 22]),
    ],
    { mrn: 'id' },
  );

describe('Deduplicate', () => {
  it('keep first / last / most_complete by key (hand-counted)', () => {
    const run = (keep: 'first' | 'last' | 'most_complete') =>
      new Deduplicate({ keys: ['mrn'], keep }).fit(patients()).transformWithReport(patients());
    const first = run('first');
    expect(strings(first.frame, 'mrn')).toEqual(['1', '2', '3']);
    expect(values(first.frame, 'age')).toEqual([50, 60, 70]);
    expect(first.report.dropped.map((d) => [d.row, d.keptRow, d.key])).toEqual([
      [2, 0, 'mrn=1'],
      [3, 1, 'mrn=2'],
      [4, 0, 'mrn=1'],
    ]);
    const last = run('last');
    expect(values(last.frame, 'bmi')).toEqual([26, N, 22]); // rows 3, 4, 5 in original order
    expect(strings(last.frame, 'mrn')).toEqual(['2', '1', '3']);
    const complete = run('most_complete');
    expect(values(complete.frame, 'bmi')).toEqual([25, 30, 22]); // rows 1, 2, 5
    expect(complete.report.dropped.map((d) => d.row)).toEqual([0, 3, 4]);
  });
  it('exact duplicate rows, NaN equal to NaN', () => {
    const f = makeFrame([numericColumn('x', [1, 1, N, N, 1]), numericColumn('y', [2, 2, 3, 3, 3])]);
    const out = new Deduplicate().fit(f).transform(f);
    expect(values(out, 'x')).toEqual([1, N, 1]);
    expect(values(out, 'y')).toEqual([2, 3, 3]);
  });
  it('is the identity in predict mode', () => {
    const fitted = new Deduplicate({ keys: ['mrn'] }).fit(patients());
    const f = patients();
    expect(fitted.transform(f, { mode: 'predict' })).toBe(f);
  });
});

describe('UnitHarmoniser (UCUM)', () => {
  it('glucose 100 mg/dL → 5.5507 mmol/L; unconvertible units reported', () => {
    const f = makeFrame([
      numericColumn('glucose', [100, 5.5507, 90, 7, N]),
      categoricalColumn('glucose_unit', ['mg/dL', 'mmol/L', 'furlong', null, 'mg/dL']),
    ]);
    const r = new UnitHarmoniser({ column: 'glucose', unitColumn: 'glucose_unit', to: 'mmol/L' })
      .fit(f)
      .transformWithReport(f);
    const g = values(r.frame, 'glucose');
    // 100 mg/dL / 180.156 g/mol · 10 dL/L = 5.55074 mmol/L (hand: 1000/180.156)
    expect(g[0]).toBeCloseTo(1000 / 180.156, 10);
    expect(g[0]).toBeCloseTo(5.5507, 4);
    expect(g[1]).toBe(5.5507);
    expect(Number.isNaN(g[2]) && Number.isNaN(g[3]) && Number.isNaN(g[4])).toBe(true);
    expect(strings(r.frame, 'glucose_unit')).toEqual(['mmol/L', 'mmol/L', 'furlong', null, 'mmol/L']);
    expect(r.report.columns.glucose).toEqual({ converted: 1, unconvertible: 2, setMissing: 2 });
    expect(r.report.errors.map((e) => e.row)).toEqual([2, 3]);
    const back = new UnitHarmoniser({ column: 'glucose', unitColumn: 'glucose_unit', to: 'mg/dL' })
      .fit(f)
      .transform(f);
    expect(values(back, 'glucose')[1]).toBeCloseTo(100, 2);
  });
  it('temperature (affine) and a bad target unit', () => {
    const f = makeFrame([numericColumn('temp', [98.6, 37]), categoricalColumn('u', ['[degF]', 'Cel'])]);
    const out = new UnitHarmoniser({ column: 'temp', unitColumn: 'u', to: 'Cel' }).fit(f).transform(f);
    expect(values(out, 'temp')[0]).toBeCloseTo(37, 10);
    expect(values(out, 'temp')[1]).toBe(37);
    expect(() => new UnitHarmoniser({ column: 'temp', unitColumn: 'u', to: 'bogus' }).fit(f)).toThrow(
      expect.objectContaining({ code: 'AEGLE_TRANSFORM_UNIT' }),
    );
  });
});

const SPEC = `
steps:
  - dedupe: { keys: [mrn], keep: most_complete }
  - units: { column: glucose, unitColumn: glucose_unit, to: mg/dL }
  - outliers: { method: clinical, action: set_missing }
  - impute: { strategy: median, indicators: true }
  - scale: { method: standard, columns: [age, bmi] }
  - onehot: { columns: [smoking], handleUnknown: ignore }
`;
// rows: 0..6; mrn 1 twice (rows 0, 3; row 3 more complete), bmi 500 outlier at row 4,
// glucose in mmol/L at row 1, unknown unit at row 5.
const cohort = (): Frame =>
  makeFrame(
    [
      categoricalColumn('mrn', ['1', '2', '3', '1', '4', '5', '6']),
      numericColumn('age', [40, 50, N, 40, 60, 70, 80]),
      numericColumn('bmi', [N, 22, 24, 26, 500, 30, 28]),
      numericColumn('glucose', [90, 5, 110, 95, 100, 120, 130]),
      categoricalColumn('glucose_unit', ['mg/dL', 'mmol/L', 'mg/dL', 'mg/dL', 'mg/dL', 'xyz', 'mg/dL']),
      categoricalColumn('smoking', ['never', 'current', null, 'never', 'former', 'never', 'current']),
    ],
    { mrn: 'id' },
  );

describe('spec → pipeline → applyCleaning', () => {
  it('report counts equal a hand count; every drop and change accounted for', () => {
    const { frame, report, fitted } = applyCleaning(cohort(), SPEC);
    expect(report.rowsIn).toBe(7);
    expect(report.rowsOut).toBe(6);
    expect(report.dropped).toEqual([
      { step: 'dedupe', row: 0, keptRow: 3, key: 'mrn=1', reason: 'duplicate (keep most_complete)' },
    ]);
    const byStep = Object.fromEntries(report.steps.map((s) => [s.step, s]));
    // units: row 1 converted (5 mmol/L), row 5 unconvertible → missing; rows refer to the input frame
    expect(byStep.units.columns.glucose).toEqual({ converted: 1, unconvertible: 1, setMissing: 1 });
    expect(report.errors.map((e) => [e.step, e.row])).toEqual([['units', 5]]);
    // outliers: bmi 500 (row 4) outside 10–100; glucose 5 mmol/L = 90.08 mg/dL fine; age fine
    expect(byStep.outliers.columns.bmi).toEqual({ setMissing: 1 });
    expect(byStep.outliers.columns.age).toEqual({ setMissing: 0 });
    // impute: age missing at row 2; bmi missing at row 4 (outlier); glucose missing at row 5
    expect(byStep.impute.columns.age).toEqual({ imputed: 1 });
    expect(byStep.impute.columns.bmi).toEqual({ imputed: 1 });
    expect(byStep.impute.columns.glucose).toEqual({ imputed: 1 });
    expect(byStep.impute.added).toEqual(['age_missing', 'bmi_missing', 'glucose_missing']);
    expect(byStep.onehot.added).toEqual([
      'smoking_current',
      'smoking_former',
      'smoking_never',
      'smoking_nan',
    ]);
    expect(frame.columns.map((c) => c.name)).toEqual([
      'mrn',
      'age',
      'bmi',
      'glucose',
      'glucose_unit',
      'smoking_current',
      'smoking_former',
      'smoking_never',
      'smoking_nan',
      'age_missing',
      'bmi_missing',
      'glucose_missing',
    ]);
    // glucose 5 mmol/L → 5 · 180.156 / 10 mg/dL
    expect(values(frame, 'glucose')[0]).toBeCloseTo(90.078, 3);
    // scaled columns: mean 0, population SD 1
    expect(mean(values(frame, 'age'))).toBeCloseTo(0, 12);
    expect(std(values(frame, 'age'), 0)).toBeCloseTo(1, 12);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const text = formatCleaningReport(report);
    expect(text).toContain('7 rows in, 6 rows out (1 dropped)');
    expect(text).toContain('row 0 dropped: duplicate (keep most_complete), kept row 3 [mrn=1]');
    expect(text).toContain('! row 5 glucose');
    // predict mode: no rows dropped, same fitted transform
    const pred = fitted.run(cohort(), { mode: 'predict' });
    expect(pred.frame.nRows).toBe(7);
    expect(pred.report.steps[0].skipped).toBe(true);
  });

  it('serialised fitted pipeline gives bit-identical output', () => {
    const { fitted } = applyCleaning(cohort(), SPEC);
    const restored = fittedFromJSON(JSON.stringify(fitted.toJSON())) as FittedPipeline;
    const a = fitted.transform(cohort(), { mode: 'predict' });
    const b = restored.transform(cohort(), { mode: 'predict' });
    expect(b.columns.map((c) => c.name)).toEqual(a.columns.map((c) => c.name));
    for (const c of a.columns) {
      const d = getColumn(b, c.name);
      const x = c.kind === 'categorical' ? c.codes : c.values;
      const y = d.kind === 'categorical' ? d.codes : d.values;
      expect(new Uint8Array(y.buffer)).toEqual(new Uint8Array(x.buffer));
    }
  });

  it('validation errors name the step, key and column, before any work', () => {
    expect(() => pipelineFromSpec(SPEC.replace('action: set_missing', 'action: remove'))).toThrow(
      "steps[2].outliers.action must be one of clip|set_missing|drop_row. Got 'remove'.",
    );
    expect(() => pipelineFromSpec('steps:\n  - impute: { strategy: avg }')).toThrow(
      "steps[0].impute.strategy must be one of mean|median|most_frequent|constant. Got 'avg'.",
    );
    expect(() => pipelineFromSpec('steps:\n  - impute: { stratgy: mean }')).toThrow(
      "steps[0].impute key 'stratgy'",
    );
    expect(() => pipelineFromSpec('steps:\n  - imputer: {}')).toThrow('steps[0] kind must be one of');
    expect(() => pipelineFromSpec('steps: []')).toThrow('steps must be a non-empty list');
    const bad = pipelineFromSpec(SPEC.replace('columns: [age, bmi]', 'columns: [age, bmii]'));
    expect(() => validatePipeline(bad, cohort())).toThrow("Column 'bmii' not found (steps[4].scale.columns)");
    // onehot of a column removed earlier is caught by the simulated schema (nothing was fitted)
    const twice = pipelineFromSpec(
      'steps:\n  - onehot: { columns: [smoking] }\n  - onehot: { columns: [smoking] }',
    );
    expect(() => applyCleaning(cohort(), twice)).toThrow(
      "Column 'smoking' not found (steps[1].onehot.columns)",
    );
  });

  it('drop_row outliers: dropped in clean mode, skipped in predict mode', () => {
    const spec = { steps: [{ outliers: { method: 'clinical', action: 'drop_row', columns: ['bmi'] } }] };
    const { frame, report, fitted } = applyCleaning(cohort(), spec);
    expect(frame.nRows).toBe(6);
    expect(report.dropped).toEqual([
      { step: 'outliers', row: 4, reason: 'outlier: bmi=500 outside [10, 100]' },
    ]);
    expect(fitted.transform(cohort(), { mode: 'predict' }).nRows).toBe(7);
  });

  it('row indices of later drops refer to the original frame', () => {
    const spec = {
      steps: [
        { dedupe: { keys: ['mrn'] } },
        { outliers: { method: 'clinical', action: 'drop_row', columns: ['bmi'] } },
      ],
    };
    const { report } = applyCleaning(cohort(), spec);
    expect(report.dropped.map((d) => [d.step, d.row])).toEqual([
      ['dedupe', 3],
      ['outliers', 4],
    ]);
  });
});

describe('Pipeline and ColumnTransformer', () => {
  it('withParams clones with step.param addressing', () => {
    const p = new Pipeline([
      ['impute', new SimpleImputer()],
      ['scale', new Scaler()],
    ]);
    const q = p.withParams({ 'impute.strategy': 'median' });
    expect(p.params['impute.strategy']).toBeUndefined();
    expect(q.params['impute.strategy']).toBe('median');
    expect(() => p.withParams({ 'nope.x': 1 })).toThrow(
      expect.objectContaining({ code: 'AEGLE_CORE_INVALID_PARAM' }),
    );
  });
  it('ColumnTransformer: transformer order then remainder; serialises', () => {
    const ct = new ColumnTransformer(
      [
        [
          'num',
          new Pipeline([
            ['impute', new SimpleImputer({ strategy: 'median' })],
            ['scale', new Scaler()],
          ]),
          ['age', 'bmi'],
        ],
        ['cat', new OneHotEncoder({ missing: 'zeros' }), ['smoking']],
      ],
      { remainder: 'drop' },
    );
    const f = cohort();
    const fitted = ct.fit(f);
    const out = fitted.transform(f);
    expect(out.columns.map((c) => c.name)).toEqual([
      'age',
      'bmi',
      'smoking_current',
      'smoking_former',
      'smoking_never',
    ]);
    expect(mean(values(out, 'bmi'))).toBeCloseTo(0, 12);
    const again = fittedFromJSON(fitted.toJSON()).transform(f);
    expect(values(again, 'bmi')).toEqual(values(out, 'bmi'));
    expect(ct.withParams({ 'num.impute.strategy': 'mean' }).params['num.impute.strategy']).toBe('mean');
    expect(() => new ColumnTransformer([['d', new Deduplicate(), ['mrn']]]).fit(f)).toThrow(
      expect.objectContaining({ code: 'AEGLE_TRANSFORM_ROW_DROP_NOT_ALLOWED' }),
    );
  });
});

describe('real data: UCI heart failure clinical records', () => {
  it('impute + standard scale gives mean ≈ 0 and SD ≈ 1', () => {
    const file = path.resolve(
      import.meta.dirname,
      '../../../shared/data/tabular/uci-heart-failure-clinical-records.csv',
    );
    const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
    const header = lines[0].split(',');
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    // punch some holes so the imputer has work: every 7th value of every column
    const cols = header.map((h, j) =>
      numericColumn(
        h,
        rows.map((r, i) => ((i + j) % 7 === 0 ? N : r[j])),
      ),
    );
    const f = makeFrame(cols, { DEATH_EVENT: 'target' });
    const p = new Pipeline([
      ['impute', new SimpleImputer({ strategy: 'median' })],
      ['scale', new Scaler()],
    ]);
    const { frame, pipelineReport } = p.fitTransform(f);
    expect(frame.nRows).toBe(299);
    for (const h of header) {
      const x = values(frame, h);
      // the target column is excluded by its role: left untouched, holes included
      expect(x.some(Number.isNaN)).toBe(h === 'DEATH_EVENT');
      if (h === 'DEATH_EVENT') continue;
      expect(Math.abs(mean(x))).toBeLessThan(1e-12);
      expect(std(x, 0)).toBeCloseTo(1, 12);
    }
    expect(pipelineReport.steps[0].columns.age.imputed).toBe(43); // rows i with i % 7 == 0 → 43 of 299
  });
});
