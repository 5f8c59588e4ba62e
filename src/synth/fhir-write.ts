/**
 * writeCohortFhir: the synthetic cohort as FHIR R4 — one transaction Bundle per patient (`urn:uuid:`
 * references, as Synthea writes them) or Bulk Data NDJSON (one file per resource type, `Type/id`
 * references). Patients come from the clean baseline (one per patient); each distinct (patient, visit
 * date) of the observations table becomes an ambulatory Encounter; observations carry LOINC codes and
 * UCUM units; conditions carry ICD-10-CM codes and onset dates.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type CategoricalColumn, type Frame, getColumn, type NumericColumn } from '../core/index.js';
import type { Cohort } from './types.js';
import { writeFileAtomic } from './write.js';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const VITAL_CODES = new Set(['39156-5', '8480-6', '8462-4', '8867-4']);
const DISPLAY: Record<string, string> = {
  '4548-4': 'Hemoglobin A1c/Hemoglobin.total in Blood',
  '2345-7': 'Glucose [Mass/volume] in Serum or Plasma',
  '14749-6': 'Glucose [Moles/volume] in Serum or Plasma',
  '39156-5': 'Body mass index (BMI) [Ratio]',
  '8480-6': 'Systolic blood pressure',
  '8462-4': 'Diastolic blood pressure',
  '2093-3': 'Cholesterol [Mass/volume] in Serum or Plasma',
  '2085-9': 'Cholesterol in HDL [Mass/volume] in Serum or Plasma',
  '13457-7': 'Cholesterol in LDL [Mass/volume] by calculation',
  '2571-8': 'Triglyceride [Mass/volume] in Serum or Plasma',
  '33914-3': 'eGFR (MDRD) per 1.73 m2',
  '8867-4': 'Heart rate',
};

export interface FhirWriteOptions {
  readonly format: 'bundles' | 'ndjson';
}

export interface FhirWriteResult {
  readonly files: string[];
  /** Resources written, by type (Bundles not counted). */
  readonly resources: Record<string, number>;
}

type Res = Record<string, unknown> & { resourceType: string; id: string };

const cat = (f: Frame, name: string) => getColumn(f, name) as CategoricalColumn;
const num = (f: Frame, name: string) => getColumn(f, name) as NumericColumn;
const str = (c: CategoricalColumn, i: number): string | null =>
  c.codes[i] < 0 ? null : c.dictionary[c.codes[i]];
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function gender(sex: string | null): string {
  const s = (sex ?? '').toLowerCase();
  if (s === 'f' || s === 'female') return 'female';
  if (s === 'm' || s === 'male') return 'male';
  return 'unknown';
}

/** Builds every resource of the cohort, grouped by patient (in patient order). */
export function* cohortResources(cohort: Cohort): Generator<{ patientId: string; resources: Res[] }> {
  const p = cohort.truth.clean;
  const pid = cat(p, 'patient_id');
  const sex = cat(p, 'sex');
  const birth = num(p, 'birth_date');
  const o = cohort.tables.observations;
  const oPid = cat(o, 'patient_id');
  const oDate = num(o, 'date');
  const oCode = cat(o, 'loinc');
  const oVal = num(o, 'value');
  const oUnit = cat(o, 'unit');
  const c = cohort.tables.conditions;
  const cPid = cat(c, 'patient_id');
  const cCode = cat(c, 'icd10');
  const cDesc = cat(c, 'description');
  const cOnset = num(c, 'onset_date');
  // row lists per patient id
  const byPatient = (col: CategoricalColumn) => {
    const m = new Map<string, number[]>();
    for (let i = 0; i < col.codes.length; i++) {
      const id = str(col, i);
      if (id === null) continue;
      let l = m.get(id);
      if (!l) m.set(id, (l = []));
      l.push(i);
    }
    return m;
  };
  const obsOf = byPatient(oPid);
  const condOf = byPatient(cPid);
  for (let i = 0; i < p.nRows; i++) {
    const id = str(pid, i)!;
    const out: Res[] = [
      { resourceType: 'Patient', id, gender: gender(str(sex, i)), birthDate: day(birth.values[i]) },
    ];
    const subject = { reference: `Patient/${id}` };
    const encounters = new Map<number, string>();
    for (const r of obsOf.get(id) ?? []) {
      const t = oDate.values[r];
      let enc = encounters.get(t);
      if (!enc) {
        enc = `enc-${id}-${encounters.size}`;
        encounters.set(t, enc);
        out.push({
          resourceType: 'Encounter',
          id: enc,
          status: 'finished',
          class: {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
            code: 'AMB',
            display: 'ambulatory',
          },
          type: [
            {
              coding: [
                { system: 'http://snomed.info/sct', code: '185349003', display: 'Encounter for check up' },
              ],
            },
          ],
          subject,
          period: { start: new Date(t).toISOString(), end: new Date(t + 1_800_000).toISOString() },
        });
      }
      const code = str(oCode, r)!;
      const unit = str(oUnit, r)!;
      out.push({
        resourceType: 'Observation',
        id: `obs-${r}`,
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: VITAL_CODES.has(code) ? 'vital-signs' : 'laboratory',
              },
            ],
          },
        ],
        code: { coding: [{ system: LOINC, code, display: DISPLAY[code] ?? code }] },
        subject,
        encounter: { reference: `Encounter/${enc}` },
        effectiveDateTime: new Date(t).toISOString(),
        valueQuantity: { value: oVal.values[r], unit, system: UCUM, code: unit },
      });
    }
    for (const r of condOf.get(id) ?? []) {
      const onset = cOnset.values[r];
      out.push({
        resourceType: 'Condition',
        id: `cond-${r}`,
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
        },
        verificationStatus: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' },
          ],
        },
        code: { coding: [{ system: ICD10CM, code: str(cCode, r)!, display: str(cDesc, r) ?? undefined }] },
        subject,
        ...(Number.isNaN(onset) ? {} : { onsetDateTime: day(onset), recordedDate: day(onset) }),
      });
    }
    yield { patientId: id, resources: out };
  }
}

