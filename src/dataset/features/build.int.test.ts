import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CategoricalColumn,
  cellValue,
  type Frame,
  getColumn,
  type NumericColumn,
} from '../../core/index.js';
import { parseFeatureSpec } from '../../fhir/index.js';
import { ingestFhir } from '../../ingest/index.js';
import { DuckStore, ensureCatalog } from '../../store/index.js';
import { generateCohort, NO_DEFECTS, writeCohortFhir } from '../../synth/index.js';
import { buildFeatures, saveFeatures } from './build.js';

const INDEX = '2023-01-01';
const DAY = 86_400_000;
const spec = (source: string) =>
  parseFeatureSpec({
    source,
    index: { kind: 'date', date: INDEX },
    features: [
      { kind: 'age' },
      { kind: 'sex' },
      {
        kind: 'observation',
        name: 'hba1c',
        loinc: ['4548-4'],
        stats: ['last', 'mean', 'min', 'max', 'count', 'slope'],
        lookbackDays: 730,
      },
      {
        kind: 'observation',
        name: 'glucose',
        loinc: ['2345-7', '14749-6'],
        unit: 'mg/dL',
        stats: ['last', 'count'],
        lookbackDays: 730,
      },
      { kind: 'condition', name: 'hypertension', codes: [{ system: 'icd10', prefixes: ['I10'] }] },
      { kind: 'condition', name: 'ckd', codes: [{ system: 'icd10', prefixes: ['N18'] }] },
    ],
    outcome: { name: 'diabetes_1y', codes: [{ system: 'icd10', prefixes: ['E11'] }], windowDays: 365 },
  });

const num = (f: Frame, n: string) => (getColumn(f, n) as NumericColumn).values;
const rowOf = (f: Frame, id: string) => {
  const c = getColumn(f, 'patient_id') as CategoricalColumn;
  for (let i = 0; i < f.nRows; i++) if (cellValue(c, i) === id) return i;
  return -1;
};
const withoutOutcome = (f: Frame) => f.columns.filter((c) => c.name !== 'diabetes_1y');

