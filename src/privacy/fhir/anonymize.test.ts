import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../keys.js';
import {
  FHIR_HASH_DOMAIN,
  configKeyPseudonymizer,
  createFhirAnonymizer,
  deidentifyFhir,
  deidentifyFhirNdjson,
  transformReferenceId,
} from './anonymize.js';
import { parseFhirAnonymizerConfig } from './config.js';

const DIR = new URL('../../../../shared/data/deid/fhir-anonymizer/', import.meta.url);
const load = (f: string) => JSON.parse(readFileSync(new URL(f, DIR), 'utf8'));

/** Each expected output in the folder, with the input and config that Microsoft's tests pair it with. */
const PAIRS: Record<string, { input: string; config: string }> = {
  'patient-basic-target.json': { input: 'patient-basic.json', config: 'config-common-config.json' },
  'bundle-basic-target.json': { input: 'bundle-basic.json', config: 'config-common-config.json' },
  'patient-redact-all-target.json': { input: 'patient-basic.json', config: 'config-redact-all-config.json' },
};

type Leaves = Map<string, unknown>;
function flatten(v: unknown, path = '', out: Leaves = new Map()): Leaves {
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) flatten(x, `${path}[${i}]`, out);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'meta' && x && typeof x === 'object' && 'security' in x) {
        // Labels compare as a set of codes.
        const codes = ((x as { security: { code: string }[] }).security ?? []).map((s) => s.code).sort();
        out.set(`${path}.meta.security`, codes.join(','));
        continue;
      }
      flatten(x, path ? `${path}.${k}` : k, out);
    }
  } else out.set(path, v);
  return out;
}

const DATE = /^(\d{4}-\d{2}-\d{2})(T.*)?$/;
const HEX = /^[0-9a-f]{64}$/;
const days = (a: string, b: string) => Math.round((Date.parse(a) - Date.parse(b)) / 86_400_000);

