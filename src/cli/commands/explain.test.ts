/** `aegle import-model` + `aegle explain [--interactions]` in-process, against XGBoost's own output. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

const dir = mkdtempSync(path.join(tmpdir(), 'aegle-explain-'));
const fixtures = path.resolve(__dirname, '../../../test/fixtures/xgboost');
const refs = path.resolve(__dirname, '../../explain/fixtures');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await main(['node', 'aegle', ...args]), err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const csvRows = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('aegle explain --interactions', () => {
  it("writes SHAP interaction values equal to XGBoost's pred_interactions (1e-6), lines summing to SHAP", async () => {
    const artifact = path.join(dir, 'binary-model');
    expect(
      (await run('import-model', 'xgboost', path.join(fixtures, 'binary.json'), '--out', artifact)).code,
    ).toBe(0);
    const X = csvRows(path.join(fixtures, 'binary.X.csv')).slice(0, 30);
    const p = X[0].length;
    const names = ['age', 'bmi', 'hba1c', 'visits', 'sbp']; // the model's own feature names
    const data = path.join(dir, 'x.csv');
    writeFileSync(
      data,
      `${[names.join(','), ...X.map((r) => r.map((v) => (v === 'nan' ? '' : v)).join(','))].join('\n')}\n`,
    );
    const out = path.join(dir, 'inter.csv');
    const r = await run('explain', artifact, data, '--out', out, '--interactions');
    expect(r.err).toMatch(/Wrote SHAP interaction/);
    expect(r.code).toBe(0);
    const lines = csvRows(out);
    expect(lines[0]).toEqual(['row', 'feature', ...names, 'bias']);
    const body = lines.slice(1);
    expect(body).toHaveLength(30 * (p + 1));
    // XGBoost: one line per row, (p+1)×(p+1) row-major, bias last
    const ref = csvRows(path.join(refs, 'binary.interactions.csv')).map((l) => l.map(Number));
    let worst = 0;
    body.forEach((l, k) => {
      const i = Math.floor(k / (p + 1));
      const a = k % (p + 1);
      expect(Number(l[0])).toBe(i);
      expect(l[1]).toBe(a === p ? 'bias' : names[a]);
      for (let b = 0; b <= p; b++)
        worst = Math.max(worst, Math.abs(Number(l[2 + b]) - ref[i][a * (p + 1) + b]));
    });
    expect(worst).toBeLessThan(1e-6);
    // each line sums to that feature's SHAP value from `aegle explain`
    const shapOut = path.join(dir, 'shap.csv');
    expect((await run('explain', artifact, data, '--out', shapOut)).code).toBe(0);
    const shap = csvRows(shapOut)
      .slice(1)
      .map((l) => l.map(Number));
    body.forEach((l, k) => {
      const i = Math.floor(k / (p + 1));
      const a = k % (p + 1);
      const sum = l.slice(2).reduce((s, v) => s + Number(v), 0);
      expect(sum).toBeCloseTo(shap[i][a], 9);
    });
  });
});
