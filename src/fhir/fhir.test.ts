import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createError } from '../core/index.js';
import {
  buildRiskAssessment,
  codingInSets,
  convertUcum,
  type FhirResource,
  formatIssue,
  isValidUcum,
  mapResource,
  operationOutcomeFromError,
  parseCdsHookRequest,
  parseFeatureSpec,
  parseFhirDateTime,
  prefetchTemplates,
  renderPrefetchTemplate,
  resolveReference,
  UnitHarmoniser,
  validateOperationOutcome,
  validateRiskAssessment,
} from './index.js';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data');

describe('UCUM conversion (values from the UCUM tables)', () => {
  it('converts avoirdupois pounds to kilograms: 1 [lb_av] = 0.45359237 kg', () => {
    expect(convertUcum(1, '[lb_av]', 'kg')).toBeCloseTo(0.45359237, 12);
    expect(convertUcum(185, '[lb_av]', 'kg')).toBeCloseTo(83.91458845, 8);
  });
  it('converts glucose mmol/L ↔ mg/dL through the molar mass (180.156 g/mol → ×18.0156)', () => {
    expect(convertUcum(1, 'mmol/L', 'mg/dL', 180.156)).toBeCloseTo(18.0156, 10);
    expect(convertUcum(100, 'mg/dL', 'mmol/L', 180.156)).toBeCloseTo(100 / 18.0156, 10);
    expect(() => convertUcum(1, 'mmol/L', 'mg/dL')).toThrow();
  });
  it('handles affine temperature and pressure units', () => {
    expect(convertUcum(37, 'Cel', '[degF]')).toBeCloseTo(98.6, 9);
    // UCUM defines m[Hg] = 133.3220 kPa (not the 133.322387415 of ISO 80000)
    expect(convertUcum(1, 'mm[Hg]', 'kPa')).toBeCloseTo(0.133322, 12);
  });
  it('tells valid UCUM from text', () => {
    expect(isValidUcum('mL/min/{1.73_m2}')).toBe(true);
    expect(isValidUcum('mmHg')).toBe(false);
  });
  it('harmonises to the canonical unit per code, and flags units from other systems', () => {
    const h = new UnitHarmoniser();
    expect(
      h.harmonise('http://loinc.org|29463-7', '29463-7', {
        value: 185,
        system: 'http://unitsofmeasure.org',
        code: '[lb_av]',
      }),
    ).toEqual({ value: 185 * 0.45359237, unit: 'kg', status: 'converted' });
    expect(
      h.harmonise('x|20005', null, {
        value: 122,
        unit: 'umol/L',
        system: 'http://snomed.info/sct',
        code: '258814008',
      }),
    ).toEqual({ value: null, unit: null, status: 'not-ucum' });
    // unknown code: the first unit seen becomes canonical
    expect(h.harmonise('x|1', null, { value: 2, code: 'g' }).unit).toBe('g');
    expect(h.harmonise('x|1', null, { value: 2000, code: 'mg' })).toEqual({
      value: 2,
      unit: 'g',
      status: 'converted',
    });
    expect(h.harmonise('x|1', null, { value: 1, code: 'm' }).status).toBe('inconvertible');
    expect(h.newlyLearned()).toEqual([['x|1', 'g']]);
  });
  it('takes units learned before it over the first unit it sees, and reports only its own', () => {
    const h = new UnitHarmoniser([['x|1', 'mg']]);
    expect(h.harmonise('x|1', null, { value: 2, code: 'g' })).toEqual({
      value: 2000,
      unit: 'mg',
      status: 'converted',
    });
    expect(h.harmonise('x|2', null, { value: 1, code: 'mL' }).unit).toBe('mL');
    expect(h.newlyLearned()).toEqual([['x|2', 'mL']]);
  });
});