describe('feature builder on the synthetic cohort as FHIR', () => {
  let db: DuckStore;
  let dir: string;
  const cohort = generateCohort({ patients: 300, seed: 11, defects: NO_DEFECTS });
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aegle-feat-'));
    await writeCohortFhir(cohort, path.join(dir, 'cohort'), { format: 'ndjson' });
    db = await DuckStore.create({ path: ':memory:' });
    await ensureCatalog(db);
    const r = await ingestFhir(db, [path.join(dir, 'cohort')], { name: 'c' });
    expect(r.errors).toEqual([]);
  });
  afterAll(() => db.close());

  it('computes last/mean/min/max/count/slope within the look-back, as a hand computation does', async () => {
    const { frame } = await buildFeatures(db, spec('c'));
    const obs = cohort.tables.observations;
    const pid = getColumn(obs, 'patient_id') as CategoricalColumn;
    const code = getColumn(obs, 'loinc') as CategoricalColumn;
    const date = (getColumn(obs, 'date') as NumericColumn).values;
    const value = (getColumn(obs, 'value') as NumericColumn).values;
    const idx = Date.parse(`${INDEX}T00:00:00Z`);
    let checked = 0;
    for (let p = 0; p < 300 && checked < 25; p++) {
      const id = String(cellValue(getColumn(cohort.truth.clean, 'patient_id'), p));
      const pts: Array<[number, number]> = [];
      for (let i = 0; i < obs.nRows; i++) {
        if (cellValue(pid, i) !== id || cellValue(code, i) !== '4548-4') continue;
        if (date[i] <= idx && date[i] > idx - 730 * DAY) pts.push([date[i], value[i]]);
      }
      const r = rowOf(frame, id);
      if (r < 0) continue; // excluded: diabetes before the index
      expect(num(frame, 'hba1c_count')[r]).toBe(pts.length);
      if (pts.length < 2) continue;
      pts.sort((a, b) => a[0] - b[0]);
      const ys = pts.map((x) => x[1]);
      const xs = pts.map((x) => x[0] / (365.25 * DAY));
      const mx = xs.reduce((a, b) => a + b) / xs.length;
      const my = ys.reduce((a, b) => a + b) / ys.length;
      const slope =
        xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
      expect(num(frame, 'hba1c_last')[r]).toBe(ys[ys.length - 1]);
      expect(num(frame, 'hba1c_mean')[r]).toBeCloseTo(my, 10);
      expect(num(frame, 'hba1c_min')[r]).toBe(Math.min(...ys));
      expect(num(frame, 'hba1c_max')[r]).toBe(Math.max(...ys));
      expect(num(frame, 'hba1c_slope')[r]).toBeCloseTo(slope, 6);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
    expect(frame.roles).toMatchObject({ patient_id: 'id', diabetes_1y: 'target', index_date: 'time' });
    // glucose pooled from mg/dL and mmol/L codes: every value lands in a physiological mg/dL range
    const g = num(frame, 'glucose_last').filter((x) => !Number.isNaN(x));
    expect(g.length).toBeGreaterThan(50);
    expect(Math.min(...g)).toBeGreaterThan(40);
  });

  it('lets nothing after the index date reach a feature (planted future events change only the outcome)', async () => {
    const base = await buildFeatures(db, spec('c'));
    const outcome = num(base.frame, 'diabetes_1y');
    const r = outcome.indexOf(0);
    const id = String(cellValue(getColumn(base.frame, 'patient_id'), r));
    const idx = Date.parse(`${INDEX}T00:00:00Z`);
    const at = (d: number) => new Date(idx + d * DAY).toISOString();
    const planted = [
      {
        resourceType: 'Observation',
        id: 'future-a1c',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
        subject: { reference: `Patient/${id}` },
        effectiveDateTime: at(1),
        valueQuantity: { value: 14, system: 'http://unitsofmeasure.org', code: '%' },
      },
      {
        resourceType: 'Observation',
        id: 'future-glu',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '14749-6' }] },
        subject: { reference: `Patient/${id}` },
        effectiveDateTime: at(0.001),
        valueQuantity: { value: 30, system: 'http://unitsofmeasure.org', code: 'mmol/L' },
      },
      {
        resourceType: 'Condition',
        id: 'future-htn',
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] },
        subject: { reference: `Patient/${id}` },
        onsetDateTime: at(2),
      },
      {
        resourceType: 'Condition',
        id: 'future-dm',
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }] },
        subject: { reference: `Patient/${id}` },
        onsetDateTime: at(30),
      },
    ];
    writeFileSync(path.join(dir, 'planted.ndjson'), planted.map((p) => JSON.stringify(p)).join('\n'));
    await ingestFhir(db, [path.join(dir, 'cohort'), path.join(dir, 'planted.ndjson')], { name: 'p' });
    const after = await buildFeatures(db, spec('p'));
    expect(after.frame.nRows).toBe(base.frame.nRows);
    expect(withoutOutcome(after.frame)).toEqual(withoutOutcome(base.frame));
    expect(num(after.frame, 'diabetes_1y')[r]).toBe(1);
    expect(num(after.frame, 'diabetes_1y').reduce((a, b) => a + b, 0)).toBe(
      outcome.reduce((a, b) => a + b, 0) + 1,
    );
  });

  it('saves the table as a dataset version with id and target roles', async () => {
    const saved = await saveFeatures(db, spec('c'), 'c_features');
    expect(saved.dataset.roles).toMatchObject({ patient_id: 'id', diabetes_1y: 'target' });
    expect(saved.dataset.rows).toBeGreaterThan(200);
    expect((await saveFeatures(db, spec('c'), 'c_features')).unchanged).toBe(true);
  });
});
