/**
 * Availability: an alias swap under continuous load fails no request, and a graceful shutdown drops
 * no request that was in flight (and flushes the audit chain of every one of them).
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listAudit, verifyAuditChain } from '../monitor/index.js';
import { MetaStore } from '../store/index.js';
import { makeTestArtifact, startTestServer, type TestServer, testRows } from './testing.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  await makeTestArtifact(path.join(s.home, 'artifacts', 'a1'), 1);
  await makeTestArtifact(path.join(s.home, 'artifacts', 'a2'), 2);
  await s.fetch('/api/v1/models', {
    method: 'POST',
    json: { name: 'risk', artifactId: 'a1', alias: 'champion' },
  });
  await s.fetch('/api/v1/models', { method: 'POST', json: { name: 'risk', artifactId: 'a2' } });
});
afterAll(async () => s?.dispose());

it('alias swap under continuous load: zero failed requests, both versions served', async () => {
  const rows = testRows(1, 3);
  const statuses = new Map<number, number>();
  const versions = new Map<number, number>();
  let stop = false;
  const client = async () => {
    while (!stop) {
      const r = await s.fetch('/api/v1/models/risk/predict', {
        method: 'POST',
        key: s.keys.clinician,
        json: { rows },
      });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const v = (await r.json()).model?.version;
      versions.set(v, (versions.get(v) ?? 0) + 1);
    }
  };
  const clients = Array.from({ length: 8 }, client);
  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 60));
    const to = i % 2 ? 1 : 2;
    const res = await s.fetch('/api/v1/models/risk/aliases/champion', {
      method: 'PUT',
      json: { version: to },
    });
    expect(res.status).toBe(200);
  }
  stop = true;
  await Promise.all(clients);
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  expect([...statuses.keys()]).toEqual([200]);
  expect(total).toBeGreaterThan(100);
  expect(versions.get(1)).toBeGreaterThan(0);
  expect(versions.get(2)).toBeGreaterThan(0);
});

it('graceful shutdown: every in-flight request completes; their audit entries are flushed', async () => {
  const rows = testRows(20_000, 4);
  const N = 6;
  const before = (await s.service.metrics.httpDuration.get()).values
    .filter((v) => v.metricName?.endsWith('_count') && v.labels.route === '/api/v1/models/:name/predict')
    .reduce((a, v) => a + v.value, 0);
  const inflight = Array.from({ length: N }, (_, i) =>
    s
      .fetch('/api/v1/models/risk/predict', {
        method: 'POST',
        key: s.keys.clinician,
        json: { rows },
        headers: { 'x-request-id': `drain-${i}` },
      })
      .then(
        async (r) => ({ status: r.status, n: (await r.json()).predictions?.length ?? 0 }),
        (e: Error) => ({ status: -1, n: 0, err: e.message }),
      ),
  );
  // wait until the server has received every request (in flight now, or already answered), then
  // shut down while most are still running
  const received = async () => {
    const inFlight = (await s.service.metrics.inFlight.get()).values[0]?.value ?? 0;
    const done = (await s.service.metrics.httpDuration.get()).values
      .filter((v) => v.metricName?.endsWith('_count') && v.labels.route === '/api/v1/models/:name/predict')
      .reduce((a, v) => a + v.value, 0);
    return inFlight + done - before;
  };
  const t0 = Date.now();
  while ((await received()) < N && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 1));
  const inFlightAtClose = (await s.service.metrics.inFlight.get()).values[0]?.value ?? 0;
  const closing = s.close();
  const results = await Promise.all(inflight);
  await closing;
  expect(inFlightAtClose).toBeGreaterThan(0);
  expect(results.filter((r) => r.status !== 200)).toEqual([]);
  expect(results.every((r) => r.n === 20_000)).toBe(true);
  await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  // reopen the database: the chain is intact and holds every drained prediction
  const meta = await MetaStore.create({ home: s.home });
  try {
    const entries = await listAudit(meta, { action: 'predict', limit: 10_000 });
    expect(entries.filter((e) => e.outputSummary === 'n=20000')).toHaveLength(N);
    expect((await verifyAuditChain(meta)).ok).toBe(true);
    const logged = await meta.db
      .selectFrom('prediction_log')
      .select((eb) => eb.fn.sum<number>('n_rows').as('n'))
      .where('request_id', 'like', 'drain-%')
      .executeTakeFirstOrThrow();
    expect(Number(logged.n)).toBe(N * 20_000);
  } finally {
    await meta.close();
  }
});
