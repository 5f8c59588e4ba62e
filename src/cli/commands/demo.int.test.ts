/**
 * `aegle demo --no-serve` through a real process in a temporary home: the diabetes model ends up
 * registered as champion with its report, an admin key is printed once, a second run reuses
 * everything, and the service built on that home predicts with the printed key.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { buildApp, Service } from '../../serve/index.js';

const ROOT = path.resolve(__dirname, '../../..');
const home = mkdtempSync(path.join(os.tmpdir(), 'aegle-demo-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function demo() {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'src/cli/main.ts'),
      'demo',
      '--no-serve',
      '--patients',
      '800',
      '--json',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

it('demo --no-serve trains and registers the champion, prints a key once, reuses on rerun; predict works', async () => {
  const first = demo();
  expect(first.code, first.stderr).toBe(0);
  const a = JSON.parse(first.stdout);
  expect(a.model).toMatchObject({ name: 'diabetes', version: 1, alias: 'champion', reused: false });
  expect(a.model.metrics.values.auroc).toBeGreaterThan(0.6);
  expect(existsSync(a.model.report)).toBe(true);
  expect(a.apiKey).toMatch(/^aegle_[0-9a-f]{12}_/);
  expect(a.url).toBeNull();

  const second = demo();
  expect(second.code, second.stderr).toBe(0);
  const b = JSON.parse(second.stdout);
  expect(b.model).toMatchObject({ name: 'diabetes', version: 1, reused: true });
  expect(b.clean).toBe(a.clean);
  expect(b.apiKey).toBeNull(); // shown once

  const service = await Service.create({
    config: loadConfig({ AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'silent' }),
  });
  const app = await buildApp(service, { logger: false });
  try {
    const models = await app.inject({
      method: 'GET',
      url: '/api/v1/models',
      headers: { authorization: `Bearer ${a.apiKey}` },
    });
    expect(models.json()).toMatchObject([{ name: 'diabetes', aliases: { champion: 1 } }]);
    const row = {
      age: 61,
      sex: 'F',
      bmi: 31.2,
      sbp: 138,
      dbp: 85,
      heart_rate: 72,
      hba1c: 6.1,
      glucose: 112,
      total_chol: 210,
      hdl: 45,
      ldl: 130,
      triglycerides: 180,
      egfr: 85,
      smoking: 'never',
      family_history_diabetes: 1,
      physical_activity: 'low',
    };
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/models/diabetes/predict',
      headers: { authorization: `Bearer ${a.apiKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ rows: [row] }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json().predictions[0];
    expect(p.probability).toBeGreaterThan(0);
    expect(p.probability).toBeLessThan(1);
    expect(p.factors).toHaveLength(5);
    const report = await app.inject({
      method: 'GET',
      url: '/api/v1/models/diabetes/versions/1/report?format=html',
      headers: { authorization: `Bearer ${a.apiKey}` },
    });
    expect(report.statusCode).toBe(200);
    const dashboard = await app.inject({ method: 'GET', url: '/' });
    expect(dashboard.statusCode).toBe(200);
  } finally {
    await app.close();
    await service.close(0);
  }
}, 240_000);
