/** The REST API and OIP v2 through real HTTP (listen on port 0 + fetch). */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLoggedColumns, verifyAuditChain } from '../monitor/index.js';
import { BODY_HELPER_MIN_BYTES, bodyHelperRows } from './body-helper.js';
import { makeTestArtifact, startTestServer, type TestServer, testRows } from './testing.js';

let s: TestServer;
let artifact1: string;
let artifact2: string;

beforeAll(async () => {
  s = await startTestServer();
  artifact1 = path.join(s.home, 'artifacts', 'a1');
  artifact2 = path.join(s.home, 'artifacts', 'a2');
  await makeTestArtifact(artifact1, 1);
  await makeTestArtifact(artifact2, 2);
});
afterAll(async () => s?.dispose());

describe('service over HTTP', () => {
  it('health answers without a key; everything else needs one', async () => {
    expect((await s.fetch('/healthz', { key: null })).status).toBe(200);
    expect(await (await s.fetch('/readyz', { key: null })).json()).toEqual({ status: 'ready' });
    expect(await (await s.fetch('/v2/health/live', { key: null })).json()).toEqual({ live: true });
    const r = await s.fetch('/api/v1/models', { key: null });
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await r.json()).toMatchObject({ status: 401, code: 'AEGLE_AUTH_REQUIRED' });
    expect(
      (
        await s.fetch('/api/v1/models', {
          key: 'aegle_000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        })
      ).status,
    ).toBe(401);
    const forbidden = await s.fetch('/api/v1/models', { key: s.keys.clinician });
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).detail).toBe("Role 'clinician' may not read the model registry.");
    expect((await s.fetch('/healthz', { key: null })).headers.get('x-content-type-options')).toBe('nosniff');
    expect((await s.fetch('/healthz', { key: null })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives API answers the API security headers and pages the page headers', async () => {
    // an answer (and an error) from the API: never cached, nothing may run in it or frame it
    for (const r of [await s.fetch('/api/v1/models'), await s.fetch('/api/v1/models', { key: null })]) {
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      // the browser-page headers are not on it
      expect(r.headers.get('cross-origin-opener-policy')).toBeNull();
      expect(r.headers.get('x-dns-prefetch-control')).toBeNull();
    }
    // the dashboard and the API explorer are pages: helmet's set, with a CSP that lets their own
    // scripts run (their caching is their own: the dashboard's files say how long to keep them)
    for (const url of ['/', '/docs/']) {
      const r = await s.fetch(url, { key: null });
      expect(r.headers.get('content-security-policy'), url).toContain("script-src 'self'");
      expect(r.headers.get('cross-origin-opener-policy'), url).toBe('same-origin');
      expect(r.headers.get('x-frame-options'), url).toBe('SAMEORIGIN');
      expect(r.headers.get('x-content-type-options'), url).toBe('nosniff');
    }
  });

  it('registers, aliases, predicts with field-by-field validation, audits and logs', async () => {
    const reg = await s.fetch('/api/v1/models', {
      method: 'POST',
      json: { name: 'risk', artifactId: 'a1', alias: 'champion', owner: 'cardiology', intendedUse: 'test' },
    });
    expect(reg.status, await reg.clone().text()).toBe(201);
    expect(await reg.json()).toMatchObject({
      name: 'risk',
      version: 1,
      kind: 'logistic',
      aliases: ['champion'],
    });
    expect(
      (await s.fetch('/api/v1/models', { method: 'POST', json: { name: 'risk', artifactId: 'a2' } })).status,
    ).toBe(201);
    const models = await (await s.fetch('/api/v1/models')).json();
    expect(models).toMatchObject([
      { name: 'risk', latestVersion: 2, aliases: { champion: 1 }, owner: 'cardiology' },
    ]);

    const rows = testRows(3, 5);
    const p = await s.fetch('/api/v1/models/risk/predict', {
      method: 'POST',
      key: s.keys.clinician,
      json: { rows },
      headers: { 'x-request-id': 'req-1' },
    });
    expect(p.status, await p.clone().text()).toBe(200);
    const body = await p.json();
    expect(body.model).toEqual({ name: 'risk', version: 1 });
    expect(body.requestId).toBe('req-1');
    expect(body.predictions).toHaveLength(3);
    for (const q of body.predictions) {
      expect(q.probability).toBeGreaterThan(0);
      expect(q.probability).toBeLessThan(1);
      expect(q.label).toBe(q.probability >= 0.5 ? '1' : '0');
      // logistic model: linear SHAP top factors (k = 5 by default; this model has 3 features)
      expect(q.factors.length).toBeGreaterThan(0);
      expect(q.factors.length).toBeLessThanOrEqual(3);
      expect(q.factors[0]).toMatchObject({
        feature: expect.any(String),
        contribution: expect.any(Number),
        direction: expect.stringMatching(/^(increases|decreases)$/),
        text: expect.stringMatching(/predicted risk/),
      });
      expect(q.warnings).toEqual([]);
    }
    const v2 = await (
      await s.fetch('/api/v1/models/risk/predict?version=2', { method: 'POST', json: { rows } })
    ).json();
    expect(v2.model.version).toBe(2);
    expect(v2.predictions[0].probability).not.toBe(body.predictions[0].probability);

    const bad = await s.fetch('/api/v1/models/risk/predict', {
      method: 'POST',
      json: {
        rows: [
          { age: 'old', bmi: 25 },
          { age: 40, bmi: 25, glucose: 5000, colour: 'red' },
        ],
      },
    });
    expect(bad.status).toBe(400);
    const problem = await bad.json();
    expect(problem.code).toBe('AEGLE_RUNTIME_INPUT');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { row: 0, field: 'age', problem: 'must be a number; got string' },
        { row: 0, field: 'glucose', problem: 'is required (send null for an unknown value)' },
        expect.objectContaining({
          row: 1,
          field: 'glucose',
          problem: expect.stringMatching(/^must be within \[/),
        }),
        { row: 1, field: 'colour', problem: 'is not a feature of this model' },
      ]),
    );
    expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts/);
    const schemaBad = await s.fetch('/api/v1/models/risk/predict', { method: 'POST', json: { rowz: [] } });
    expect(schemaBad.status).toBe(400);
    expect((await schemaBad.json()).code).toBe('AEGLE_SERVE_VALIDATION');
    expect((await s.fetch('/api/v1/models/nope/predict', { method: 'POST', json: { rows } })).status).toBe(
      404,
    );

    // alias swap takes effect at once
    expect(
      (await s.fetch('/api/v1/models/risk/aliases/champion', { method: 'PUT', json: { version: 2 } })).status,
    ).toBe(200);
    expect(
      (await (await s.fetch('/api/v1/models/risk/predict', { method: 'POST', json: { rows } })).json()).model
        .version,
    ).toBe(2);

    // the audit trail has the predictions and the alias change; auditors read it; the chain holds
    const audit = await (await s.fetch('/api/v1/audit?limit=1000', { key: s.keys.auditor })).json();
    const actions = audit.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['model.register', 'predict', 'alias.set']));
    const pred = audit.entries.find(
      (e: { action: string; outputSummary: string }) => e.action === 'predict' && e.outputSummary === 'n=3',
    );
    expect(pred).toMatchObject({ modelVersion: '1', inputHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await (await s.fetch('/api/v1/audit/verify', { key: s.keys.auditor })).json()).toMatchObject({
      ok: true,
    });
    await s.service.predictionLog.flush();
    const logged = await s.service.meta.db
      .selectFrom('prediction_log')
      .selectAll()
      .where('request_id', '=', 'req-1')
      .execute();
    // a request of many rows is one columnar record
    expect(logged).toHaveLength(1);
    expect(logged[0].n_rows).toBe(3);
    const decoded = decodeLoggedColumns(logged[0].payload!);
    expect(decoded.columns.map((c) => c[0])).toEqual([rows[0].age, rows[0].bmi, rows[0].glucose]);
    expect(decoded.labels).toHaveLength(3);
  });

  it('a large body read column by column scores and validates as the row objects do', async () => {
    const rows = testRows(700, 21);
    const predict = async (text: string) => {
      const r = await s.fetch('/api/v1/models/risk/predict?version=1', {
        method: 'POST',
        body: text,
        headers: { 'content-type': 'application/json' },
      });
      return { status: r.status, body: await r.json() };
    };
    // > 16 kB of uniform rows: the columnar reader; the same rows with one row's fields reordered:
    // JSON.parse and row objects
    const fast = await predict(JSON.stringify({ rows }));
    const { age, bmi, glucose } = rows[350];
    const reordered = JSON.stringify({ rows: rows.map((r, i) => (i === 350 ? { glucose, bmi, age } : r)) });
    const slow = await predict(reordered);
    expect(fast.status, JSON.stringify(fast.body)).toBe(200);
    expect(fast.body.predictions).toHaveLength(700);
    expect(fast.body.predictions).toEqual(slow.body.predictions);
    // a null the model cannot score (no imputer in its pipeline): the same 400 on both paths
    const withNull = rows.map((r, i) => (i === 3 ? { ...r, bmi: null } : r));
    const n1 = await predict(JSON.stringify({ rows: withNull }));
    const n2 = await predict(
      JSON.stringify({ rows: withNull.map((r, i) => (i === 3 ? { glucose, ...r } : r)) }),
    );
    expect(n1.status).toBe(400);
    expect(n1.body.errors).toEqual([
      { row: 3, field: 'bmi', problem: expect.stringMatching(/^is missing, and this model cannot score/) },
    ]);
    expect(n2.body).toEqual({ ...n1.body, requestId: n2.body.requestId, detail: n2.body.detail });

    // bad values in a large body: the same field-by-field errors as from row objects
    const bad = rows.map((r, i) =>
      i === 450 ? { ...r, glucose: 5000 } : i === 500 ? { ...r, age: 'old' } : r,
    ) as Record<string, unknown>[];
    const refused = await predict(JSON.stringify({ rows: bad }));
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('AEGLE_RUNTIME_INPUT');
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        row: 450,
        field: 'glucose',
        problem: expect.stringMatching(/^must be within \[/),
      }),
      { row: 500, field: 'age', problem: 'must be a number; got string' },
    ]);
    const unknown = await predict(JSON.stringify({ rows: rows.map((r) => ({ ...r, colour: 'red' })) }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toEqual({
      row: 0,
      field: 'colour',
      problem: 'is not a feature of this model',
    });
    // the schema's limits still hold: no rows, and a top-level shape it does not know
    expect((await predict(`{"rows": []${' '.repeat(20_000)}}`)).body.code).toBe('AEGLE_SERVE_VALIDATION');
    const malformed = await predict(`${JSON.stringify({ rows }).slice(0, -3)}`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toMatch(/not valid JSON/);
  });

  it('a body over 1 MB (read and hashed with the body helper thread) answers as the row objects do', async () => {
    const rows = testRows(40_000, 31);
    const text = JSON.stringify({ rows });
    expect(text.length).toBeGreaterThan(BODY_HELPER_MIN_BYTES);
    const before = bodyHelperRows();
    const predict = async (body: string) => {
      const r = await s.fetch('/api/v1/models/risk/predict?version=1&factors=0', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      return { status: r.status, body: await r.json() };
    };
    const fast = await predict(text);
    expect(fast.status, JSON.stringify(fast.body).slice(0, 300)).toBe(200);
    // the helper read part of the rows (where the machine has a second core)
    if (os.availableParallelism() > 1) expect(bodyHelperRows() - before).toBeGreaterThan(10_000);
    // the same rows through JSON.parse (one row's fields reordered), and the same answers
    const { age, bmi, glucose } = rows[30_000];
    const slow = await predict(
      JSON.stringify({ rows: rows.map((r, i) => (i === 30_000 ? { glucose, bmi, age } : r)) }),
    );
    expect(slow.status).toBe(200);
    expect(fast.body.predictions).toEqual(slow.body.predictions);
    // the audit entry carries the SHA-256 of the body's bytes, computed on the helper thread
    const audit = await (await s.fetch('/api/v1/audit?limit=1000', { key: s.keys.auditor })).json();
    const entry = audit.entries.find(
      (e: { requestId?: string; outputSummary: string; inputHash: string }) =>
        e.inputHash === createHash('sha256').update(text).digest('hex'),
    );
    expect(entry).toMatchObject({ action: 'predict', outputSummary: 'n=40000' });
  });

  it('versions, metrics, report, artifact download, drift', async () => {
    const versions = await (await s.fetch('/api/v1/models/risk/versions')).json();
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(await (await s.fetch('/api/v1/models/risk/versions/1/metrics')).json()).toEqual({ auroc: 0.7 });
    const card = await (await s.fetch('/api/v1/models/risk/versions/1/report')).json();
    expect(card.model).toMatchObject({ name: 'risk', owner: 'cardiology', intendedUse: 'test' });
    expect(card.inputs.map((f: { name: string }) => f.name)).toEqual(['age', 'bmi', 'glucose']);
    const man = await s.fetch('/api/v1/models/risk/versions/1/artifact/manifest.json');
    expect((await man.json()).format).toBe('aegle.model');
    expect(
      (await s.fetch('/api/v1/models/risk/versions/1/artifact/weights.bin')).headers.get('content-type'),
    ).toBe('application/octet-stream');

    // same distribution → little drift; shifted inputs → drift
    await s.fetch('/api/v1/models/risk/predict?version=2', {
      method: 'POST',
      json: { rows: testRows(400, 11) },
    });
    const calm = await (await s.fetch('/api/v1/models/risk/drift?version=2&limit=400')).json();
    expect(calm.window.rows).toBe(400);
    expect(calm.datasetDrift).toBe(false);
    await s.fetch('/api/v1/models/risk/predict?version=2', {
      method: 'POST',
      json: {
        rows: testRows(400, 12, 1.5).map((r) => ({
          ...r,
          age: Math.min(r.age, 95),
          glucose: Math.min(r.glucose, 250),
          bmi: Math.min(r.bmi, 45),
        })),
      },
    });
    const drifted = await (await s.fetch('/api/v1/models/risk/drift?version=2&limit=400')).json();
    expect(drifted.features.map((f: { feature: string }) => f.feature)).toEqual(['age', 'bmi', 'glucose']);
    expect(drifted.shareDrifted).toBeGreaterThanOrEqual(2 / 3);
    expect(drifted.datasetDrift).toBe(true);
  });

  it('Open Inference Protocol v2', async () => {
    expect(await (await s.fetch('/v2', { key: s.keys.clinician })).json()).toEqual({
      name: 'aegle',
      version: '1',
      extensions: [],
    });
    const meta = await (await s.fetch('/v2/models/risk', { key: s.keys.clinician })).json();
    expect(meta).toMatchObject({
      name: 'risk',
      versions: ['2', '1'],
      platform: 'aegle_logistic',
      inputs: [{ name: 'age', datatype: 'FP64' }, { name: 'bmi' }, { name: 'glucose' }],
    });
    expect(
      await (await s.fetch('/v2/models/risk/versions/1/ready', { key: s.keys.clinician })).json(),
    ).toEqual({ name: 'risk', ready: true });
    const rows = testRows(2, 5);
    const perFeature = await s.fetch('/v2/models/risk/versions/1/infer', {
      method: 'POST',
      key: s.keys.clinician,
      json: {
        id: 'x1',
        inputs: [
          { name: 'age', shape: [2], datatype: 'INT64', data: rows.map((r) => r.age) },
          { name: 'bmi', shape: [2, 1], datatype: 'FP32', data: rows.map((r) => [r.bmi]) },
          { name: 'glucose', shape: [2], datatype: 'FP64', data: rows.map((r) => r.glucose) },
        ],
      },
    });
    const out = await perFeature.json();
    expect(out).toMatchObject({ model_name: 'risk', model_version: '1', id: 'x1' });
    const rest = await (
      await s.fetch('/api/v1/models/risk/predict?version=1', { method: 'POST', json: { rows } })
    ).json();
    expect(out.outputs[0]).toEqual({
      name: 'probability',
      shape: [2],
      datatype: 'FP64',
      data: rest.predictions.map((p: { probability: number }) => p.probability),
    });
    const matrix = await (
      await s.fetch('/v2/models/risk/versions/1/infer', {
        method: 'POST',
        key: s.keys.clinician,
        json: {
          inputs: [
            {
              name: 'input__0',
              shape: [2, 3],
              datatype: 'FP64',
              data: rows.flatMap((r) => [r.age, r.bmi, r.glucose]),
            },
          ],
          outputs: [{ name: 'label' }],
        },
      })
    ).json();
    expect(matrix.outputs).toEqual([
      {
        name: 'label',
        shape: [2],
        datatype: 'BYTES',
        data: rest.predictions.map((p: { label: string }) => p.label),
      },
    ]);
    const bad = await s.fetch('/v2/models/risk/infer', {
      method: 'POST',
      key: s.keys.clinician,
      json: { inputs: [{ name: 'age', shape: [3], datatype: 'FP64', data: [1, 2] }] },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(await bad.json())).toEqual(['error']);
    const unauth = await s.fetch('/v2/models/risk', { key: null });
    expect(unauth.status).toBe(401);
    expect(await unauth.json()).toEqual({ error: expect.stringMatching(/^AEGLE_AUTH_REQUIRED/) });
  });

  it('datasets: upload, list, show, profile, delete; upload size limit', async () => {
    const csv = [
      'id,age,smoker',
      ...Array.from({ length: 50 }, (_, i) => `${i},${30 + (i % 40)},${i % 3 ? 'no' : 'yes'}`),
    ].join('\n');
    const fd = new FormData();
    fd.append('name', 'tiny');
    fd.append('file', new Blob([csv], { type: 'text/csv' }), 'tiny.csv');
    const up = await s.fetch('/api/v1/datasets', { method: 'POST', body: fd, key: s.keys.scientist });
    expect(up.status, await up.clone().text()).toBe(201);
    const { dataset } = await up.json();
    expect(dataset).toMatchObject({ name: 'tiny', rows: 50 });
    expect(
      (await (await s.fetch('/api/v1/datasets', { key: s.keys.scientist })).json()).map(
        (d: { name: string }) => d.name,
      ),
    ).toEqual(['tiny']);
    expect((await (await s.fetch('/api/v1/datasets/tiny')).json()).version).toBe(dataset.version);
    const prof = await (await s.fetch('/api/v1/datasets/tiny/profile')).json();
    expect(prof.rows).toBe(50);
    const bad = new FormData();
    bad.append('name', 'x');
    bad.append('file', new Blob(['x']), 'x.exe');
    expect((await (await s.fetch('/api/v1/datasets', { method: 'POST', body: bad })).json()).code).toBe(
      'AEGLE_SERVE_BAD_UPLOAD',
    );
    expect((await s.fetch('/api/v1/datasets/tiny', { method: 'DELETE' })).status).toBe(200);
    expect((await s.fetch('/api/v1/datasets/tiny')).status).toBe(404);

    const small = await startTestServer({ env: { AEGLE_UPLOAD_LIMIT: '2048', AEGLE_BODY_LIMIT: '1024' } });
    try {
      const big = new FormData();
      big.append('name', 'big');
      big.append('file', new Blob([csv.repeat(10)]), 'big.csv');
      const r = await small.fetch('/api/v1/datasets', { method: 'POST', body: big });
      expect(r.status).toBe(413);
      const j = await small.fetch('/api/v1/jobs', {
        method: 'POST',
        json: { type: 'evaluate', params: { pad: 'x'.repeat(2000) } },
      });
      expect(j.status).toBe(413);
      expect((await j.json()).code).toBe('AEGLE_SERVE_BODY_TOO_LARGE');
    } finally {
      await small.dispose();
    }
  });

  it('jobs over HTTP: batch-predict with live progress over SSE; metrics; OpenAPI', async () => {
    const csv = [
      'pid,age,bmi,glucose',
      ...testRows(30, 3).map((r, i) => `${i},${r.age},${r.bmi},${r.glucose}`),
    ].join('\n');
    const fd = new FormData();
    fd.append('name', 'cohort');
    fd.append('file', new Blob([csv]), 'cohort.csv');
    expect((await s.fetch('/api/v1/datasets', { method: 'POST', body: fd })).status).toBe(201);
    const sub = await s.fetch('/api/v1/jobs', {
      method: 'POST',
      key: s.keys.service,
      json: { type: 'batch-predict', params: { model: 'risk', dataset: 'cohort', out: 'cohort_scored' } },
    });
    expect(sub.status).toBe(202);
    const job = await sub.json();
    const sse = await s.fetch(`/api/v1/jobs/${job.id}/events`, { key: s.keys.service });
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await sse.text();
    const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
      event: m[1],
      data: JSON.parse(m[2]),
    }));
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
    const final = await (await s.fetch(`/api/v1/jobs/${job.id}`)).json();
    expect(final.result).toMatchObject({ rows: 30, model: { name: 'risk', version: 2 } });
    expect((await (await s.fetch('/api/v1/datasets/cohort_scored')).json()).rows).toBe(30);
    expect(Array.isArray(await (await s.fetch(`/api/v1/jobs/${job.id}/logs`)).json())).toBe(true);
    const unknown = await s.fetch('/api/v1/jobs', { method: 'POST', json: { type: 'dance' } });
    expect((await unknown.json()).detail).toMatch(/Types: batch-predict, evaluate, report, train/);

    const metrics = await (await s.fetch('/metrics')).text();
    expect(metrics).toMatch(
      /aegle_http_request_duration_seconds_bucket\{.*route="\/api\/v1\/models\/:name\/predict"/,
    );
    expect(metrics).toMatch(/aegle_predictions_total\{model="risk",version="1"\} \d+/);
    expect(metrics).toMatch(/aegle_job_duration_seconds_count\{type="batch-predict",status="succeeded"\} 1/);
    expect(metrics).toMatch(/aegle_queue_depth\{queue="jobs"\} 0/);
    const oa = await (await s.fetch('/api/v1/openapi.json', { key: s.keys.auditor })).json();
    expect(oa.openapi).toBe('3.1.0');
    expect(Object.keys(oa.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/models/{name}/predict',
        '/v2/models/{model}/infer',
        '/api/v1/jobs/{id}/events',
      ]),
    );
    expect((await s.fetch('/docs', { key: s.keys.auditor, redirect: 'manual' })).status).toBeLessThan(400);
    expect((await s.fetch('/docs', { key: null })).status).toBe(401);
    expect((await verifyAuditChain(s.service.meta)).ok).toBe(true);
  });

  it('per-key rate limits answer 429 with Retry-After', async () => {
    const limited = await (
      await s.fetch('/api/v1/keys', { method: 'POST', json: { role: 'clinician', rateLimit: 3 } })
    ).json();
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await s.fetch('/v2', { key: limited.key })).status);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const r = await s.fetch('/v2', { key: limited.key });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // revocation takes effect at once in this process
    expect((await s.fetch(`/api/v1/keys/${limited.info.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.fetch('/v2', { key: limited.key })).status).toBe(401);
    writeFileSync(path.join(s.home, 'touch'), '');
  });
});
