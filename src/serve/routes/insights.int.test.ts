/**
 * The dashboard's data routes through real HTTP: estimator and transformer schemas, cleaning a stored
 * dataset, analyses with their Vega-Lite charts, and a model version's evaluation (curves, calibration,
 * subgroups, SHAP) on a named dataset, cached.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lcg, makeTestArtifact, startTestServer, type TestServer, testRows } from '../testing.js';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
  await makeTestArtifact(path.join(s.home, 'artifacts', 'a1'), 1);
  // an evaluation set with the test model's features, an outcome, a subgroup, follow-up and dupes
  const r = lcg(5);
  const rows = testRows(300, 7).map((x, i) => {
    const risk = 1 / (1 + Math.exp(-(0.04 * (x.age - 55) + 0.1 * (x.bmi - 28) + 0.02 * (x.glucose - 130))));
    return {
      id: i % 290,
      ...x,
      sex: i % 2 ? 'F' : 'M',
      time: Math.round(1 + 100 * r()),
      outcome: r() < risk ? 1 : 0,
    };
  });
  const csv = [Object.keys(rows[0]).join(','), ...rows.map((x) => Object.values(x).join(','))].join('\n');
  const fd = new FormData();
  fd.append('name', 'cohort');
  fd.append('file', new Blob([csv], { type: 'text/csv' }), 'cohort.csv');
  const up = await s.fetch('/api/v1/datasets', { method: 'POST', body: fd });
  expect(up.status, await up.clone().text()).toBe(201);
  const reg = await s.fetch('/api/v1/models', { method: 'POST', json: { name: 'risk', artifactId: 'a1' } });
  expect(reg.status, await reg.clone().text()).toBe(201);
});
afterAll(async () => s?.dispose());

describe('dashboard data routes', () => {
  it('publishes every estimator with its parameter schema, and the transformers', async () => {
    const res = await s.fetch('/api/v1/estimators', { key: s.keys.clinician });
    expect(res.status).toBe(200);
    const est = (await res.json()) as {
      kind: string;
      params: { name: string; type: string; default: unknown }[];
    }[];
    const gbdt = est.find((e) => e.kind === 'gbdt');
    expect(gbdt).toBeTruthy();
    expect(gbdt!.params.length).toBeGreaterThan(3);
    const lr = gbdt!.params.find((p) => p.name === 'learningRate');
    expect(lr).toMatchObject({ type: 'number', description: expect.any(String) });
    expect(typeof lr?.default).toBe('number');
    const enumParam = est.flatMap((e) => e.params).find((p) => p.type === 'enum') as { values?: string[] };
    expect(enumParam.values?.length).toBeGreaterThan(1);
    const tr = await (await s.fetch('/api/v1/transformers')).json();
    expect(tr.map((t: { kind: string }) => t.kind)).toContain('impute');
  });

  it('cleans a dataset into a new version with its report; the same spec twice is unchanged', async () => {
    const spec = 'steps:\n  - dedupe: { keys: [id] }\n  - impute: { strategy: median }\n';
    const res = await s.fetch('/api/v1/datasets/cohort/clean', {
      method: 'POST',
      json: { spec, out: 'cohort_clean' },
      key: s.keys.scientist,
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ dataset: 'cohort_clean', rowsIn: 300, rowsOut: 290, unchanged: false });
    expect(body.report.droppedTotal).toBe(10);
    expect(body.report.steps.map((x: { kind: string }) => x.kind)).toEqual(['dedupe', 'impute']);
    const again = await (
      await s.fetch('/api/v1/datasets/cohort/clean', { method: 'POST', json: { spec, out: 'cohort_clean' } })
    ).json();
    expect(again).toMatchObject({ version: body.version, unchanged: true });
    const bad = await s.fetch('/api/v1/datasets/cohort/clean', {
      method: 'POST',
      json: { spec: 'steps:\n  - impute: { strategy: nope }\n', out: 'x' },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail).toMatch(/strategy/);
    expect(
      (
        await s.fetch('/api/v1/datasets/cohort/clean', {
          method: 'POST',
          json: { spec, out: 'y' },
          key: s.keys.service,
        })
      ).status,
    ).toBe(403);
  });

  it('runs analyses with the CLI charts: KM with numbers at risk, k-means on PCA, Table 1', async () => {
    const km = await s.fetch('/api/v1/analysis/km', {
      method: 'POST',
      json: { dataset: 'cohort', options: { time: 'time', event: 'outcome', group: 'sex' } },
      key: s.keys.scientist,
    });
    const kmBody = await km.json();
    expect(km.status, JSON.stringify(kmBody)).toBe(200);
    expect(kmBody.result.groups.map((g: { name: string }) => g.name).sort()).toEqual(['F', 'M']);
    expect(Array.isArray(kmBody.result.groups[0].survival)).toBe(true);
    expect(kmBody.result.logrank.p).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(kmBody.chart)).toContain('Number at risk');
    const km2 = await (
      await s.fetch('/api/v1/analysis/kmeans', {
        method: 'POST',
        json: { dataset: 'cohort', options: { columns: ['age', 'bmi', 'glucose'], k: 3 } },
      })
    ).json();
    expect(km2.result.profiles).toHaveLength(3);
    expect(km2.chart.title).toMatch(/PCA/);
    const t1 = await (
      await s.fetch('/api/v1/analysis/table1', {
        method: 'POST',
        json: { dataset: 'cohort', options: { strata: 'sex', variables: ['age', 'bmi'] } },
      })
    ).json();
    expect(t1.result.strata).toEqual(['F', 'M']);
    expect(t1.chart).toBeNull();
    const missing = await s.fetch('/api/v1/analysis/km', { method: 'POST', json: { dataset: 'cohort' } });
    expect(missing.status).toBe(400);
    expect((await missing.json()).code).toBe('AEGLE_ANALYSIS_BAD_ARGUMENT');
    expect(
      (await s.fetch('/api/v1/analysis/nope', { method: 'POST', json: { dataset: 'cohort' } })).status,
    ).toBe(400);
    expect(
      (
        await s.fetch('/api/v1/analysis/km', {
          method: 'POST',
          json: { dataset: 'cohort' },
          key: s.keys.clinician,
        })
      ).status,
    ).toBe(403);
  });

  it('evaluates a version on a dataset: curves, calibration, subgroups, SHAP; cached', async () => {
    const url = '/api/v1/models/risk/versions/1/evaluation?dataset=cohort&group=sex&replicates=20';
    const t0 = performance.now();
    const res = await s.fetch(url, { key: s.keys.scientist });
    const first = performance.now() - t0;
    const e = await res.json();
    expect(res.status, JSON.stringify(e)).toBe(200);
    expect(e.dataset).toMatchObject({
      name: 'cohort',
      rows: 300,
      analysed: 300,
      includesTrainingRows: false,
    });
    expect(e.discrimination.auroc).toBeGreaterThan(0.6);
    expect(e.roc[0]).toMatchObject({ x: 0, y: 0 });
    expect(e.roc.at(-1)).toMatchObject({ x: 1, y: 1 });
    expect(e.pr.length).toBeGreaterThan(2);
    expect(typeof e.calibration.slope).toBe('number');
    expect(e.calibration.curve.length).toBeGreaterThan(3);
    expect(e.decisionCurve.length).toBe(50);
    expect(e.operatingTable.length).toBeGreaterThan(5);
    expect(e.subgroups[0].column).toBe('sex');
    expect(e.subgroups[0].rows.map((r: { group: string }) => r.group).sort()).toEqual(['F', 'M']);
    expect(e.shap.features.map((f: { feature: string }) => f.feature).sort()).toEqual([
      'age',
      'bmi',
      'glucose',
    ]);
    expect(Object.keys(e.charts)).toEqual(expect.arrayContaining(['roc', 'pr', 'calibration', 'decision']));
    const t1 = performance.now();
    const again = await (await s.fetch(url)).json();
    expect(performance.now() - t1).toBeLessThan(Math.max(first, 50));
    expect(again.computedAt).toBe(e.computedAt);
    // the test artifact records no training dataset: one must be named
    const none = await s.fetch('/api/v1/models/risk/versions/1/evaluation');
    expect(none.status).toBe(400);
    expect((await none.json()).detail).toMatch(/\?dataset=/);
    expect((await s.fetch(url, { key: s.keys.service })).status).toBe(403);
  });
});
