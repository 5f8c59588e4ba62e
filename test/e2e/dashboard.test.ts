/**
 * The dashboard in real Chromium against a real Aegle server: the whole journey (sign in → upload a
 * CSV → profile → train twice with live progress → compare versions → promote → predict → the audit
 * entry), the pages fed by the schema-first data routes (the Train form generated from the estimators'
 * schemas, cleaning with its report, analyses drawn with the CLI's charts, a version's validation
 * curves, SHAP and subgroups), a tablet-width pass, and a role test (a clinician cannot reach training
 * or audit). Every test
 * fails on any console error or failed request; screenshots go to .tmp/e2e/.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/serve/testing.js';
import { buildDashboard, hasChromium, launch, ROOT, SHOTS, signIn, watchedPage } from './harness.js';

const CSV = path.resolve(ROOT, '..', 'shared', 'data', 'tabular', 'uci-heart-failure-clinical-records.csv');

if (!hasChromium)
  console.warn('NOTICE: /usr/bin/chromium is absent: the dashboard browser tests are skipped.');

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    await buildDashboard();
    server = await startTestServer();
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it('serves the bundle with caching headers', async () => {
    const index = await fetch(`${server.url}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'br' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-encoding')).toBe('br');
    expect((await fetch(`${server.url}/assets/nope.js`)).status).toBe(404);
    // the API keeps its own strict policy and still needs a key
    expect((await fetch(`${server.url}/api/v1/models`)).status).toBe(401);
  });

  it('walks the whole journey: upload → profile → train → compare → promote → predict → audit', async () => {
    const { page, problems, shot } = await watchedPage(browser, 'journey');
    await page.goto(server.url);
    await page.getByLabel('API key').waitFor();
    await shot('sign-in');
    await signIn(page, server.url, server.keys.admin);
    await expect.poll(() => page.getByTestId('role').textContent()).toBe('admin');

    // upload
    await page.getByRole('link', { name: 'Datasets' }).click();
    await page.getByLabel('File (CSV, TSV or Parquet)').setInputFiles(CSV);
    await expect
      .poll(() => page.getByLabel('Dataset name').inputValue())
      .toBe('uci_heart_failure_clinical_records');
    await page.getByLabel('Dataset name').fill('heart_failure');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText(/Uploaded heart_failure@/).waitFor();
    await shot('datasets');

    // profile: warnings, column table, charts drawn by Vega
    await page.getByRole('link', { name: 'heart_failure' }).first().click();
    await page.getByRole('heading', { name: /Warnings/ }).waitFor();
    await page.locator('figure svg[aria-label^="Correlation heatmap"]').waitFor({ timeout: 30_000 });
    await page.locator('figure svg[aria-label^="Histogram of age"]').waitFor();
    expect(await page.locator('table tbody tr').count()).toBeGreaterThan(5);
    await shot('profile');

    // train twice (two versions), watching the job page until it succeeds
    // the parameter fields come from GET /api/v1/estimators: v2 sets logistic's C there
    for (const [i, C] of [
      [1, null],
      [2, '0.05'],
    ] as const) {
      await page.getByRole('link', { name: 'Train', exact: true }).click();
      await page.getByLabel('Target (outcome)').selectOption('DEATH_EVENT');
      await page.getByRole('checkbox', { name: 'time', exact: true }).check();
      await page.getByLabel('Model name').fill('hf_risk');
      await expect.poll(() => page.getByLabel('Estimator', { exact: true }).inputValue()).toBe('logistic');
      if (C) await page.getByLabel('C', { exact: true }).fill(C);
      if (i === 1) await shot('train-form');
      await page.getByRole('button', { name: 'Start training' }).click();
      await page.getByRole('heading', { name: /^Job / }).waitFor();
      await expect
        .poll(() => page.getByTestId('job-status').textContent(), { timeout: 60_000 })
        .toBe('succeeded');
      await page.getByRole('link', { name: `hf_risk version ${i}` }).waitFor();
      if (i === 1) await shot('job-done');
    }

    // compare the two versions side by side
    await page.getByRole('link', { name: 'hf_risk version 2' }).click();
    await page.getByRole('checkbox', { name: 'Compare version 1' }).check();
    await page.getByRole('checkbox', { name: 'Compare version 2' }).check();
    await page.getByRole('button', { name: /Compare selected/ }).click();
    await page.getByRole('heading', { name: 'Compare hf_risk v1 and v2' }).waitFor();
    await expect.poll(() => page.getByTestId('compare-table').locator('tbody tr').count()).toBeGreaterThan(3);
    await page.locator('figure svg[aria-label^="Metrics of versions"]').waitFor({ timeout: 30_000 });
    await shot('compare');

    // promote v2 to champion
    await page.getByRole('link', { name: '← hf_risk' }).click();
    await page.getByRole('row', { name: /v2/ }).getByRole('button', { name: 'Make champion' }).click();
    await page.getByText("'champion' now points at version 2").waitFor();
    await expect.poll(() => page.getByRole('row', { name: /v2/ }).getByText('champion').count()).toBe(1);
    await shot('promoted');

    // predict with the champion: form from the input schema
    await page.getByRole('link', { name: 'Predict' }).click();
    const row = {
      age: 75,
      anaemia: 0,
      creatinine_phosphokinase: 582,
      diabetes: 0,
      ejection_fraction: 20,
      high_blood_pressure: 1,
      platelets: 265000,
      serum_creatinine: 1.9,
      serum_sodium: 130,
      sex: 1,
      smoking: 0,
    };
    await page.locator('input[name="age"]').waitFor();
    for (const [k, v] of Object.entries(row)) await page.locator(`input[name="${k}"]`).fill(String(v));
    await page.getByRole('button', { name: 'Predict', exact: true }).click();
    const risk = await page.getByTestId('risk').textContent({ timeout: 20_000 });
    expect(risk).toMatch(/^\d+(\.\d)?%$/);
    expect(await page.getByTestId('curl').textContent()).toContain(
      '/api/v1/models/hf_risk/predict?alias=champion',
    );
    await shot('predict');

    // the audit entry of that prediction
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Action').fill('predict');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page
      .getByTestId('audit-table')
      .getByRole('cell', { name: 'model:hf_risk@champion' })
      .first()
      .waitFor();
    await expect.poll(() => page.getByTestId('chain-status').textContent()).toMatch(/^Chain intact/);
    await shot('audit');

    expect(problems).toEqual([]);
  }, 120_000);

  it("generates the Train form from the estimators' schemas", async () => {
    const { page, problems, shot } = await watchedPage(browser, 'estimators');
    const est = (await (await server.fetch('/api/v1/estimators')).json()) as {
      kind: string;
      params: { name: string; default: unknown }[];
    }[];
    const gbdt = est.find((e) => e.kind === 'gbdt')!;
    const lr = gbdt.params.find((p) => p.name === 'learningRate')!;
    expect(typeof lr.default).toBe('number');
    await signIn(page, server.url, server.keys.scientist);
    await page.getByRole('link', { name: 'Train', exact: true }).click();
    await page.getByLabel('Estimator', { exact: true }).selectOption('gbdt');
    // every gbdt parameter has its field, showing the schema's default; no hand-kept JSON box
    const field = page.getByLabel('learningRate', { exact: true });
    await expect.poll(() => field.inputValue()).toBe(String(lr.default));
    for (const p of gbdt.params) expect(await page.getByLabel(p.name, { exact: true }).count()).toBe(1);
    expect(await page.getByLabel('Parameters (JSON)').count()).toBe(0);
    await shot('gbdt-form');
    expect(problems).toEqual([]);
  }, 60_000);

  it('draws analyses with the CLI charts: Kaplan–Meier with numbers at risk, Table 1, clusters', async () => {
    const { page, problems, shot } = await watchedPage(browser, 'analysis');
    await signIn(page, server.url, server.keys.scientist);
    await page.getByRole('link', { name: 'Analysis' }).click();
    await page.getByLabel('Dataset', { exact: true }).selectOption('heart_failure');
    await page.getByLabel('Analysis', { exact: true }).selectOption('km');
    await page.getByLabel('Follow-up time').selectOption('time');
    await page.getByLabel('Event (0/1)').selectOption('DEATH_EVENT');
    await page.getByLabel(/^Group/).selectOption('sex');
    await page.getByRole('button', { name: 'Run analysis' }).click();
    const km = page.locator('figure svg[aria-label^="Kaplan"]');
    await km.waitFor({ timeout: 30_000 });
    expect(await km.locator('text', { hasText: 'Number at risk' }).count()).toBeGreaterThan(0);
    await page.getByText(/Log-rank χ²/).waitFor();
    await shot('km');

    await page.getByLabel('Analysis', { exact: true }).selectOption('table1');
    await page.getByLabel('Stratify by').selectOption('DEATH_EVENT');
    await page.getByRole('button', { name: 'Run analysis' }).click();
    await expect.poll(() => page.getByTestId('table1').locator('tbody tr').count()).toBeGreaterThan(10);
    await shot('table1');

    await page.getByLabel('Analysis', { exact: true }).selectOption('kmeans');
    for (const c of ['age', 'ejection_fraction', 'serum_creatinine'])
      await page.getByRole('checkbox', { name: c, exact: true }).check();
    await page.getByRole('button', { name: 'Run analysis' }).click();
    await page.locator('figure svg[aria-label^="k-means"]').waitFor({ timeout: 30_000 });
    await shot('clusters');
    expect(problems).toEqual([]);
  }, 60_000);

  it("cleans a dataset with a spec and shows the report; shows a version's curves, SHAP and subgroups", async () => {
    const { page, problems, shot } = await watchedPage(browser, 'insights');
    await signIn(page, server.url, server.keys.scientist);
    await page.getByRole('link', { name: 'Datasets' }).click();
    await page.getByRole('link', { name: 'heart_failure' }).first().click();
    await page.getByLabel('Cleaned dataset name').fill('heart_failure_clean');
    await page.getByRole('button', { name: 'Run cleaning' }).click();
    const report = page.getByTestId('clean-report');
    await report.getByText(/rows kept/).waitFor({ timeout: 30_000 });
    expect(await report.getByRole('row').count()).toBeGreaterThan(3);
    await shot('clean-report');

    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('link', { name: 'hf_risk' }).click();
    await page.getByLabel('Subgroup columns').fill('sex');
    await page.getByRole('button', { name: 'Show validation' }).click();
    const ev = page.getByTestId('evaluation');
    await ev.locator('figure svg[aria-label^="ROC"]').waitFor({ timeout: 60_000 });
    await ev.locator('figure svg[aria-label^="Calibration"]').waitFor();
    expect(await ev.getByTestId('auroc').textContent()).toMatch(/^0\.\d{3} \(/);
    expect(await ev.getByTestId('shap-table').locator('tbody tr').count()).toBeGreaterThan(5);
    expect(await ev.getByTestId('subgroup-table').locator('tbody tr').count()).toBe(2);
    await ev.getByText(/include training rows/).waitFor();
    await shot('validation');
    expect(problems).toEqual([]);
  }, 90_000);

  it('is readable at tablet width and lists monitoring', async () => {
    const { page, problems, shot } = await watchedPage(browser, 'tablet', { width: 820, height: 1100 });
    await signIn(page, server.url, server.keys.scientist);
    await page.getByRole('link', { name: 'Monitoring' }).click();
    await page.getByRole('heading', { name: 'Input drift' }).waitFor();
    await page.getByRole('heading', { name: /Requests and latency/ }).waitFor();
    await page
      .getByText(/logged rows|No predictions logged/)
      .first()
      .waitFor({ timeout: 20_000 });
    await shot('monitoring');
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('link', { name: 'hf_risk' }).click();
    await page.getByRole('heading', { name: /Model hf_risk/ }).waitFor();
    await shot('model');
    // no horizontal scrolling of the page itself at tablet width
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    expect(problems).toEqual([]);
  }, 60_000);

  it('a clinician sees only Predict and cannot reach training or audit', async () => {
    const { page, problems, shot } = await watchedPage(browser, 'clinician');
    await signIn(page, server.url, server.keys.clinician);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Predict']);
    await page.goto(`${server.url}/#/train`);
    await page.getByText('Your role (clinician) may not submit training jobs.').waitFor();
    await shot('train-refused');
    await page.goto(`${server.url}/#/audit`);
    await page.getByText('Your role (clinician) may not read the audit log.').waitFor();
    await page.goto(`${server.url}/#/datasets`);
    await page.getByText('Your role (clinician) may not read datasets.').waitFor();
    // predicting by name works for the clinician
    await page.goto(`${server.url}/#/predict`);
    await page.getByLabel('Model name').fill('hf_risk');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.locator('input[name="ejection_fraction"]').waitFor();
    await shot('predict');
    expect(problems).toEqual([]);
  }, 60_000);

  it('says in words when the key is wrong', async () => {
    const { page, problems, shot } = await watchedPage(browser, 'bad-key');
    await page.goto(server.url);
    await page.getByLabel('API key').fill('aegle_000000000000_wrongwrongwrongwrongwrongwrongwrongwrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .getByText(/Could not sign in/)
      .waitFor();
    await shot('refused');
    // the one expected 401 (and the console line Chromium writes for it), nothing else
    expect(problems.filter((p) => !/401/.test(p))).toEqual([]);
  }, 30_000);

  it('writes screenshots', () => {
    expect(SHOTS).toContain('.tmp');
  });
});
