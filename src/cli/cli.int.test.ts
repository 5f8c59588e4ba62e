/**
 * The CLI's contracts, through a real process: JSON shapes scripts rely on, exit codes, and errors on
 * stderr. Runs `src/cli/main.ts` with tsx so no build is needed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from './main.js';

const ROOT = path.resolve(__dirname, '../..');
const CLEVELAND = path.resolve(ROOT, '../shared/data/tabular/uci-heart-disease-processed.cleveland.data.csv');
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
  home = mkdtempSync(path.join(os.tmpdir(), 'aegle-cli-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('aegle CLI', () => {
  it('prints help for the program (through a real process) and for every command', () => {
    const top = aegle('--help');
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z][\w-]*) /gm)]
      .map((m) => m[1])
      .filter((c) => c !== 'help');
    expect(commands).toEqual(
      expect.arrayContaining([
        'demo',
        'ingest',
        'datasets',
        'show',
        'export',
        'drop',
        'sql',
        'profile',
        'clean',
        'synth',
      ]),
    );
    // every command (and sub-command) renders its own --help; checked in-process, spawning each is slow
    const program = buildProgram();
    const walk = (cmd: Command, prefix: string): void => {
      for (const c of cmd.commands) {
        const name = `${prefix} ${c.name()}`.trim();
        expect(c.helpInformation(), name).toMatch(new RegExp(`Usage: aegle ${name.replace(/[-]/g, '\\-')}`));
        expect(c.description(), `${name} has a description`).not.toBe('');
        walk(c, name);
      }
    };
    walk(program, '');
    expect(aegle('profile', '--help').code).toBe(0);
  });

  it('ingest → profile → sql → clean → export → drop, with the documented JSON contracts', () => {
    const ing = aegle('ingest', CLEVELAND, '--name', 'heart', '--json');
    expect(ing.code, ing.stderr).toBe(0);
    const j = JSON.parse(ing.stdout);
    expect(j).toMatchObject({ dataset: 'heart', rows: 303, columns: 14 });
    expect(j.version).toMatch(/^v[0-9a-f]{12}$/);

    const again = aegle('ingest', CLEVELAND, '--name', 'heart');
    expect(again.stdout).toMatch(/^Unchanged: /);

    const prof = JSON.parse(aegle('profile', 'heart', '--json').stdout);
    expect(prof.rows).toBe(303);
    expect(prof.duplicateRows).toBe(0);
    const ca = prof.columns.find((c: { name: string }) => c.name === '(ca)');
    expect(ca).toMatchObject({ name: '(ca)', type: 'DOUBLE', missing: 4, distinct: 4 });
    expect(Array.isArray(prof.warnings)).toBe(true);

    const sql = JSON.parse(
      aegle(
        'sql',
        'SELECT count(*) AS n, sum(CASE WHEN "(thal)" IS NULL THEN 1 ELSE 0 END) AS thal_missing FROM heart',
        '--json',
      ).stdout,
    );
    expect(sql).toEqual([{ n: 303, thal_missing: 2 }]);

    const spec = path.join(home, 'clean.yaml');
    writeFileSync(spec, 'steps:\n  - impute: { strategy: median, columns: ["(ca)", "(thal)"] }\n');
    const cl = aegle(
      'clean',
      'heart',
      '--spec',
      spec,
      '--out',
      'heart_clean',
      '--json',
      '--report',
      path.join(home, 'report.json'),
    );
    expect(cl.code, cl.stderr).toBe(0);
    const c = JSON.parse(cl.stdout);
    expect(c).toMatchObject({ dataset: 'heart_clean', rowsIn: 303, rowsOut: 303, unchanged: false });
    expect(c.report.totals['(ca)'].imputed).toBe(4);
    expect(JSON.parse(readFileSync(path.join(home, 'report.json'), 'utf8')).rowsIn).toBe(303);
    expect(
      JSON.parse(aegle('sql', 'SELECT count(*) AS n FROM heart_clean WHERE "(ca)" IS NULL', '--json').stdout),
    ).toEqual([{ n: 0 }]);

    const out = path.join(home, 'heart.parquet');
    expect(aegle('export', 'heart_clean', '--format', 'parquet', '--out', out).code).toBe(0);
    expect(existsSync(out)).toBe(true);

    const list = JSON.parse(aegle('datasets', '--json').stdout);
    expect(list.map((d: { name: string }) => d.name).sort()).toEqual(['heart', 'heart_clean']);
    expect(aegle('drop', 'heart_clean').code).toBe(0);
    expect(JSON.parse(aegle('datasets', '--json').stdout).map((d: { name: string }) => d.name)).toEqual([
      'heart',
    ]);
  });

  it('bad input: message on stderr naming what was wrong, non-zero exit, nothing written', () => {
    const ragged = path.join(home, 'ragged.csv');
    writeFileSync(ragged, 'a,b\n1,2\n3\n');
    const r = aegle('ingest', ragged, '--name', 'r');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/AEGLE_INGEST_PARSE: File 'ragged.csv', line 3: expected 2 fields/);
    expect(r.stdout).toBe('');
    const missing = aegle('profile', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Dataset 'nope' not found\. Known datasets: heart/);
    const write = aegle('sql', 'DELETE FROM heart');
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/AEGLE_STORE_READ_ONLY/);
    const spec = path.join(home, 'bad.yaml');
    writeFileSync(spec, 'steps:\n  - impute: { strategy: avg }\n');
    const badSpec = aegle('clean', 'heart', '--spec', spec, '--out', 'x');
    expect(badSpec.code).toBe(1);
    expect(badSpec.stderr).toMatch(
      /strategy must be one of mean\|median\|most_frequent\|constant\. Got 'avg'/,
    );
    const usage = aegle('ingest');
    expect(usage.code).toBe(2);
    expect(JSON.parse(aegle('datasets', '--json').stdout).map((d: { name: string }) => d.name)).toEqual([
      'heart',
    ]);
  });

  it('synth writes a cohort and reports its ground truth', () => {
    const dir = path.join(home, 'cohort');
    const r = aegle('synth', '--patients', '300', '--seed', '3', '--out', dir, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows.patients).toBeGreaterThanOrEqual(300);
    expect(j.bestAuroc).toBeGreaterThan(0.6);
    expect(existsSync(path.join(dir, 'patients.csv'))).toBe(true);
  });
});
