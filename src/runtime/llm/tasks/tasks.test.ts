import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAegleError } from '../../../core/index.js';
import { createPseudonymizer, PhiGate } from '../../../privacy/index.js';
import { LlmGateway } from '../gateway.js';
import { createModelRoutes, parseLlmConfig } from '../llm-config.js';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { type Extraction, extractFromNote, extractionToFhir, validateExtraction } from './extract.js';
import { readLabelledJsonl, scoreExtractions } from './evaluate.js';

const NOTE =
  'Jane Roe seen 03/04/2021. Hypertension and type 2 diabetes. Metformin 500 mg PO BID. BP 150/95, HR 88. Allergic to penicillin.';
const ANSWER: Extraction = {
  conditions: ['Hypertension', 'Type 2 diabetes'],
  medications: [{ name: 'Metformin', dose: '500 mg', route: 'PO', frequency: 'BID' }],
  vitals: [
    { name: 'systolic_bp', value: 150, unit: 'mm[Hg]' },
    { name: 'diastolic_bp', value: 95, unit: 'mm[Hg]' },
    { name: 'heart_rate', value: 88, unit: '/min' },
  ],
  allergies: ['penicillin'],
};

let up: FakeUpstream;
let gateway: LlmGateway;
beforeAll(async () => {
  up = await FakeUpstream.start({ answer: (b) => (b.response_format ? JSON.stringify(ANSWER) : 'summary') });
  gateway = new LlmGateway({
    routes: createModelRoutes(
      parseLlmConfig({
        backends: [
          { type: 'openai', name: 'cloud', kind: 'external', baseUrl: up.url, models: ['m'], retries: 0 },
        ],
      }),
    ),
    gate: new PhiGate({ pseudonymizer: createPseudonymizer(new Uint8Array(32).fill(1)) }),
  });
});
afterAll(async () => {
  await up.close();
});

describe('clinical extraction', () => {
  it('asks for schema-constrained JSON through the gate, validates it, and maps it to FHIR', async () => {
    const r = await extractFromNote(gateway, { keyId: 'k', role: 'scientist' }, NOTE, {
      model: 'm',
      subject: 'Patient/p1',
    });
    const sent = up.requests.at(-1)!;
    expect(sent.body.response_format.type).toBe('json_schema');
    expect(sent.body.response_format.json_schema.schema.required).toContain('medications');
    expect(sent.raw).not.toContain('Jane Roe');
    expect(r.extraction).toEqual(ANSWER);
    const kinds = r.resources.map((x) => x.resourceType);
    expect(kinds).toEqual([
      'Condition',
      'Condition',
      'MedicationStatement',
      'Observation',
      'Observation',
      'Observation',
      'AllergyIntolerance',
    ]);
    const sbp = r.resources[3] as any;
    expect(sbp.code.coding[0]).toMatchObject({ system: 'http://loinc.org', code: '8480-6' });
    expect(sbp.valueQuantity).toEqual({
      value: 150,
      unit: 'mm[Hg]',
      system: 'http://unitsofmeasure.org',
      code: 'mm[Hg]',
    });
    const med = r.resources[2] as any;
    expect(med.dosage[0].doseAndRate[0].doseQuantity).toMatchObject({ value: 500, unit: 'mg' });
    expect(med.subject.reference).toBe('Patient/p1');
  });

  it('rejects output that breaks the schema with a coded error', () => {
    const err = (() => {
      try {
        validateExtraction({
          conditions: [],
          medications: [],
          vitals: [{ name: 'mood', value: 1, unit: null }],
          allergies: [],
        });
      } catch (e) {
        return e;
      }
    })();
    expect(isAegleError(err, 'AEGLE_LLM_BAD_OUTPUT')).toBe(true);
    expect(
      extractionToFhir({ conditions: [], medications: [], vitals: [], allergies: [] }, 'Patient/x'),
    ).toEqual([]);
  });

  it('scores precision and recall per field (hand-computed case)', () => {
    const gold: Extraction = ANSWER;
    const pred: Extraction = {
      conditions: ['hypertension', 'asthma'],
      medications: [{ name: 'metformin', dose: '1000 mg', route: 'po', frequency: 'BID' }],
      vitals: [{ name: 'systolic_bp', value: 150.5, unit: null }],
      allergies: [],
    };
    const s = Object.fromEntries(scoreExtractions([pred], [gold]).map((x) => [x.field, x]));
    expect(s.conditions).toMatchObject({ tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5 });
    expect(s['medications.name']).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(s['medications.dose']).toMatchObject({ tp: 0, fp: 1, fn: 1 });
    expect(s['medications.route']).toMatchObject({ tp: 1, precision: 1, recall: 1 });
    expect(s.vitals).toMatchObject({ tp: 1, fp: 0, fn: 2, precision: 1 });
    expect(s.vitals.recall).toBeCloseTo(1 / 3);
    expect(s.allergies).toMatchObject({ tp: 0, fn: 1, recall: 0 });
  });

  it('reads a labelled JSONL set', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegle-llm-'));
    const f = path.join(dir, 'set.jsonl');
    writeFileSync(
      f,
      `${JSON.stringify({ text: NOTE, labels: ANSWER })}\n${JSON.stringify({ text: 'no findings', labels: {} })}\n`,
    );
    const set = readLabelledJsonl(f);
    expect(set).toHaveLength(2);
    expect(set[1].labels).toEqual({ conditions: [], medications: [], vitals: [], allergies: [] });
  });
});
