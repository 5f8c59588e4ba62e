import { describe, expect, it } from 'vitest';
import { FHIR_TABLE_NAMES } from '../../fhir/index.js';
import { type ChunkTask, mapChunkSync } from './map-chunk.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const task = (text: string, extra: Partial<ChunkTask> = {}): ChunkTask => ({
  shown: 'x.ndjson',
  kind: 'ndjson',
  bytes: enc.encode(text),
  lineOffset: 0,
  ...extra,
});
const csvOf = (r: ReturnType<typeof mapChunkSync>, table: string) => {
  const b = r.csv[FHIR_TABLE_NAMES.indexOf(table as never)];
  return b ? dec.decode(b) : '';
};
const glucose = (id: string, unit: string, value = 1) =>
  JSON.stringify({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://example.org', code: 'G' }] },
    valueQuantity: { value, system: 'http://unitsofmeasure.org', code: unit },
  });

describe('mapChunkSync', () => {
  it('numbers lines as node:readline does (\\r\\n, \\n and a lone \\r), from the chunk offset', () => {
    const text =
      '{"resourceType":"Patient","id":"a"}\r\n\r{bad\n  \n{"exportId":"e"}\r{"resourceType":"Patient","id":"b","birthDate":"x"}\n';
    const r = mapChunkSync(task(text, { lineOffset: 10 }));
    expect(r.errors).toEqual([
      expect.stringMatching(/^x\.ndjson:13: not valid JSON/),
      "Patient/b: birthDate must be a FHIR dateTime (got 'x')",
    ]);
    expect(r.resources).toEqual({ Patient: 2 });
    expect(r.rows[FHIR_TABLE_NAMES.indexOf('patients')]).toBe(1);
  });

  it('writes staging CSV: empty strings quoted, nulls empty, lists tab-joined, quotes doubled', () => {
    const r = mapChunkSync(
      task(
        `${JSON.stringify({
          resourceType: 'Condition',
          id: 'c,"1"',
          subject: { reference: 'Patient/p' },
          clinicalStatus: { text: '' },
          code: {
            coding: [
              { system: 'http://snomed.info/sct', code: '1' },
              { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' },
            ],
          },
        })}\n`,
      ),
    );
    expect(csvOf(r, 'conditions')).toBe(
      '"c,""1""",p,,http://hl7.org/fhir/sid/icd-10-cm,E11.9,,http://snomed.info/sct|1\thttp://hl7.org/fhir/sid/icd-10-cm|E11.9,"",,,,,\n',
    );
  });

  it('reports the units it learned, and maps as told when given the units learned before it', () => {
    const text = `${glucose('o1', 'g', 2)}\n${glucose('o2', 'mg', 500)}\n`;
    const alone = mapChunkSync(task(text));
    expect(alone.learned).toEqual([['http://example.org|G', 'g']]);
    expect(alone.seeded).toBe(false);
    expect(csvOf(alone, 'observations')).toContain(',0.5,g,500,mg,');
    const told = mapChunkSync(task(text, { units: [['http://example.org|G', 'mg']] }));
    expect(told.learned).toEqual([]);
    expect(told.seeded).toBe(true);
    expect(csvOf(told, 'observations')).toContain(',2000,mg,2,g,');
  });

  it('reads a JSON document whole: a Bundle, its entries and their fullUrls', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:p1', resource: { resourceType: 'Patient' } },
        {
          fullUrl: 'urn:uuid:e1',
          resource: {
            resourceType: 'Encounter',
            status: 'finished',
            class: { code: 'AMB' },
            subject: { reference: 'urn:uuid:p1' },
          },
        },
      ],
    };
    const r = mapChunkSync(task(JSON.stringify(bundle), { shown: 'b.json', kind: 'document' }));
    expect(r.resources).toEqual({ Bundle: 1, Encounter: 1, Patient: 1 });
    expect(csvOf(r, 'encounters').startsWith('e1,p1,finished,AMB,')).toBe(true);
    const bad = mapChunkSync(task('{"resourceType":', { shown: 'b.json', kind: 'document' }));
    expect(bad.errors).toEqual([expect.stringMatching(/^b\.json: not valid JSON/)]);
  });
});
