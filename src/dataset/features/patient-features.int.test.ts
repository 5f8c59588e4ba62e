/**
 * Train/serve parity: the in-memory feature row the service builds from one patient's resources
 * (fhir/patient-features.ts) equals the DuckDB feature builder's row for that patient, column by
 * column, on the synthetic cohort — so a model scores at the point of care what it was trained on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cellValue, getColumn } from '../../core/index.js';
import { featureColumns, parseFeatureSpec, patientFeatures } from '../../fhir/index.js';
import { ingestFhir } from '../../ingest/index.js';
import { DuckStore, ensureCatalog } from '../../store/index.js';
import { cohortResources, generateCohort, NO_DEFECTS, writeCohortFhir } from '../../synth/index.js';
import { buildFeatures } from './build.js';

const INDEX = '2023-01-01';
const spec = parseFeatureSpec({
  source: 'c',
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
      stats: ['last', 'mean', 'count'],
      lookbackDays: 730,
    },
    { kind: 'observation', name: 'sbp', loinc: ['8480-6'], stats: ['max'], lookbackDays: 365 },
    { kind: 'condition', name: 'hypertension', codes: [{ system: 'icd10', prefixes: ['I10'] }] },
    {
      kind: 'condition',
      name: 'prediabetes',
      codes: [{ system: 'icd10', codes: ['R73.03'] }],
      lookbackDays: 365,
    },
  ],
  outcome: {
    name: 'diabetes_1y',
    codes: [{ system: 'icd10', prefixes: ['E11'] }],
    windowDays: 365,
    excludePrior: false,
  },
});

let db: DuckStore;
let dir: string;
const cohort = generateCohort({ patients: 250, seed: 5, defects: NO_DEFECTS });
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'aegle-parity-'));
  await writeCohortFhir(cohort, path.join(dir, 'cohort'), { format: 'ndjson' });
  db = await DuckStore.create({ path: ':memory:' });
  await ensureCatalog(db);
  expect((await ingestFhir(db, [path.join(dir, 'cohort')], { name: 'c' })).errors).toEqual([]);
}, 60_000);
afterAll(() => {
  db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('patientFeatures equals the DuckDB builder for every patient and every feature column', async () => {
  const { frame } = await buildFeatures(db, spec);
  const ids = getColumn(frame, 'patient_id');
  const rowOf = new Map<string, number>();
  for (let i = 0; i < frame.nRows; i++) rowOf.set(String(cellValue(ids, i)), i);
  const columns = spec.features.flatMap(featureColumns);
  const indexMs = Date.parse(`${INDEX}T00:00:00Z`);
  let compared = 0;
  let withLabs = 0;
  for (const { patientId, resources } of cohortResources(cohort)) {
    const r = rowOf.get(patientId);
    if (r === undefined) continue; // not alive/born at the index
    const pf = patientFeatures(
      resources.map((resource) => ({ resource })),
      spec,
      { indexMs },
    );
    if ('missing' in pf) throw new Error(`no patient ${patientId}`);
    if ((pf.values.hba1c_count as number) > 0) withLabs++;
    for (const c of columns) {
      const want = cellValue(getColumn(frame, c), r);
      const got = pf.values[c];
      if (typeof want === 'number' && Number.isFinite(want)) {
        expect(got, `${patientId} ${c}`).toBeTypeOf('number');
        expect(Math.abs((got as number) - want), `${patientId} ${c}: ${got} vs ${want}`).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(want)),
        );
      } else if (typeof want === 'string') expect(got, `${patientId} ${c}`).toBe(want);
      else expect(got, `${patientId} ${c}`).toBeNull();
      compared++;
    }
    // basis: the patient, plus one Observation per lab value that fed a feature
    expect(pf.basis[0]).toBe(`Patient/${patientId}`);
  }
  expect(compared).toBeGreaterThan(200 * columns.length);
  expect(withLabs).toBeGreaterThan(50);
});

it('reads nothing after the index time', () => {
  const [{ resources }] = [...cohortResources(cohort)]
    .filter((p) => p.resources.some((r) => r.resourceType === 'Observation'))
    .slice(0, 1);
  const obs = resources.filter((r) => r.resourceType === 'Observation');
  const last = Math.max(...obs.map((o) => Date.parse(String(o.effectiveDateTime))));
  const at = (ms: number) =>
    patientFeatures(
      resources.map((resource) => ({ resource })),
      spec,
      { indexMs: ms },
    );
  const before = at(last - 1);
  const after = at(last);
  if ('missing' in before || 'missing' in after) throw new Error('no patient');
  expect(after.basis.length).toBeGreaterThan(before.basis.length);
  expect(before.basis.every((b) => after.basis.includes(b))).toBe(true);
});
