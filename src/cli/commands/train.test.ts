/** `aegle train` / `aegle predict` end to end, in-process (the real commander program). */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

const dir = mkdtempSync(path.join(tmpdir(), 'aegle-train-'));
const shared = path.resolve(__dirname, '../../../../shared/data/tabular');
let oldHome: string | undefined;

beforeAll(() => {
  oldHome = process.env.AEGLE_HOME;
  process.env.AEGLE_HOME = path.join(dir, 'home');
  copyFileSync(path.join(shared, 'uci-heart-failure-clinical-records.csv'), path.join(dir, 'hf.csv'));
  copyFileSync(path.join(shared, 'uci-heart-disease-processed.cleveland.data.csv'), path.join(dir, 'hd.csv'));
});
afterAll(() => {
  if (oldHome === undefined) delete process.env.AEGLE_HOME;
  else process.env.AEGLE_HOME = oldHome;
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    const code = await main(['node', 'aegle', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

function spec(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('aegle train / predict', () => {
  it('trains with a hold-out split, prints {model, artifact, metrics} and predicts one row per input row', async () => {
    const s = spec(
      'hf.yaml',
      `dataset: hf.csv
target: DEATH_EVENT
preprocess:
  steps:
    - impute: { strategy: median }
    - scale: { method: standard }
split: { type: holdout, testSize: 0.3, stratify: true, seed: 0 }
model: { type: logistic, params: { C: 1 } }
metrics: [auroc, brier, sensitivity]
`,
    );
    const r = await run('train', s, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.model).toMatch(/^m_/);
    expect(j.artifact).toBe(path.join(dir, 'home', 'artifacts', j.model));
    expect(Object.keys(j.metrics)).toEqual(['auroc', 'brier', 'sensitivity']);
    expect(j.metrics.auroc).toBeGreaterThan(0.75);
    const manifest = JSON.parse(readFileSync(path.join(j.artifact, 'manifest.json'), 'utf8'));
    expect(manifest.lineage.dataset.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.lineage.splitSeed).toBe(0);

    const out = path.join(dir, 'preds.csv');
    const p = await run('predict', j.model, path.join(dir, 'hf.csv'), '--out', out, '--json');
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out).rows).toBe(299);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('prediction,probability');
    expect(lines).toHaveLength(300);
    const [pred, prob] = lines[1].split(',');
    expect(['0', '1']).toContain(pred);
    expect(Number(prob)).toBeGreaterThan(0);
    expect(pred).toBe(Number(prob) >= 0.5 ? '1' : '0');
  });

  it('--report writes the model report on the held-out rows and adds its path to the JSON', async () => {
    const s = spec(
      'hf-report.yaml',
      `dataset: hf.csv
target: DEATH_EVENT
preprocess:
  steps:
    - impute: { strategy: median }
split: { type: holdout, testSize: 0.3, stratify: true, seed: 0 }
model: { type: logistic, params: { C: 1 } }
metrics: [auroc]
`,
    );
    const r = await run('train', s, '--json', '--report', '--no-progress');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j).slice(0, 4)).toEqual(['model', 'artifact', 'metrics', 'report']);
    expect(j.report).toBe(path.join(j.artifact, 'report', 'report.html'));
    const html = readFileSync(j.report, 'utf8');
    expect(html).toMatch(/<html/i);
    expect(html).toContain('held out at training');

    const plain = await run('train', s, '--no-progress');
    expect(plain.code).toBe(0);
    expect(plain.out).not.toContain('Report:');
    const text = await run('train', s, '--report', '--no-progress');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/Report: .*report\.html/);
  }, 120_000);

  it('split: none trains on all rows; multiclass predictions get probability_<class> columns', async () => {
    const s = spec(
      'hd.yaml',
      `dataset: hd.csv
target: '(num) (the predicted attribute)'
task: multiclass
split: none
preprocess: { steps: [ { impute: { strategy: median } }, { scale: {} } ] }
model: { type: naive-bayes }
`,
    );
    const r = await run('train', s, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.metrics).toEqual({});
    const out = path.join(dir, 'hd.csv.out');
    expect((await run('predict', j.artifact, path.join(dir, 'hd.csv'), '--out', out)).code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('prediction,probability_0,probability_1,probability_2,probability_3,probability_4');
    expect(lines).toHaveLength(304);
  });

  it('cross-validated grid search reports mean ± SD and refits the best', async () => {
    const s = spec(
      'search.yaml',
      `dataset: hf.csv
target: DEATH_EVENT
preprocess: { steps: [ { impute: {} }, { scale: {} } ] }
split: { type: stratified-kfold, k: 3, seed: 2 }
metrics: [auroc]
search: { type: grid, space: { model.C: [0.05, 1] } }
model: { type: logistic }
threads: 1
`,
    );
    const r = await run('train', s, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.search.candidates).toHaveLength(2);
    expect(j.metricsSd.auroc).toBeGreaterThan(0);
    const manifest = JSON.parse(readFileSync(path.join(j.artifact, 'manifest.json'), 'utf8'));
    expect(manifest.estimator.params.C).toBe(j.search.bestParams['model.C']);
  });

  it('time-ordered and group k-fold splits run end to end', async () => {
    const base =
      'dataset: hf.csv\ntarget: DEATH_EVENT\npreprocess: { steps: [ { impute: {} }, { scale: {} } ] }\nmodel: { type: logistic }\n';
    const t = await run(
      'train',
      spec('time.yaml', `${base}split: { type: time, column: time, testSize: 0.3 }\n`),
      '--json',
    );
    expect(t.code).toBe(0);
    const tj = JSON.parse(t.out);
    expect(tj.evaluation).toBe('time');
    expect(tj.rows.test).toBe(90);
    const manifest = JSON.parse(readFileSync(path.join(tj.artifact, 'manifest.json'), 'utf8'));
    // the split column is not a feature
    expect(manifest.inputSchema.features.map((f: { name: string }) => f.name)).not.toContain('time');
    const g = await run(
      'train',
      spec('group.yaml', `${base}split: { type: group-kfold, k: 4, group: age }\nmetrics: [auroc]\n`),
      '--json',
    );
    expect(g.code).toBe(0);
    const gj = JSON.parse(g.out);
    expect(gj.evaluation).toBe('cv');
    expect(gj.metricsSd.auroc).toBeGreaterThan(0);
  });

  it.each([
    [
      'an unknown feature',
      'features: [age, ejection_fractio]',
      /Column 'ejection_fractio' not found \(features\)\. Available: age, anaemia/,
    ],
    ['a missing target', 'target: DEATH', /Column 'DEATH' not found \(target\)/],
    [
      'a parameter out of range',
      'model: { type: logistic, params: { C: 0 } }',
      /model\.params\.C must be a number in \(0, Infinity\)\. Got 0\./,
    ],
    [
      'an unknown model type',
      'model: { type: svm }',
      /model\.type must be one of .*logistic.*\. Got 'svm'\./,
    ],
    [
      'a bad split',
      'split: { type: holdout, testSize: 1.5 }',
      /split\.testSize must be a number in \(0, 1\)\. Got 1\.5\./,
    ],
    [
      'a bad preprocessing step',
      'preprocess: { steps: [ { impute: { strategy: middle } } ] }',
      /steps\[0\]\.impute\.strategy must be one of/,
    ],
    ['a wrong metric', 'metrics: [rmse]', /metrics must be a list of binary metrics .* Got 'rmse'\./],
  ])('fails before any work on %s', async (_what, line, message) => {
    const base: Record<string, string> = {
      dataset: 'dataset: hf.csv',
      target: 'target: DEATH_EVENT',
      model: 'model: { type: logistic }',
      split: 'split: none',
    };
    const key = line.split(':')[0];
    const lines = { ...base, [key]: line };
    const s = spec(`bad-${key}.yaml`, `${Object.values(lines).join('\n')}\n`);
    const before = (() => {
      try {
        return require('node:fs').readdirSync(path.join(dir, 'home', 'artifacts')).length;
      } catch {
        return 0;
      }
    })();
    const r = await run('train', s);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    let after = 0;
    try {
      after = require('node:fs').readdirSync(path.join(dir, 'home', 'artifacts')).length;
    } catch {
      after = 0;
    }
    expect(after).toBe(before);
  });
});