describe('FHIR primitives and references', () => {
  it('parses partial dates and zoned dateTimes', () => {
    expect(parseFhirDateTime('2012')).toBe(Date.UTC(2012, 0, 1));
    expect(parseFhirDateTime('2012-09')).toBe(Date.UTC(2012, 8, 1));
    expect(parseFhirDateTime('2013-04-02T09:30:10+01:00')).toBe(Date.UTC(2013, 3, 2, 8, 30, 10));
    expect(parseFhirDateTime('02/04/2013')).toBeNaN();
  });
  it('reads the common shapes without the regular expression, with the same results', () => {
    expect(parseFhirDateTime('2018-03-21')).toBe(Date.UTC(2018, 2, 21));
    expect(parseFhirDateTime('2018-03-21T07:05:09Z')).toBe(Date.UTC(2018, 2, 21, 7, 5, 9));
    expect(parseFhirDateTime('2018-03-21T07:05:09.250Z')).toBe(Date.UTC(2018, 2, 21, 7, 5, 9, 250));
    // the cases the fast path leaves to Date.parse
    expect(parseFhirDateTime('2020-02-29T23:59:59Z')).toBe(Date.UTC(2020, 1, 29, 23, 59, 59));
    expect(parseFhirDateTime('0050-01-01T00:00:00Z')).toBe(Date.parse('0050-01-01T00:00:00Z'));
    expect(parseFhirDateTime('2018-03-21T07:05:09.1Z')).toBe(Date.UTC(2018, 2, 21, 7, 5, 9, 100));
    for (const bad of [
      '2018-13-01',
      '2018-00-10',
      '2018-03-32',
      '2018-03-21T24:00:00Z',
      '2018-03-21T07:60:00Z',
    ])
      expect(parseFhirDateTime(bad)).toBeNaN();
  });
  it('resolves relative, absolute and urn:uuid references', () => {
    expect(resolveReference('Patient/123')).toEqual({ type: 'Patient', id: '123' });
    expect(resolveReference('http://x.org/fhir/Patient/9/_history/2')).toEqual({ type: 'Patient', id: '9' });
    const idx = new Map([['urn:uuid:abc', { type: 'Patient', id: 'p1' }]]);
    expect(resolveReference('urn:uuid:abc', idx)).toEqual({ type: 'Patient', id: 'p1' });
    // `Type/id` is read without the regular expression, to the same rules
    expect(resolveReference('Encounter/enc-P1.0')).toEqual({ type: 'Encounter', id: 'enc-P1.0' });
    for (const bad of [
      'patient/1',
      'P/1',
      'Patient/',
      'Patient/a_b',
      `Patient/${'a'.repeat(65)}`,
      'Pa1ient/1',
    ])
      expect(resolveReference(bad)).toBeNull();
  });
  it('matches ICD-10 prefixes with or without the dot, and SNOMED lists', () => {
    const sets = [
      { system: 'icd10', prefixes: ['E11'] },
      { system: 'snomed', codes: ['44054006'] },
    ];
    expect(codingInSets({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }, sets)).toBe(true);
    expect(codingInSets({ system: 'http://hl7.org/fhir/sid/icd-10', code: 'E119' }, sets)).toBe(true);
    expect(codingInSets({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E10.9' }, sets)).toBe(false);
    expect(codingInSets({ system: 'http://snomed.info/sct', code: '44054006' }, sets)).toBe(true);
  });
});

describe('mapResource', () => {
  const units = new UnitHarmoniser();
  it('names the resource and path of a spec violation', () => {
    const r = mapResource(
      {
        resourceType: 'Observation',
        id: 'abc',
        status: 'final',
        code: { text: 'x' },
        valueQuantity: { value: 'high' },
      },
      { units },
    );
    expect(r.kind).toBe('invalid');
    if (r.kind === 'invalid')
      expect(r.issues.map(formatIssue)).toEqual(['Observation/abc: valueQuantity.value must be a number']);
    const c = mapResource(
      {
        resourceType: 'Observation',
        id: 'c',
        code: { text: 'x' },
        component: [{ valueQuantity: { value: 1 } }],
      } as FhirResource,
      { units },
    );
    if (c.kind === 'invalid')
      expect(c.issues.map(formatIssue)).toEqual([
        'Observation/c: status is required',
        'Observation/c: component[0].code is required',
      ]);
    else expect.unreachable();
  });
  it('skips types without a table', () => {
    expect(mapResource({ resourceType: 'Claim', id: 'x' }, { units }).kind).toBe('skipped');
  });
});

describe('RiskAssessment and OperationOutcome', () => {
  const ra = buildRiskAssessment({
    patientId: 'p1',
    model: { name: 'diabetes-5y', version: '3' },
    outcome: {
      coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }],
    },
    probability: 0.2345,
    occurrence: '2024-05-01T10:00:00Z',
    when: { days: 1826 },
    basis: ['Observation/o1', 'Condition/c1'],
    factors: [
      { name: 'HbA1c', contribution: 0.8, value: 6.4, unit: '%' },
      { name: 'age', contribution: -0.1, value: 34, unit: 'years' },
      { name: 'BMI', contribution: 0.3, value: 31.2, unit: 'kg/m2' },
    ],
    topFactors: 2,
    intendedUse: 'Adults in primary care without diabetes; supports, does not replace, clinical judgement.',
  });
  it('builds a RiskAssessment that validates against R4, with the top factors in words', () => {
    expect(validateRiskAssessment(ra)).toEqual([]);
    expect(ra.prediction?.[0].rationale).toBe(
      'Top factors: HbA1c 6.4 % raises the risk; BMI 31.2 kg/m2 raises the risk.',
    );
    expect(ra.basis).toEqual([{ reference: 'Observation/o1' }, { reference: 'Condition/c1' }]);
    expect(ra.prediction?.[0].whenRange?.high).toMatchObject({ value: 1826, code: 'd' });
  });
  it('accepts every official HL7 RiskAssessment example and rejects broken ones', () => {
    const dir = path.join(SHARED, 'fhir/hl7-examples');
    const files = readdirSync(dir).filter((f) => f.startsWith('riskassessment'));
    expect(files.length).toBe(6);
    for (const f of files)
      expect([f, validateRiskAssessment(JSON.parse(readFileSync(path.join(dir, f), 'utf8')))]).toEqual([
        f,
        [],
      ]);
    const { status: _s, ...noStatus } = ra;
    expect(validateRiskAssessment(noStatus)).toEqual(['status: is required (1..1)']);
    expect(validateRiskAssessment({ ...ra, status: 'done', subject: [ra.subject] })).toEqual([
      'status: must be one of registered|preliminary|final|amended|corrected|cancelled|entered-in-error|unknown',
      'subject: must not be an array (1..1)',
    ]);
    expect(validateRiskAssessment({ ...ra, prediction: [{ probabilityDecimal: '0.2' }] })).toEqual([
      'prediction[0].probabilityDecimal: must be a decimal',
    ]);
  });
  it('turns an AegleError into a valid OperationOutcome without a stack', () => {
    const oo = operationOutcomeFromError(
      createError('AEGLE_CORE_INVALID_SPEC', { path: 'index', expected: 'x', got: '"y"' }),
    );
    expect(validateOperationOutcome(oo)).toEqual([]);
    expect(oo.issue[0]).toMatchObject({
      severity: 'error',
      code: 'invalid',
      details: { coding: [{ code: 'AEGLE_CORE_INVALID_SPEC' }] },
    });
    expect(JSON.stringify(oo)).not.toMatch(/at .*\.ts/);
    expect(validateOperationOutcome({ resourceType: 'OperationOutcome', issue: [] })).toEqual([
      'issue: must be an array (1..*)',
    ]);
  });
});

describe('CDS Hooks', () => {
  const dir = path.join(SHARED, 'cds-hooks');
  const read = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  it('parses the spec examples as requests', () => {
    const r = parseCdsHookRequest(read('patient-view-request-with-prefetch.json'));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.request.context.patientId).toBe('1288992');
    for (const f of [
      'order-select-context-r4.json',
      'order-sign-context-r4.json',
      'radiology-order-select-request.json',
    ]) {
      const body = read(f);
      const req = body.hook ? body : { hook: 'order-select', hookInstance: 'x', ...body };
      expect([f, parseCdsHookRequest(req)]).toMatchObject([f, { ok: true }]);
    }
    expect(parseCdsHookRequest({ hook: 'patient-view', context: {} })).toEqual({
      ok: false,
      problems: ['hookInstance: is required (string)', 'context.patientId: is required for patient-view'],
    });
  });
  it('renders prefetch templates from context, or says a token is missing', () => {
    const t = read('prefetch-templates.json').prefetch as Record<string, string>;
    const ctx = read('patient-view-context.json').context;
    expect(renderPrefetchTemplate(t.patient, ctx)).toBe('Patient/1288992');
    expect(renderPrefetchTemplate(t['hemoglobin-a1c'], ctx)).toBe(
      'Observation?patient=1288992&code=4548-4&_count=1&sort:desc=date',
    );
    expect(renderPrefetchTemplate('PractitionerRole?_id={{userPractitionerRoleId}}', ctx)).toBe(
      'PractitionerRole?_id=123',
    );
    expect(renderPrefetchTemplate(t.patient, {})).toBeNull();
  });
  it('generates prefetch templates from a feature spec', () => {
    const spec = parseFeatureSpec({
      source: 's',
      index: { kind: 'date', date: '2024-01-01' },
      features: [
        { kind: 'age' },
        { kind: 'observation', name: 'a1c', loinc: '4548-4', lookbackDays: 365 },
        { kind: 'condition', name: 'htn', codes: [{ system: 'icd10', prefixes: ['I10'] }] },
      ],
    });
    expect(prefetchTemplates(spec)).toEqual({
      patient: 'Patient/{{context.patientId}}',
      observations: 'Observation?patient={{context.patientId}}&code=http://loinc.org|4548-4',
      conditions: 'Condition?patient={{context.patientId}}',
    });
    expect(() => parseFeatureSpec({ source: 's', index: { kind: 'date', date: 'x' }, features: [] })).toThrow(
      /index.date must be an ISO date/,
    );
  });
});
