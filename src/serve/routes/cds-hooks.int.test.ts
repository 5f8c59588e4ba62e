/**
 * FHIR out and CDS Hooks end to end, over real HTTP: a diabetes model trained on the synthetic cohort
 * written as FHIR (writeCohortFhir → ingestFhir → feature builder → `aegle train`'s runTrain), deployed
 * by the `cds` alias, then called with a `patient-view` request built from a Synthea patient. A JWKS
 * and a FHIR server run on loopback beside the service.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrain } from '../../cli/commands/train.js';
import { silentLogger } from '../../core/index.js';
import { saveFeatures } from '../../dataset/index.js';
import {
  parseFeatureSpec,
  validateCardsResponse,
  validateDiscoveryResponse,
  validateOperationOutcome,
  validateRiskAssessment,
} from '../../fhir/index.js';
import { ingestFhir } from '../../ingest/index.js';
import { listAudit } from '../../monitor/index.js';
import { openDatasetStore } from '../../store/index.js';
import { generateCohort, NO_DEFECTS, writeCohortFhir } from '../../synth/index.js';
import { startTestServer, type TestServer } from '../testing.js';

const SYNTHEA = path.resolve(__dirname, '../../../../shared/data/fhir/synthea');
const EXAMPLES = path.resolve(__dirname, '../../../../shared/data/cds-hooks');
const PATIENT_FILE = 'Emery_Purdy_298c62e6-b204-4a14-8e21-73d5be0ce22e.json';
const ISSUER = 'https://ehr.example.test';
const FHIR_TOKEN = 'opaque-fhir-token';

// long look-backs: the Synthea patients' last labs are from 2021 and CDS calls index at "now"
const FEATURE_SPEC = {
  source: 'synth',
  index: { kind: 'date', date: '2023-01-01' },
  features: [
    { kind: 'age' },
    { kind: 'sex' },
    { kind: 'observation', name: 'hba1c', loinc: ['4548-4'], stats: ['last', 'count'], lookbackDays: 5475 },
    {
      kind: 'observation',
      name: 'glucose',
      loinc: ['2345-7', '2339-0', '14749-6'],
      unit: 'mg/dL',
      stats: ['last'],
      lookbackDays: 5475,
    },
    { kind: 'observation', name: 'bmi', loinc: ['39156-5'], stats: ['last'], lookbackDays: 5475 },
    {
      kind: 'condition',
      name: 'hypertension',
      codes: [
        { system: 'icd10', prefixes: ['I10'] },
        { system: 'snomed', codes: ['38341003'] },
      ],
    },
    {
      kind: 'condition',
      name: 'prediabetes',
      codes: [
        { system: 'icd10', prefixes: ['R73'] },
        { system: 'snomed', codes: ['15777000'] },
      ],
    },
  ],
  outcome: {
    name: 'type_2_diabetes',
    codes: [
      { system: 'icd10', prefixes: ['E11'] },
      { system: 'snomed', codes: ['44054006'] },
    ],
    windowDays: 365,
  },
};

type Res = Record<string, any> & { resourceType: string; id: string };
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let s: TestServer;
let dir: string;
let jwks: Server;
let fhir: Server;
let jwksUrl: string;
let fhirBase: string;
let privateKey: SigningKey;
let otherKey: SigningKey;
let patient: Res;
let observations: Res[];
let conditions: Res[];
const fhirRequests: string[] = [];

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  return new Promise((resolve) => {
    const srv = createServer(handler);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}
const portOf = (srv: Server) => (srv.address() as AddressInfo).port;

const searchset = (rs: Res[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: rs.length,
  entry: rs.map((resource) => ({ fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`, resource })),
});

/** The Synthea patient with references rewritten from urn:uuid to Type/id (as a FHIR server serves them). */
function loadSynthea(): void {
  const bundle = JSON.parse(readFileSync(path.join(SYNTHEA, PATIENT_FILE), 'utf8')) as {
    entry: Array<{ resource: Res }>;
  };
  const text = JSON.stringify(bundle.entry.map((e) => e.resource)).replace(
    /"urn:uuid:([0-9a-f-]+)"/g,
    (_m, id) => {
      const r = bundle.entry.find((e) => e.resource.id === id)?.resource;
      return JSON.stringify(r ? `${r.resourceType}/${id}` : `urn:uuid:${id}`);
    },
  );
  const resources = JSON.parse(text) as Res[];
  patient = resources.find((r) => r.resourceType === 'Patient')!;
  const codes = new Set(['4548-4', '2345-7', '2339-0', '14749-6', '39156-5']);
  observations = resources.filter(
    (r) =>
      r.resourceType === 'Observation' && r.code?.coding?.some((c: { code: string }) => codes.has(c.code)),
  );
  conditions = resources.filter((r) => r.resourceType === 'Condition');
}

