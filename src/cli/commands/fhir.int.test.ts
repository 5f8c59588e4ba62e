/** `aegle ingest-fhir … --json` and `aegle fhir-features`, through a real process (the scripts' contract). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FHIR = path.resolve(ROOT, '../shared/data/fhir');
let home: string;

function aegle(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'aegle-cli-fhir-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('aegle ingest-fhir', () => {
  it('prints exactly {resources, skipped, errors} with --json', () => {
    const r = aegle(
      'ingest-fhir',
      path.join(FHIR, 'synthea'),
      path.join(FHIR, 'bulk-ndjson/Patient.000.ndjson'),
      '--name',
      'syn',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['resources', 'skipped', 'errors']);
    expect(out.resources.Bundle).toBe(7);
    expect(out.resources.Patient).toBe(7 + 13);
    expect(out.skipped.Claim).toBe(out.resources.Claim);
    expect(out.errors).toEqual([]);
  });
  it('builds features from a YAML spec over the import', () => {
    const spec = path.join(home, 'spec.yaml');
    writeFileSync(
      spec,
      [
        'source: syn',
        'index: {kind: encounter}',
        'features:',
        '  - {kind: age}',
        '  - {kind: sex}',
        "  - {kind: observation, name: bmi, loinc: ['39156-5'], stats: [last, count], lookbackDays: 1095}",
        '  - {kind: condition, name: prediabetes, codes: [{system: snomed, codes: ["15777000"]}]}',
        'outcome: {name: diabetes_1y, codes: [{system: snomed, codes: ["44054006"]}], windowDays: 365}',
      ].join('\n'),
    );
    const r = aegle('fhir-features', spec, '--name', 'syn_features', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dataset.roles).toMatchObject({
      encounter_id: 'id',
      patient_id: 'group',
      diabetes_1y: 'target',
    });
    expect(out.dataset.rows).toBeGreaterThan(50);
  });
  it('fails with a coded error on a missing path', () => {
    const r = aegle('ingest-fhir', path.join(home, 'nope'), '--name', 'x');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/AEGLE_INGEST_FILE_NOT_FOUND/);
  });
});