describe('Microsoft FHIR anonymizer pairs (behaviour, key "123")', () => {
  it('covers every expected output in the folder', () => {
    const targets = readdirSync(DIR).filter((f) => f.endsWith('-target.json'));
    expect(targets.sort()).toEqual(Object.keys(PAIRS).sort());
  });

  describe.each(Object.entries(PAIRS))('%s', (target, { input, config }) => {
    const original = flatten(load(input));
    const expected = flatten(load(target));
    const cfg = load(config);
    const out = deidentifyFhir(load(input), cfg);
    const ours = flatten(out.resource);
    const hashKey = cfg.parameters?.cryptoHashKey as string | undefined;

    it('keeps, redacts and labels the same elements', () => {
      expect([...ours.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [path, exp] of expected)
        if (path.endsWith('meta.security')) expect(ours.get(path)).toBe(exp);
    });

    it('equals the expected value wherever Microsoft kept or generalised one', () => {
      for (const [path, exp] of expected) {
        const orig = original.get(path);
        const transformed =
          typeof exp === 'string' &&
          (HEX.test(exp.split('/').pop() ?? '') || (orig !== exp && DATE.test(exp)));
        if (!transformed) expect(ours.get(path), path).toEqual(exp);
      }
    });

    it('leaves no value that Microsoft removed', () => {
      const kept = new Set([...expected.values()].map(String));
      const oursText = JSON.stringify(out.resource);
      for (const v of original.values())
        if (typeof v === 'string' && v.length > 3 && !kept.has(v) && ![...kept].some((k) => k.includes(v)))
          expect(oursText.includes(v), v).toBe(false);
    });

    it('shifts the dates Microsoft shifted, by one offset in [−50, 50] per resource set, time zeroed', () => {
      const offsets = new Set<number>();
      for (const [path, exp] of expected) {
        const orig = original.get(path);
        if (typeof exp !== 'string' || typeof orig !== 'string' || exp === orig || !DATE.test(exp)) continue;
        const e = DATE.exec(exp) as RegExpExecArray;
        const o = DATE.exec(orig) as RegExpExecArray;
        const u = DATE.exec(String(ours.get(path))) as RegExpExecArray;
        expect(u, path).not.toBeNull();
        expect(Math.abs(days(e[1], o[1]))).toBeLessThanOrEqual(50);
        const d = days(u[1], o[1]);
        expect(Math.abs(d)).toBeGreaterThanOrEqual(1);
        expect(Math.abs(d)).toBeLessThanOrEqual(50);
        expect(u[2] ?? '', path).toBe(e[2] ?? ''); // same time part: zeroed, zone kept
        offsets.add(d);
      }
      expect(offsets.size).toBeLessThanOrEqual(1);
    });

    it('hashes what Microsoft hashed: hex HMAC of the original (id part only for references)', () => {
      for (const [path, exp] of expected) {
        if (typeof exp !== 'string' || !HEX.test(exp.split('/').pop() ?? '')) continue;
        const orig = String(original.get(path));
        expect(hashKey).toBeTruthy();
        const p = configKeyPseudonymizer(hashKey as string);
        const want = transformReferenceId(orig, (id) => p.hmac(id, FHIR_HASH_DOMAIN).toString('hex'));
        expect(ours.get(path), path).toBe(want);
        expect(exp.split('/').slice(0, -1).join('/')).toBe(orig.split('/').slice(0, -1).join('/'));
      }
    });
  });

  it('links survive hashing: the Observation subject points at the hashed Patient id', () => {
    const out = deidentifyFhir(load('bundle-basic.json'), load('config-common-config.json')).resource as {
      entry: { resource: { id?: string; subject?: { reference: string } } }[];
    };
    expect(out.entry[2].resource.subject?.reference).toBe(`Patient/${out.entry[0].resource.id}`);
  });

  it('does not modify its input, and is deterministic for one key', () => {
    const input = load('patient-basic.json');
    const before = JSON.stringify(input);
    const a = deidentifyFhir(input, load('config-common-config.json'));
    const b = deidentifyFhir(input, load('config-common-config.json'));
    expect(JSON.stringify(input)).toBe(before);
    expect(b.resource).toEqual(a.resource);
  });
});

const P = createPseudonymizer(new Uint8Array(32).fill(9));
const NOW = new Date('2025-06-01T00:00:00Z');
const run = (resource: unknown, rules: unknown[], parameters: Record<string, unknown> = {}) =>
  deidentifyFhir(
    resource,
    { fhirVersion: 'R4', fhirPathRules: rules, parameters },
    { pseudonymizer: P, now: NOW },
  ).resource as Record<string, unknown>;

describe('methods and parameters', () => {
  it('redact with partial dates keeps the year unless it implies an age over 89; ages and ZIPs per Safe Harbor', () => {
    const out = run(
      {
        resourceType: 'Patient',
        birthDate: '1930-05-02',
        deceasedDateTime: '2001-03-04T10:00:00Z',
        address: [{ postalCode: '03601' }, { postalCode: '94110-1234' }, { postalCode: '12' }],
      },
      [
        { path: 'Patient.birthDate', method: 'redact' },
        { path: 'Patient.deceased', method: 'redact' },
        { path: "nodesByType('Address')", method: 'redact' },
      ],
      { enablePartialDatesForRedact: true, enablePartialZipCodesForRedact: true },
    );
    expect(out.birthDate).toBeUndefined();
    expect(out.deceasedDateTime).toBe('2001');
    expect(out.address).toEqual([
      { postalCode: '00000' },
      { postalCode: '94100-0000' },
      { postalCode: '12' },
    ]);
    const obs = run(
      { resourceType: 'Observation', component: [{ valueAge: { value: 93 } }, { valueAge: { value: 40 } }] },
      [{ path: "nodesByType('Age')", method: 'redact' }],
      { enablePartialAgesForRedact: true },
    );
    expect(obs.component).toEqual([{ valueAge: { value: 40 } }]);
  });

  it('dateShift redacts what has no day and dates implying an age over 89', () => {
    const out = run(
      { resourceType: 'Patient', id: 'p1', birthDate: '1920-01-01', deceasedDateTime: '2020-07' },
      [
        { path: "nodesByType('date')", method: 'dateShift' },
        { path: "nodesByType('dateTime')", method: 'dateShift' },
      ],
      { enablePartialDatesForRedact: true },
    );
    expect(out.birthDate).toBeUndefined();
    expect(out.deceasedDateTime).toBe('2020');
  });

  it('encrypt gives tokens the key holder can open; keep protects from later rules', () => {
    const out = run({ resourceType: 'Patient', name: [{ family: 'Doe', given: ['Jane'] }] }, [
      { path: 'Patient.name.given', method: 'keep' },
      { path: 'Patient.name.family', method: 'encrypt' },
    ]);
    const name = (out.name as { family: string; given: string[] }[])[0];
    expect(name.given).toEqual(['Jane']);
    expect(P.reveal(name.family)).toBe('Doe');
    expect((out.meta as { security: { code: string }[] }).security.map((s) => s.code)).toEqual(['ENCRYPT']);
  });

  it('substitute replaces primitives and complex elements', () => {
    const out = run({ resourceType: 'Patient', gender: 'male', name: [{ family: 'Doe', given: ['Jane'] }] }, [
      { path: 'Patient.gender', method: 'substitute', replaceWith: 'unknown' },
      { path: 'Patient.name', method: 'substitute', replaceWith: { family: 'Anon' } },
    ]);
    expect(out.gender).toBe('unknown');
    expect(out.name).toEqual([{ family: 'Anon' }]);
  });

  it('generalize maps by FHIRPath cases and redacts other values', () => {
    const rule = {
      path: 'Patient.birthDate',
      method: 'generalize',
      cases: { '$this >= @1990-01-01 and $this < @2000-01-01': '@1990-01-01' },
      otherValues: 'redact',
    };
    expect(run({ resourceType: 'Patient', birthDate: '1994-03-02' }, [rule]).birthDate).toBe('1990-01-01');
    expect(run({ resourceType: 'Patient', birthDate: '2004-03-02' }, [rule]).birthDate).toBeUndefined();
    const num = run({ resourceType: 'Observation', valueQuantity: { value: 93, unit: 'a' } }, [
      {
        path: 'Observation.value.value',
        method: 'generalize',
        cases: { '$this > 89': '90' },
        otherValues: 'keep',
      },
    ]);
    expect((num.valueQuantity as { value: number }).value).toBe(90);
  });

  it('perturb adds bounded, reproducible noise to numbers and quantities', () => {
    const r = { resourceType: 'Observation', valueQuantity: { value: 100, unit: 'mg' } };
    const rules = [{ path: 'Observation.value', method: 'perturb', span: 10, roundTo: 1 }];
    const v = (run(r, rules).valueQuantity as { value: number }).value;
    expect(Math.abs(v - 100)).toBeLessThanOrEqual(5);
    expect((run(r, rules).valueQuantity as { value: number }).value).toBe(v);
    const prop = run(r, [
      { path: 'Observation.value', method: 'perturb', span: 0.1, rangeType: 'proportional' },
    ]);
    expect(Math.abs((prop.valueQuantity as { value: number }).value - 100)).toBeLessThanOrEqual(5);
  });

  it('nodesByName and nested resources: contained resources get rules but no labels', () => {
    const out = run(
      {
        resourceType: 'Observation',
        contained: [{ resourceType: 'Patient', id: 'c', telecom: [{ value: '555-1234' }] }],
        note: [{ text: 'Called 555-1234' }],
      },
      [
        { path: "nodesByName('telecom')", method: 'redact' },
        { path: "nodesByType('Annotation')", method: 'redact' },
      ],
    );
    expect(JSON.stringify(out)).not.toContain('555-1234');
    expect((out.contained as Record<string, unknown>[])[0].meta).toBeUndefined();
    expect(out.meta).toBeDefined();
  });

  it('redactText (Aegle) runs the free-text de-identifier on strings', () => {
    const out = run(
      { resourceType: 'Observation', note: [{ text: 'Seen by Dr. John Smith, call 617-555-0134.' }] },
      [{ path: "nodesByType('Annotation').text", method: 'redactText' }],
    );
    const text = (out.note as { text: string }[])[0].text;
    expect(text).not.toContain('617-555-0134');
    expect(text).not.toContain('John Smith');
  });

  it('NDJSON: one resource per line', () => {
    const a = createFhirAnonymizer(load('config-common-config.json'));
    const r = deidentifyFhirNdjson(
      `${JSON.stringify(load('patient-basic.json'))}\n\n${JSON.stringify({ resourceType: 'Patient', id: 'x' })}\n`,
      a,
    );
    expect(r.resources).toBe(2);
    expect(r.text.trim().split('\n')).toHaveLength(2);
    expect(() => deidentifyFhirNdjson('{bad', a)).toThrow(/line 1/);
  });

  it('refuses bad configs with the rule named', () => {
    expect(() =>
      parseFhirAnonymizerConfig({ fhirPathRules: [{ path: 'Patient.name', method: 'shred' }] }),
    ).toThrow(/Patient\.name.*shred/);
    expect(() =>
      createFhirAnonymizer({ fhirPathRules: [{ path: 'Patient.name.(', method: 'redact' }] }),
    ).toThrow(/AEGLE|FHIRPath/);
    expect(() =>
      createFhirAnonymizer({ fhirPathRules: [{ path: 'Patient.id', method: 'cryptoHash' }] }),
    ).toThrow(/cryptoHashKey/);
    expect(() => deidentifyFhir({ no: 'type' }, { fhirPathRules: [] })).toThrow(/resourceType/);
  });
});