function prefetch() {
  return { patient, observations: searchset(observations), conditions: searchset(conditions) };
}

function hookRequest(extra: Record<string, unknown> = {}) {
  return {
    hook: 'patient-view',
    hookInstance: crypto.randomUUID(),
    context: { userId: 'Practitioner/example', patientId: patient.id },
    prefetch: prefetch(),
    ...extra,
  };
}

let jtiCounter = 0;
async function jwt(
  o: {
    aud?: string;
    exp?: number;
    jti?: string;
    iss?: string;
    key?: SigningKey;
    jku?: string;
    kid?: string;
  } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: o.kid ?? 'k1', jku: o.jku ?? jwksUrl })
    .setIssuer(o.iss ?? ISSUER)
    .setSubject('client-1')
    .setAudience(o.aud ?? `${s.url}/cds-services/diabetes`)
    .setIssuedAt(now)
    .setExpirationTime(o.exp ?? now + 120)
    .setJti(o.jti ?? `jti-${++jtiCounter}-${Math.random()}`)
    .sign(o.key ?? privateKey);
}

async function call(body: unknown, token: string | null, id = 'diabetes') {
  return s.fetch(`/cds-services/${id}`, { method: 'POST', key: token, json: body });
}

beforeAll(async () => {
  loadSynthea();
  const kp = await generateKeyPair('ES384');
  privateKey = kp.privateKey;
  otherKey = (await generateKeyPair('ES384')).privateKey;
  const pub: JWK = { ...(await exportJWK(kp.publicKey)), kid: 'k1', alg: 'ES384', use: 'sig' };
  jwks = await listen((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [pub] }));
  });
  jwksUrl = `http://127.0.0.1:${portOf(jwks)}/jwks.json`;
  // a FHIR server fake: Patient/{id}, Observation?patient=…, Condition?patient=…, bearer token required
  fhir = await listen((req, res) => {
    fhirRequests.push(req.url ?? '');
    res.setHeader('content-type', 'application/fhir+json');
    if (req.headers.authorization !== `Bearer ${FHIR_TOKEN}`) {
      res.statusCode = 401;
      res.end('{}');
      return;
    }
    const u = new URL(req.url ?? '/', 'http://x');
    const p = u.pathname.replace(/^\/fhir/, '');
    if (p === `/Patient/${patient.id}`) res.end(JSON.stringify(patient));
    else if (p === '/Observation' && u.searchParams.get('patient') === patient.id) {
      const codes = new Set((u.searchParams.get('code') ?? '').split(',').map((c) => c.split('|').pop()));
      res.end(
        JSON.stringify(
          searchset(
            observations.filter((o) => o.code.coding.some((c: { code: string }) => codes.has(c.code))),
          ),
        ),
      );
    } else if (p === '/Condition' && u.searchParams.get('patient') === patient.id)
      res.end(JSON.stringify(searchset(conditions)));
    else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  fhirBase = `http://127.0.0.1:${portOf(fhir)}/fhir`;
  s = await startTestServer({
    env: { AEGLE_CDS_ISSUERS: `${ISSUER}=${jwksUrl}`, AEGLE_CDS_FHIR_SERVERS: fhirBase },
  });

  // train: synthetic cohort as FHIR → import → features → runTrain (the `aegle train` code)
  dir = mkdtempSync(path.join(tmpdir(), 'aegle-cds-'));
  const cohort = generateCohort({ patients: 1500, seed: 7, defects: NO_DEFECTS });
  await writeCohortFhir(cohort, path.join(dir, 'cohort'), { format: 'ndjson' });
  const db = await openDatasetStore({ home: s.home });
  try {
    const r = await ingestFhir(db, [path.join(dir, 'cohort')], { name: 'synth' });
    expect(r.errors).toEqual([]);
    await saveFeatures(db, parseFeatureSpec(FEATURE_SPEC), 'diabetes_features');
  } finally {
    db.close();
  }
  const specFile = path.join(dir, 'train.yaml');
  writeFileSync(
    specFile,
    `dataset: diabetes_features
target: type_2_diabetes
preprocess:
  steps:
    - impute: { strategy: median }
    - onehot: { handleUnknown: ignore }
split: { type: holdout, testSize: 0.25, stratify: true, seed: 0 }
model:
  type: gbdt
  params: { nEstimators: 60, numLeaves: 15, minChildSamples: 10, learningRate: 0.1 }
metrics: [auroc, brier]
threshold: 0.3
`,
  );
  const ctx = {
    config: s.service.config,
    logger: silentLogger,
    out: () => {},
    json: () => {},
    err: () => {},
  };
  const trained = await runTrain(ctx, specFile, { progress: false });
  const reg = await s.fetch('/api/v1/models', {
    method: 'POST',
    json: {
      name: 'diabetes',
      artifactId: trained.id,
      alias: 'cds',
      intendedUse: 'Adults in primary care, to prompt diabetes screening; not a diagnosis.',
    },
  });
  expect(reg.status).toBe(201);
}, 180_000);

