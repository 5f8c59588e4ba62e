import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../keys.js';
import { createFhirAnonymizer } from './anonymize.js';

const P = createPseudonymizer(new Uint8Array(32).fill(3));
const REDACT_PHI = {
  fhirPathRules: [
    { path: "nodesByType('HumanName')", method: 'redact' },
    { path: "nodesByType('Identifier')", method: 'redact' },
    { path: "nodesByType('ContactPoint')", method: 'redact' },
    { path: "nodesByType('Address')", method: 'redact' },
    { path: "nodesByType('Narrative')", method: 'redact' },
    { path: "nodesByType('Annotation')", method: 'redact' },
    { path: "nodesByType('date')", method: 'dateShift' },
    { path: "nodesByType('dateTime')", method: 'dateShift' },
    { path: 'Resource.id', method: 'cryptoHash' },
  ],
  parameters: { enablePartialDatesForRedact: true },
};
const anon = createFhirAnonymizer(REDACT_PHI, { pseudonymizer: P });
const redactAll = createFhirAnonymizer({ fhirPathRules: [{ path: 'Resource', method: 'redact' }] });

/** A value that cannot appear by chance in de-identified output (hex hashes, tokens, dates). */
const secret = fc.stringMatching(/^[A-Z][a-z]{2}[A-Z][a-z]{4,10}$/).map((s) => `Zq${s}`);
const name = fc.record({
  family: secret,
  given: fc.array(secret, { maxLength: 2 }),
  use: fc.constant('official'),
});
const address = fc.record({
  line: fc.array(secret, { maxLength: 2 }),
  city: secret,
  postalCode: fc.constant('94110'),
});
const telecom = fc.record({ system: fc.constant('phone'), value: secret });
const patient = fc.record({
  resourceType: fc.constant('Patient'),
  id: fc.stringMatching(/^[A-Za-z0-9]{1,20}$/),
  name: fc.array(name, { maxLength: 3 }),
  address: fc.array(address, { maxLength: 2 }),
  telecom: fc.array(telecom, { maxLength: 2 }),
  identifier: fc.array(fc.record({ system: fc.constant('urn:mrn'), value: secret }), { maxLength: 2 }),
  contact: fc.array(fc.record({ name, telecom: fc.array(telecom, { maxLength: 1 }) }), { maxLength: 2 }),
  text: fc.record({ status: fc.constant('generated'), div: secret.map((s) => `<div>${s}</div>`) }),
});
const bundle = fc
  .array(patient, { minLength: 1, maxLength: 3 })
  .map((ps) => ({ resourceType: 'Bundle', type: 'collection', entry: ps.map((resource) => ({ resource })) }));

const secretsOf = (v: unknown): string[] => JSON.stringify(v).match(/Zq[A-Za-z]+/g) ?? [];

describe('FHIR de-identification properties (fast-check)', () => {
  it('never leaks a value that a redact rule covers, in resources or Bundles', () => {
    fc.assert(
      fc.property(fc.oneof(patient, bundle), (r) => {
        const out = JSON.stringify(anon.deidentify(r).resource);
        for (const s of secretsOf(r)) expect(out).not.toContain(s);
      }),
      { numRuns: 150 },
    );
  });

  it('never crashes on arbitrary JSON in FHIR elements (only coded errors), and redact-all keeps nothing', () => {
    const keys = [
      'name',
      'birthDate',
      'address',
      'identifier',
      'text',
      'contact',
      'valueQuantity',
      'effectiveDateTime',
      'entry',
      'contained',
      'subject',
      'note',
      '_birthDate',
      'component',
    ];
    const resource = fc.record({
      resourceType: fc.constantFrom('Patient', 'Observation', 'Bundle', 'Encounter'),
      fields: fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }),
    });
    fc.assert(
      fc.property(resource, ({ resourceType, fields }) => {
        const r = { ...(fields as Record<string, unknown>), resourceType };
        for (const a of [anon, redactAll]) {
          let out: Record<string, unknown> | undefined;
          try {
            out = a.deidentify(r).resource;
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expect((e as { code?: string }).code ?? String(e)).toMatch(/^AEGLE_PRIVACY_/);
          }
          if (out) JSON.stringify(out);
          if (out && a === redactAll)
            for (const k of Object.keys(out))
              expect(['resourceType', 'meta', 'entry', 'contained']).toContain(k);
        }
      }),
      { numRuns: 500 },
    );
  });
});
