/**
 * Predict's top factors and training-range warnings, the train job's live loss and cancellation, and
 * the report job served at the model's report route — through real HTTP.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MISSING_TOKENS } from '../config/index.js';
import type { JobEvent } from '../jobs/index.js';
import { ensureCatalog } from '../store/index.js';
import { ingestFile } from '../ingest/index.js';
import { lcg, makeTestArtifact, startTestServer, type TestServer, testRows } from './testing.js';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
  await makeTestArtifact(path.join(s.home, 'artifacts', 'a1'), 1);
  const reg = await s.fetch('/api/v1/models', {
    method: 'POST',
    json: { name: 'risk', artifactId: 'a1', alias: 'champion' },
  });
  expect(reg.status).toBe(201);
  // a dataset for the train and report jobs: the test model's features + an outcome + a text column
  const r = lcg(3);
  const rows = testRows(1200, 9);
  const csv = ['age,bmi,glucose,smoker,outcome'];
  for (const x of rows) {
    const z = 0.05 * (x.age - 55) + 0.1 * (x.bmi - 28) + 0.02 * (x.glucose - 130);
    csv.push(
      `${x.age},${x.bmi},${x.glucose},${r() < 0.3 ? 'yes' : 'no'},${r() < 1 / (1 + Math.exp(-z)) ? 1 : 0}`,
    );
  }
  const file = path.join(s.home, 'cohort.csv');
  writeFileSync(file, `${csv.join('\n')}\n`);
  await s.service.withDatasets(async (db) => {
    await ensureCatalog(db);
    await ingestFile(db, file, { name: 'cohort', missingTokensDefault: DEFAULT_MISSING_TOKENS });
  });
});
afterAll(async () => s?.dispose());

async function waitFor(id: string, statuses: string[]): Promise<Record<string, any>> {
  for (let i = 0; i < 600; i++) {
    const job = await (await s.fetch(`/api/v1/jobs/${id}`)).json();
    if (statuses.includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} never reached ${statuses.join('|')}`);
}

describe('predict: factors and warnings', () => {
  it('returns top factors (k, ?factors=0) and advisory training-range warnings; clinical limits stay hard', async () => {
    const row = { age: 95, bmi: 30, glucose: 140 }; // age 95: plausible, but the training rows stop at 80
    const ok = await s.fetch('/api/v1/models/risk/predict', { method: 'POST', json: { rows: [row] } });
    expect(ok.status, await ok.clone().text()).toBe(200);
    const [p] = (await ok.json()).predictions;
    expect(p.warnings).toEqual([
      expect.stringMatching(/^age 95 years is outside the training range 20–\d+ years$/),
    ]);
    expect(p.factors).toHaveLength(3);
    const abs = p.factors.map((f: { contribution: number }) => Math.abs(f.contribution));
    expect(abs).toEqual([...abs].sort((a, b) => b - a));
    expect(p.factors.find((f: { feature: string }) => f.feature === 'age')).toMatchObject({
      value: 95,
      direction: 'increases',
    });

    const k1 = await (
      await s.fetch('/api/v1/models/risk/predict?factors=1', { method: 'POST', json: { rows: [row] } })
    ).json();
    expect(k1.predictions[0].factors).toHaveLength(1);
    const none = await (
      await s.fetch('/api/v1/models/risk/predict?factors=0', { method: 'POST', json: { rows: [row] } })
    ).json();
    expect(none.predictions[0].factors).toEqual([]);
    expect(none.predictions[0].probability).toBe(p.probability);

    // factors for the first 100 rows only (by default)
    const many = await (
      await s.fetch('/api/v1/models/risk/predict', { method: 'POST', json: { rows: testRows(120, 4) } })
    ).json();
    expect(many.predictions[99].factors.length).toBeGreaterThan(0);
    expect(many.predictions[100].factors).toEqual([]);

    const implausible = await s.fetch('/api/v1/models/risk/predict', {
      method: 'POST',
      json: { rows: [{ age: 150, bmi: 30, glucose: 140 }] },
    });
    expect(implausible.status).toBe(400);
    expect((await implausible.json()).errors).toEqual([
      { row: 0, field: 'age', problem: 'must be within [0, 120] a; got 150' },
    ]);
  });
});

describe('train and report jobs', () => {
  const spec = {
    dataset: 'cohort',
    target: 'outcome',
    preprocess: { steps: [{ onehot: { handleUnknown: 'ignore' } }] },
    split: { type: 'holdout', testSize: 0.25, seed: 0 },
    model: { type: 'gbdt', params: { nEstimators: 60, learningRate: 0.1, seed: 0 } },
  };

  it('streams fit progress (iteration, loss) to job subscribers (SSE) and registers the model', async () => {
    const seen: JobEvent[] = [];
    const listen = (e: JobEvent) => seen.push(e);
    s.service.jobs.events.on('job', listen);
    const sub = await s.fetch('/api/v1/jobs', {
      method: 'POST',
      json: { type: 'train', params: { spec, register: { name: 'gb', alias: 'champion' } } },
    });
    expect(sub.status).toBe(202);
    const { id } = await sub.json();
    const job = await waitFor(id, ['succeeded', 'failed']);
    s.service.jobs.events.off('job', listen);
    expect(job.status, job.error).toBe('succeeded');
    const fit = seen.flatMap((e) =>
      e.type === 'progress' && e.id === id && typeof e.progress.iteration === 'number' ? [e.progress] : [],
    );
    expect(fit.length).toBeGreaterThan(0);
    expect(fit.at(-1)).toMatchObject({ iteration: 60, totalIterations: 60, trainLoss: expect.any(Number) });
    expect(job.result.registered).toEqual({ name: 'gb', version: 1 });
    const res = await s.fetch('/api/v1/models/gb/predict', {
      method: 'POST',
      json: { rows: [{ age: 60, bmi: 30, glucose: 150, smoker: true }] },
    });
    const pred = await res.json();
    expect(res.status, JSON.stringify(pred)).toBe(200);
    expect(pred.predictions[0].factors.length).toBeGreaterThan(0); // TreeSHAP
  });

  it('cancels a train job mid-fit', async () => {
    const long = { ...spec, model: { type: 'gbdt', params: { nEstimators: 100000, learningRate: 0.01 } } };
    const { id } = await (
      await s.fetch('/api/v1/jobs', { method: 'POST', json: { type: 'train', params: { spec: long } } })
    ).json();
    for (let i = 0; i < 400; i++) {
      const j = await (await s.fetch(`/api/v1/jobs/${id}`)).json();
      if (typeof j.progress?.iteration === 'number' && j.progress.iteration > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await s.fetch(`/api/v1/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    const job = await waitFor(id, ['cancelled', 'failed', 'succeeded']);
    expect(job.status).toBe('cancelled');
  });

  it('report job writes HTML, Markdown and the model card; the report route serves them', async () => {
    expect((await s.fetch('/api/v1/models/gb/versions/1/report?format=html')).status).toBe(404);
    const { id } = await (
      await s.fetch('/api/v1/jobs', {
        method: 'POST',
        json: { type: 'report', params: { model: 'gb', version: 1, replicates: 50, groups: ['smoker'] } },
      })
    ).json();
    const job = await waitFor(id, ['succeeded', 'failed']);
    expect(job.status, job.error).toBe('succeeded');
    expect(job.result).toMatchObject({
      model: { name: 'gb', version: 1 },
      rows: 300,
      evaluationData: expect.stringMatching(/held out/),
    });
    const html = await s.fetch(job.result.urls.html);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toMatch(/model report/);
    const md = await s.fetch('/api/v1/models/gb/versions/1/report?format=md');
    expect(md.headers.get('content-type')).toMatch(/text\/markdown/);
    const card = await (await s.fetch('/api/v1/models/gb/versions/1/report?format=card')).json();
    expect(card.n).toBe(300);
    // the JSON card stays the default
    expect((await (await s.fetch('/api/v1/models/gb/versions/1/report')).json()).model.name).toBe('gb');
  });
});