/** Rewrites `Type/id` references as the `urn:uuid:` fullUrls of a transaction Bundle. */
function transactionBundle(resources: Res[], uuidOf: (key: string) => string): Res {
  const text = JSON.stringify(resources).replace(
    /"reference":"([A-Za-z]+)\/([^"]+)"/g,
    (_, t: string, id: string) => `"reference":"urn:uuid:${uuidOf(`${t}/${id}`)}"`,
  );
  const rewritten = JSON.parse(text) as Res[];
  return {
    resourceType: 'Bundle',
    id: uuidOf(`Bundle/${resources[0].id}`),
    type: 'transaction',
    entry: rewritten.map((r) => ({
      fullUrl: `urn:uuid:${uuidOf(`${r.resourceType}/${r.id}`)}`,
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    })),
  };
}

/** A deterministic RFC 4122-shaped id from a key (FNV-1a based; ids, not security). */
function uuidFor(key: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 ^ c, 2246822519) >>> 0;
  }
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const a = hex(h1);
  const b = hex(h2);
  const c = hex(Math.imul(h1 ^ h2, 3266489917) >>> 0);
  const d = hex(Math.imul(h2 + key.length, 668265263) >>> 0);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

/**
 * Writes the cohort as FHIR to `dir` (created if missing): `bundles` → one transaction Bundle per
 * patient (`Patient-<id>.json`, written atomically); `ndjson` → `Patient.ndjson`, `Encounter.ndjson`,
 * `Observation.ndjson`, `Condition.ndjson`.
 */
export async function writeCohortFhir(
  cohort: Cohort,
  dir: string,
  opts: FhirWriteOptions,
): Promise<FhirWriteResult> {
  await mkdir(dir, { recursive: true });
  const resources: Record<string, number> = {};
  const files: string[] = [];
  if (opts.format === 'bundles') {
    for (const { patientId, resources: rs } of cohortResources(cohort)) {
      for (const r of rs) resources[r.resourceType] = (resources[r.resourceType] ?? 0) + 1;
      const file = join(dir, `Patient-${patientId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
      await writeFileAtomic(file, [JSON.stringify(transactionBundle(rs, uuidFor))]);
      files.push(file);
    }
    return { files, resources };
  }
  const types = ['Patient', 'Encounter', 'Observation', 'Condition'];
  const streams = new Map(types.map((t) => [t, createWriteStream(join(dir, `${t}.ndjson`))]));
  const buffers = new Map<string, string[]>(types.map((t) => [t, []]));
  const flush = async (t: string) => {
    const b = buffers.get(t)!;
    if (!b.length) return;
    const s = streams.get(t)!;
    if (!s.write(b.join(''))) await new Promise<void>((res) => s.once('drain', () => res()));
    buffers.set(t, []);
  };
  for (const { resources: rs } of cohortResources(cohort)) {
    for (const r of rs) {
      resources[r.resourceType] = (resources[r.resourceType] ?? 0) + 1;
      const b = buffers.get(r.resourceType)!;
      b.push(`${JSON.stringify(r)}\n`);
      if (b.length >= 1000) await flush(r.resourceType);
    }
  }
  for (const t of types) {
    await flush(t);
    const s = streams.get(t)!;
    await new Promise<void>((res, rej) => s.end((e?: Error | null) => (e ? rej(e) : res())));
    files.push(join(dir, `${t}.ndjson`));
  }
  return { files, resources };
}
