import { readdirSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckStore, ensureCatalog, listVersions } from '../../store/index.js';
import { ingestFhir } from './ingest-fhir.js';
import { closeFhirParsePool, fhirParsePool } from './parse-pool.js';

const DATA = path.resolve(import.meta.dirname, '../../../../shared/data/fhir');

/** Independent count: a plain walk of the JSON, Bundles and their entries included. */
function countByType(): Record<string, number> {
  const counts: Record<string, number> = {};
  const walk = (r: any) => {
    counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
    if (r.resourceType === 'Bundle') for (const e of r.entry ?? []) if (e.resource) walk(e.resource);
  };
  for (const dir of ['synthea', 'hl7-examples']) {
    for (const f of readdirSync(path.join(DATA, dir)))
      walk(JSON.parse(readFileSync(path.join(DATA, dir, f), 'utf8')));
  }
  for (const f of readdirSync(path.join(DATA, 'bulk-ndjson'))) {
    for (const line of readFileSync(path.join(DATA, 'bulk-ndjson', f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const o = JSON.parse(line);
      if (o.resourceType) walk(o);
    }
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

describe('ingestFhir on every file of ../shared/data/fhir', () => {
  let db: DuckStore;
  let result: Awaited<ReturnType<typeof ingestFhir>>;
  const expected = countByType();
  beforeAll(async () => {
    db = await DuckStore.create({ path: ':memory:' });
    await ensureCatalog(db);
    result = await ingestFhir(
      db,
      [path.join(DATA, 'synthea'), path.join(DATA, 'hl7-examples'), path.join(DATA, 'bulk-ndjson')],
      { name: 'shared' },
    );
  });
  afterAll(() => db.close());

  it('counts every resource read, by type, as a plain JSON walk does', () => {
    expect(result.resources).toEqual(expected);
    expect(expected.Observation).toBeGreaterThan(1000);
    expect(result.errors).toEqual([]);
  });

  it('skips (and counts) exactly the types without a table', () => {
    const mapped = [
      'Patient',
      'Encounter',
      'Observation',
      'Condition',
      'MedicationRequest',
      'MedicationStatement',
      'Procedure',
      'AllergyIntolerance',
      'Immunization',
      'DiagnosticReport',
      'Bundle',
    ];
    const want = Object.fromEntries(Object.entries(expected).filter(([t]) => !mapped.includes(t)));
    expect(result.skipped).toEqual(want);
  });

  it('writes one row per resource, and one per component for panels', async () => {
    const q = async (sql: string) => Number((await db.all<{ n: number }>(sql))[0].n);
    expect(await q('SELECT count(*) n FROM shared_patients')).toBe(expected.Patient);
    expect(await q('SELECT count(DISTINCT condition_id) n FROM shared_conditions')).toBe(expected.Condition);
    expect(await q('SELECT count(*) n FROM shared_encounters')).toBe(expected.Encounter);
    expect(await q('SELECT count(*) n FROM shared_immunizations')).toBe(expected.Immunization);
    expect(await q('SELECT count(DISTINCT observation_id) n FROM shared_observations')).toBe(
      expected.Observation,
    );
    // HL7 blood pressure example: no value of its own, two components → two rows, systolic 107 / diastolic 60
    const bp = await db.all<{ code: string; value: number; component: number }>(
      "SELECT code, value, component FROM shared_observations WHERE observation_id = 'blood-pressure' ORDER BY component",
    );
    expect(bp).toEqual([
      { code: '8480-6', value: 107, component: 0 },
      { code: '8462-4', value: 60, component: 1 },
    ]);
  });

  it('converts quantities to the canonical unit per code with UCUM, keeping the original', async () => {
    const [w] = await db.all<any>(
      "SELECT value, unit, value_original, unit_original, unit_status FROM shared_observations WHERE observation_id = 'example'",
    );
    // 185 [lb_av]; UCUM: 1 [lb_av] = 7000 [gr], 1 [gr] = 64.79891 mg → 0.45359237 kg
    expect(w.unit).toBe('kg');
    expect(w.value).toBeCloseTo(185 * 0.45359237, 10);
    expect([w.value_original, w.unit_original, w.unit_status]).toEqual([185, '[lb_av]', 'converted']);
  });

  it('keeps the creatinine whose unit is a SNOMED CT code, flagged, not converted', async () => {
    const [c] = await db.all<any>(
      "SELECT value, unit, value_original, unit_original, unit_system, unit_status FROM shared_observations WHERE observation_id = 'f204'",
    );
    expect(c).toEqual({
      value: null,
      unit: null,
      value_original: 122,
      unit_original: '258814008',
      unit_system: 'http://snomed.info/sct',
      unit_status: 'not-ucum',
    });
  });

  it('resolves urn:uuid references inside transaction Bundles', async () => {
    const rows = await db.all<{ n: number }>(
      'SELECT count(*) n FROM shared_observations o WHERE o.patient_id IS NULL OR o.patient_id NOT IN (SELECT patient_id FROM shared_patients)',
    );
    // every Synthea observation points at a patient in the import; only HL7 standalone examples may not
    const orphans = await db.all<{ observation_id: string }>(
      'SELECT DISTINCT observation_id FROM shared_observations WHERE patient_id NOT IN (SELECT patient_id FROM shared_patients) AND length(observation_id) > 30',
    );
    expect(orphans).toEqual([]);
    expect(Number(rows[0].n)).toBeLessThan(20);
  });

  it('records every table as a dataset version of one import, and a re-import is a no-op', async () => {
    const names = (await listVersions(db)).map((v) => v.name).sort();
    expect(names).toEqual(
      [
        'allergies',
        'conditions',
        'diagnostic_reports',
        'encounters',
        'immunizations',
        'medications',
        'observations',
        'patients',
        'procedures',
      ].map((t) => `shared_${t}`),
    );
    const again = await ingestFhir(
      db,
      [path.join(DATA, 'synthea'), path.join(DATA, 'hl7-examples'), path.join(DATA, 'bulk-ndjson')],
      { name: 'shared' },
    );
    expect(again.unchanged).toBe(true);
    expect(again.resources).toEqual(expected);
    expect((await listVersions(db)).length).toBe(9);
  });
});

describe('ingestFhir on broken input', () => {
  it('reports a resource that breaks the spec with its id and path, and skips unknown types', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegle-fhir-'));
    const lines = [
      {
        resourceType: 'Observation',
        id: 'abc',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
        valueQuantity: { value: '5.1', unit: 'mg/dL' },
      },
      {
        resourceType: 'Observation',
        id: 'ok',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
        valueQuantity: { value: 5.1, system: 'http://unitsofmeasure.org', code: 'mmol/L' },
      },
      { resourceType: 'Frobnicator', id: 'x' },
    ];
    writeFileSync(
      path.join(dir, 'mixed.ndjson'),
      `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{not json\n`,
    );
    const db = await DuckStore.create({ path: ':memory:' });
    await ensureCatalog(db);
    try {
      const r = await ingestFhir(db, [dir], { name: 'broken' });
      expect(r.resources).toEqual({ Frobnicator: 1, Observation: 2 });
      expect(r.skipped).toEqual({ Frobnicator: 1 });
      expect(r.errors[0]).toBe('Observation/abc: valueQuantity.value must be a number');
      expect(r.errors[1]).toMatch(/^mixed\.ndjson:4: not valid JSON/);
      // glucose 5.1 mmol/L → mg/dL through UCUM with the molar mass 180.156 g/mol: ×18.0156
      const [ok] = await db.all<any>('SELECT value, unit FROM broken_observations');
      expect(ok.unit).toBe('mg/dL');
      expect(ok.value).toBeCloseTo(5.1 * 18.0156, 9);
    } finally {
      db.close();
    }
  });
});

describe('ingestFhir on worker threads', () => {
  afterAll(() => closeFhirParsePool());

  it('writes the same tables, counts and errors as one thread, chunk by chunk', async () => {
    // a code without a canonical unit whose first unit differs between chunks, and broken lines
    const dir = mkdtempSync(path.join(tmpdir(), 'aegle-fhir-'));
    const obs = (i: number, unit: string) =>
      JSON.stringify({
        resourceType: 'Observation',
        id: `o${i}`,
        status: 'final',
        code: { coding: [{ system: 'http://example.org', code: `X${i % 3}` }] },
        subject: { reference: `Patient/p${i % 7}` },
        effectiveDateTime: `2020-01-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
        valueQuantity: { value: i, system: 'http://unitsofmeasure.org', code: unit },
      });
    const lines: string[] = [];
    for (let i = 0; i < 400; i++)
      lines.push(i % 97 === 5 ? '{broken' : obs(i, ['g', 'mg', 'kg'][(i * 7) % 3]));
    writeFileSync(path.join(dir, 'Observation.ndjson'), `${lines.join('\n')}\n`);
    const paths = [path.join(DATA, 'synthea'), path.join(DATA, 'bulk-ndjson'), dir];
    const tables = async (threads: number, chunkBytes: number) => {
      const db = await DuckStore.create({ path: ':memory:' });
      await ensureCatalog(db);
      try {
        const r = await ingestFhir(db, paths, { name: 'w', threads, chunkBytes });
        const rows: Record<string, unknown[]> = {};
        for (const t of Object.keys(r.rows)) rows[t] = await db.all(`SELECT * FROM w_${t}`);
        return { resources: r.resources, skipped: r.skipped, errors: r.errors, rows };
      } finally {
        db.close();
      }
    };
    const one = await tables(1, 1 << 20);
    await fhirParsePool(2).ready(); // so that the workers, not only this thread, map chunks
    const many = await tables(3, 4096);
    expect(one.errors.length).toBe(5);
    expect(one.rows.observations.length).toBeGreaterThan(1000);
    expect(many).toEqual(one);
  });

  it('refuses a thread count or chunk size that is not a positive integer, before reading anything', async () => {
    const db = await DuckStore.create({ path: ':memory:' });
    try {
      await expect(ingestFhir(db, ['/nonexistent'], { name: 'x', threads: 0 })).rejects.toThrow(
        'threads: must be an integer ≥ 1. Got 0.',
      );
      await expect(ingestFhir(db, ['/nonexistent'], { name: 'x', chunkBytes: 1.5 })).rejects.toThrow(
        'chunkBytes: must be an integer ≥ 1. Got 1.5.',
      );
    } finally {
      db.close();
    }
  });
});