afterAll(async () => {
  await s?.dispose();
  jwks?.close();
  fhir?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('discovery', () => {
  it('lists the deployed model with prefetch templates from its feature spec, valid per CDS Hooks 2.0', async () => {
    const res = await s.fetch('/cds-services', { key: null });
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(validateDiscoveryResponse(doc)).toEqual([]);
    expect(doc.services).toHaveLength(1);
    const svc = doc.services[0];
    expect(svc).toMatchObject({ hook: 'patient-view', id: 'diabetes' });
    expect(svc.prefetch).toEqual({
      patient: 'Patient/{{context.patientId}}',
      observations:
        'Observation?patient={{context.patientId}}&code=http://loinc.org|4548-4,http://loinc.org|2345-7,http://loinc.org|2339-0,http://loinc.org|14749-6,http://loinc.org|39156-5',
      conditions: 'Condition?patient={{context.patientId}}',
    });
  });

  it('the artifact carries the feature spec it was trained with', async () => {
    const v = await s.fetch('/api/v1/models/diabetes/versions/1/artifact/manifest.json');
    const manifest = await v.json();
    expect(manifest.lineage.featureSpec.outcome.name).toBe('type_2_diabetes');
  });
});

describe('a patient-view call built from a Synthea patient', () => {
  it('answers one valid card: risk in words and %, indicator, Markdown detail, source with the report link', async () => {
    const res = await call(hookRequest(), await jwt());
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(validateCardsResponse(body)).toEqual([]);
    const [card] = body.cards;
    if (process.env.AEGLE_SHOW_CARD) console.log(JSON.stringify(card, null, 2));
    expect(card.summary.length).toBeLessThan(140);
    expect(card.summary).toMatch(
      /^(Low|Elevated|High) risk of type 2 diabetes within 1 year: (<1|\d+(\.\d)?)%$/,
    );
    expect(['info', 'warning', 'critical']).toContain(card.indicator);
    expect(card.detail).toContain('**Top factors**');
    expect(card.detail).toContain('**Calibration:** brier');
    expect(card.detail).toContain('**Intended use:** Adults in primary care');
    expect(card.source.label).toBe('Aegle diabetes v1');
    expect(card.source.url).toBe(`${s.url}/api/v1/models/diabetes/versions/1/report`);
    // the card's uuid ties feedback to the prediction-log row; the call is audited
    await s.service.audit.flush();
    const audit = await listAudit(s.service.meta, { action: 'cds.call' } as never);
    expect(
      audit.some((a) => a.outputSummary?.includes(`card=${card.uuid}`) && a.actor === `cds:${ISSUER}`),
    ).toBe(true);
  });

  it('fetches from an allow-listed FHIR server with the fhirAuthorization token when prefetch is missing', async () => {
    fhirRequests.length = 0;
    const withPrefetch = await (await call(hookRequest(), await jwt())).json();
    const body = hookRequest({
      prefetch: undefined,
      fhirServer: fhirBase,
      fhirAuthorization: {
        access_token: FHIR_TOKEN,
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'user/*.read',
        subject: 'cds',
      },
    });
    const res = await call(body, await jwt());
    const fetched = await res.json();
    expect(res.status, JSON.stringify(fetched)).toBe(200);
    expect(fhirRequests.map((u) => u.split('?')[0]).sort()).toEqual([
      '/fhir/Condition',
      '/fhir/Observation',
      `/fhir/Patient/${patient.id}`,
    ]);
    expect(fetched.cards[0].summary).toBe(withPrefetch.cards[0].summary);
  });

  it('refuses a FHIR server not on the allow-list (403) and answers 412 when data is missing', async () => {
    const auth = {
      access_token: FHIR_TOKEN,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'user/*.read',
      subject: 'cds',
    };
    const off = await call(
      hookRequest({ prefetch: undefined, fhirServer: 'http://127.0.0.2:9/fhir', fhirAuthorization: auth }),
      await jwt(),
    );
    expect(off.status).toBe(403);
    expect(off.headers.get('content-type')).toContain('application/fhir+json');
    const noData = await call(hookRequest({ prefetch: { patient } }), await jwt());
    expect(noData.status).toBe(412);
    const oo = await noData.json();
    expect(validateOperationOutcome(oo)).toEqual([]);
    expect(oo.issue[0].code).toBe('required');
    expect(oo.issue[0].diagnostics).toContain('observations');
    const wrongPatient = await call(
      hookRequest({
        context: { patientId: 'nobody' },
        prefetch: { ...prefetch(), patient: { ...patient, id: 'someone-else' } },
      }),
      await jwt(),
    );
    expect(wrongPatient.status).toBe(412);
  });

  it('records feedback (accepted / overridden) in the audit trail and the metrics', async () => {
    const card = (await (await call(hookRequest(), await jwt())).json()).cards[0];
    const override = JSON.parse(
      readFileSync(path.join(EXAMPLES, 'hl7-v2-feedback-overridden-with-reason.json'), 'utf8'),
    );
    override.feedback[0].card = card.uuid;
    const res = await s.fetch('/cds-services/diabetes/feedback', {
      method: 'POST',
      key: await jwt({ aud: `${s.url}/cds-services/diabetes` }),
      json: override,
    });
    expect(res.status).toBe(200);
    const accepted = await s.fetch('/cds-services/diabetes/feedback', {
      method: 'POST',
      key: s.keys.clinician,
      json: {
        feedback: [{ card: card.uuid, outcome: 'accepted', outcomeTimestamp: new Date().toISOString() }],
      },
    });
    expect(accepted.status).toBe(200);
    await s.service.audit.flush();
    const entries = (await listAudit(s.service.meta, {} as never)).filter((a) => a.action === 'cds.feedback');
    expect(entries.map((e) => e.outputSummary?.split(' ')[0]).sort()).toEqual(['accepted', 'overridden']);
    expect(entries.find((e) => e.outputSummary?.startsWith('overridden'))?.outputSummary).toContain(
      'reason=https://example.com/cds-hooks/override-reason-system|d7ecf885',
    );
    const metrics = await (await s.fetch('/metrics')).text();
    expect(metrics).toMatch(
      /aegle_cds_feedback_total\{model="diabetes",version="1",outcome="overridden"\} 1/,
    );
  });

  it('404 for a service that is not deployed; 400 for a malformed hook request', async () => {
    expect((await call(hookRequest(), await jwt({ aud: `${s.url}/cds-services/nope` }), 'nope')).status).toBe(
      404,
    );
    const bad = await call({ hook: 'patient-view', hookInstance: 'x', context: {} }, await jwt());
    expect(bad.status).toBe(400);
    const badOo = await bad.json();
    expect(validateOperationOutcome(badOo)).toEqual([]);
    expect(badOo.issue[0].diagnostics).toMatch(/context\.patientId/);
    // a body that is not JSON: refused by the scoring thread with the parser's reason, after the
    // caller was authenticated (an unauthenticated one learns nothing about the body)
    const notJson = await s.fetch('/cds-services/diabetes', {
      method: 'POST',
      key: await jwt(),
      headers: { 'content-type': 'application/json' },
      body: '{"hook": "patient-view", ',
    });
    expect(notJson.status).toBe(400);
    const oo = await notJson.json();
    expect(validateOperationOutcome(oo)).toEqual([]);
    expect(oo.issue[0].diagnostics).toMatch(/not valid JSON/);
    const anonymous = await s.fetch('/cds-services/diabetes', {
      method: 'POST',
      key: null,
      headers: { 'content-type': 'application/json' },
      body: '{"hook": ',
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('the CDS client JWT', () => {
  const expect401 = async (token: string | null, why: RegExp) => {
    const res = await call(hookRequest(), token);
    const oo = await res.json();
    expect(res.status, JSON.stringify(oo)).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(validateOperationOutcome(oo)).toEqual([]);
    expect(oo.issue[0].diagnostics).toMatch(why);
  };
  it('rejects a bad signature', async () => expect401(await jwt({ key: otherKey }), /signature/));
  it('rejects the wrong aud', async () =>
    expect401(await jwt({ aud: 'https://elsewhere.test/cds-services/diabetes' }), /aud/));
  it('rejects an expired token', async () =>
    expect401(await jwt({ exp: Math.floor(Date.now() / 1000) - 120 }), /expired/));
  it('rejects a token valid far into the future (exp > 5 min)', async () =>
    expect401(await jwt({ exp: Math.floor(Date.now() / 1000) + 3600 }), /five minutes/));
  it('rejects a replayed jti', async () => {
    const token = await jwt({ jti: 'once-only' });
    expect((await call(hookRequest(), token)).status).toBe(200);
    await expect401(token, /replay/);
  });
  it('rejects an issuer not on the allow-list, and a jku the issuer is not allowed', async () => {
    await expect401(await jwt({ iss: 'https://rogue.test' }), /issuer/);
    await expect401(await jwt({ jku: 'http://127.0.0.1:1/other-jwks.json' }), /jku/);
  });
  it('rejects no token and an unknown kid', async () => {
    await expect401(null, /Authorization/);
    await expect401(await jwt({ kid: 'k9' }), /no key/);
  });
  it('accepts an Aegle API key of a role that may predict, refuses one that may not', async () => {
    expect((await call(hookRequest(), s.keys.clinician)).status).toBe(200);
    expect((await call(hookRequest(), s.keys.auditor)).status).toBe(403);
  });
});

describe('POST /fhir/RiskAssessment/$predict', () => {
  const bundle = () => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: [patient, ...observations, ...conditions].map((resource) => ({ resource })),
  });

  it('answers a RiskAssessment valid against R4, with basis, window, rationale and intended use', async () => {
    const res = await s.fetch('/fhir/RiskAssessment/$predict?model=diabetes&alias=cds', {
      method: 'POST',
      key: s.keys.clinician,
      json: bundle(),
    });
    const ra = await res.json();
    expect(res.status, JSON.stringify(ra)).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(validateRiskAssessment(ra)).toEqual([]);
    expect(ra.subject.reference).toBe(`Patient/${patient.id}`);
    expect(ra.method.coding[0].code).toBe('diabetes@1');
    expect(ra.basis.map((b: { reference: string }) => b.reference)).toContain(`Patient/${patient.id}`);
    expect(ra.basis.some((b: { reference: string }) => b.reference.startsWith('Observation/'))).toBe(true);
    const p = ra.prediction[0];
    expect(p.probabilityDecimal).toBeGreaterThan(0);
    expect(p.probabilityDecimal).toBeLessThan(1);
    expect(p.outcome.coding[0]).toEqual({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11' });
    expect(Date.parse(p.whenPeriod.end) - Date.parse(p.whenPeriod.start)).toBe(365 * 86_400_000);
    expect(p.rationale).toMatch(/^Top factors: /);
    expect(ra.note[0].text).toMatch(/^Intended use: Adults in primary care/);
  });

  it('scores at a given index time (?at=) as the CDS service does at now', async () => {
    const res = await s.fetch(
      `/fhir/RiskAssessment/$predict?model=diabetes&at=${encodeURIComponent('2021-06-01T00:00:00Z')}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify(bundle()),
      },
    );
    const ra = await res.json();
    expect(res.status, JSON.stringify(ra)).toBe(200);
    expect(ra.occurrenceDateTime).toBe('2021-06-01T00:00:00.000Z');
  });

  it('answers errors as OperationOutcome: no credential, no Patient, not a Bundle, unknown model', async () => {
    const cases = [
      [
        await s.fetch('/fhir/RiskAssessment/$predict?model=diabetes', {
          method: 'POST',
          key: null,
          json: bundle(),
        }),
        401,
        'login',
      ],
      [
        await s.fetch('/fhir/RiskAssessment/$predict?model=diabetes', {
          method: 'POST',
          json: { resourceType: 'Bundle', entry: observations.map((resource) => ({ resource })) },
        }),
        400,
        'invalid',
      ],
      [
        await s.fetch('/fhir/RiskAssessment/$predict?model=diabetes', { method: 'POST', json: patient }),
        400,
        'invalid',
      ],
      [
        await s.fetch('/fhir/RiskAssessment/$predict?model=nosuch', { method: 'POST', json: bundle() }),
        404,
        'not-found',
      ],
      [
        await s.fetch('/fhir/RiskAssessment/$predict?model=diabetes', {
          method: 'POST',
          key: s.keys.auditor,
          json: bundle(),
        }),
        403,
        'forbidden',
      ],
    ] as const;
    for (const [res, status, code] of cases) {
      const oo = await res.json();
      expect(res.status, JSON.stringify(oo)).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/fhir+json');
      expect(validateOperationOutcome(oo)).toEqual([]);
      expect(oo.issue[0].code).toBe(code);
    }
  });
});
