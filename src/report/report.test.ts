import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Column, Matrix } from '../core/index.js';
import { GbdtEstimator } from '../learn/index.js';
import { generateCohort } from '../synth/index.js';
import { REPORT_SECTIONS, buildReportData, writeReport } from './index.js';

const FEATURES = ['age', 'bmi', 'sbp', 'hba1c', 'glucose', 'hdl', 'triglycerides', 'family_history_diabetes'];
const OUT = path.resolve('.tmp');

function col(frame: { columns: readonly Column[] }, name: string): Column {
  return frame.columns.find((c) => c.name === name)!;
}

describe('model report', () => {
  it('synthetic-cohort diabetes GBDT: every section, self-contained HTML, Markdown, card, PNG; screenshot in Chromium', async () => {
    const cohort = generateCohort({ patients: 1600, seed: 7 });
    const frame = cohort.truth.clean;
    const n = frame.nRows;
    const y = Float64Array.from(cohort.truth.outcome);
    const matrix = (rows: number[]): Matrix => {
      const data = new Float64Array(rows.length * FEATURES.length);
      FEATURES.forEach((f, j) => {
        const c = col(frame, f) as { values: Float64Array };
        rows.forEach((r, k) => {
          data[j * rows.length + k] = c.values[r];
        });
      });
      return { data, nRows: rows.length, nCols: FEATURES.length, columns: FEATURES };
    };
    const train = Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0);
    const test = Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 1);
    const model = await new GbdtEstimator({
      nEstimators: 60,
      learningRate: 0.1,
      maxDepth: 3,
      growth: 'depthwise',
    }).fit(
      matrix(train),
      Float64Array.from(train, (i) => y[i]),
    );
    const sex = col(frame, 'sex') as unknown as { codes: Int32Array; dictionary: string[] };
    const eth = col(frame, 'race_ethnicity') as unknown as { codes: Int32Array; dictionary: string[] };
    const data = buildReportData({
      model,
      X: matrix(test),
      y: Float64Array.from(test, (i) => y[i]),
      groups: {
        sex: test.map((i) => sex.dictionary[sex.codes[i]]),
        race_ethnicity: test.map((i) => eth.dictionary[eth.codes[i]]),
      },
      target: 'diabetes_5y',
      threshold: 0.2,
      bootstrapReplicates: 200,
      card: {
        name: 'Diabetes 5-year risk (synthetic)',
        intendedUse: 'Flag adults for diabetes prevention outreach.',
        intendedUsers: 'Primary-care teams',
        dataSource: 'Aegle synthetic cohort (seed 7)',
        dataDates: 'synthetic',
        units: { hba1c: 'mmol/mol' },
      },
      cohortFlow: {
        rowsIn: n,
        excluded: [{ reason: 'training half', rows: train.length }],
        analysed: test.length,
        missingOutcome: 0,
      },
      evaluationData: 'odd-numbered rows of the synthetic cohort',
      generatedAt: '2024-01-01T00:00:00Z',
    });
    // The model should approach the true-risk AUROC and find HbA1c / glucose among the top features.
    expect(data.discrimination.auroc.auc).toBeGreaterThan(0.6);
    expect(data.discrimination.auroc.auc).toBeLessThanOrEqual(cohort.truth.bestAuroc + 0.05);
    expect(data.subgroups.map((s) => s.column)).toEqual(['sex', 'race_ethnicity']);

    mkdirSync(OUT, { recursive: true });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aegle-report-'));
    const w = await writeReport(data, path.join(dir, 'report.html'), { png: true });
    const html = readFileSync(w.html, 'utf8');
    for (const [id, title] of REPORT_SECTIONS) {
      expect(html).toContain(`<section id="${id}">`);
      expect(readFileSync(w.markdown, 'utf8')).toContain(`## ${title}`);
    }
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // self-contained: no scripts, no remote resources
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(8);
    expect(JSON.parse(readFileSync(w.card, 'utf8')).card.intendedUse).toMatch(/prevention/);
    expect(w.charts.filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(8);

    const chromium = '/usr/bin/chromium';
    if (!existsSync(chromium)) {
      console.warn('NOTICE: /usr/bin/chromium is missing — report screenshot skipped');
      return;
    }
    const shot = path.join(OUT, 'report-screenshot.png');
    execFileSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${mkdtempSync(path.join(os.tmpdir(), 'aegle-chromium-'))}`,
        `--screenshot=${shot}`,
        '--window-size=1280,9000',
        `file://${w.html}`,
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
    expect(statSync(shot).size).toBeGreaterThan(50_000);
  }, 90_000);
});
