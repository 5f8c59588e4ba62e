/** `aegle analyze` end to end: ingest the veteran CSV into a scratch home, check the JSON contracts. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { isAegleError, silentLogger } from '../../core/index.js';
import type { CliContext } from '../context.js';
import { registerAnalyzeCommands } from './analyze.js';
import { registerDatasetCommands } from './datasets.js';

const peers = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/peers');
const vetRef = JSON.parse(await readFile(join(peers, 'veteran_ref.json'), 'utf8'));
let home = '';

async function run(args: string[]): Promise<{ out: string[]; json: any[] }> {
  const out: string[] = [];
  const json: any[] = [];
  const ctx: CliContext = {
    config: loadConfig({ AEGLE_HOME: home }),
    logger: silentLogger,
    out: (l) => out.push(l),
    json: (v) =>
      json.push(
        JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x))),
      ),
    err: () => {},
  };
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerDatasetCommands(program, () => ctx);
  registerAnalyzeCommands(program, () => ctx);
  await program.parseAsync(args, { from: 'user' });
  return { out, json };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'aegle-analyze-'));
  await run(['ingest', join(peers, 'survival_veteran.csv'), '--name', 'veteran']);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('aegle analyze', () => {
  it('km --group --json: the contract, equal to R', async () => {
    const { json } = await run([
      'analyze',
      'km',
      'veteran',
      '--time',
      'time',
      '--event',
      'status',
      '--group',
      'trt',
      '--json',
    ]);
    const r = json[0];
    expect(Object.keys(r)).toEqual(['groups', 'logrank']);
    expect(Object.keys(r.groups[0])).toEqual([
      'name',
      'time',
      'nRisk',
      'nEvent',
      'survival',
      'lower',
      'upper',
      'median',
    ]);
    expect(Object.keys(r.logrank)).toEqual(['chisq', 'df', 'p']);
    expect(r.groups[0].survival.length).toBe(vetRef.km_by_trt.strata['trt=1'].surv.length);
    expect(Math.abs(r.logrank.chisq - vetRef.logrank_trt.chisq)).toBeLessThan(1e-9);
    expect(r.groups[1].median).toBe(52.5);
    const overall = await run(['analyze', 'km', 'veteran', '--time', 'time', '--event', 'status', '--json']);
    expect(Object.keys(overall.json[0])).toEqual(['groups']);
  });
  it('cox --json: the contract, equal to R', async () => {
    const { json } = await run([
      'analyze',
      'cox',
      'veteran',
      '--time',
      'time',
      '--event',
      'status',
      '--covariates',
      'trt,celltype,karno,diagtime,age,prior',
      '--levels',
      'celltype=squamous,smallcell,adeno,large',
      '--json',
    ]);
    const r = json[0];
    expect(Object.keys(r)).toEqual(['n', 'events', 'coefficients', 'concordance']);
    expect(Object.keys(r.coefficients[0])).toEqual(['name', 'coef', 'se', 'hr', 'lower', 'upper', 'p']);
    expect(r.n).toBe(137);
    for (const [j, c] of (r.coefficients as { coef: number }[]).entries()) {
      expect(Math.abs(c.coef - vetRef.cox.coef[j])).toBeLessThan(1e-6);
    }
    expect(Math.abs(r.concordance - vetRef.cox.concordance)).toBeLessThan(1e-9);
  });
  it('text outputs and a chart file', async () => {
    const chart = join(home, 'km.svg');
    const { out } = await run([
      'analyze',
      'km',
      'veteran',
      '--time',
      'time',
      '--event',
      'status',
      '--group',
      'trt',
      '--chart',
      chart,
    ]);
    expect(out.join('\n')).toMatch(/log-rank χ²=0\.00822734/);
    expect((await readFile(chart, 'utf8')).startsWith('<svg')).toBe(true);
    const t1 = await run([
      'analyze',
      'table1',
      'veteran',
      '--strata',
      'trt',
      '--variables',
      'age,karno,celltype',
      '--nonnormal',
      'karno',
    ]);
    expect(t1.out[0]).toContain('| Variable | Overall | 1 | 2 | p | test | SMD | Missing |');
    const km = await run([
      'analyze',
      'kmeans',
      'veteran',
      '--columns',
      'age,karno,diagtime',
      '--k',
      '3',
      '--json',
    ]);
    expect(km.json[0].profiles.length).toBe(3);
  });
  it('bad input ⇒ coded errors naming the column', async () => {
    const expectCode = async (args: string[], code: string, column: string) => {
      try {
        await run(args);
        expect.unreachable();
      } catch (e) {
        expect(isAegleError(e)).toBe(true);
        expect((e as { code: string }).code).toBe(code);
        expect((e as Error).message).toContain(column);
      }
    };
    await expectCode(
      ['analyze', 'km', 'veteran', '--time', 'tme', '--event', 'status'],
      'AEGLE_CORE_COLUMN_NOT_FOUND',
      'tme',
    );
    await expectCode(
      ['analyze', 'km', 'veteran', '--time', 'time', '--event', 'karno'],
      'AEGLE_ANALYSIS_BAD_EVENT',
      'karno',
    );
    await expectCode(
      ['analyze', 'cox', 'veteran', '--time', 'celltype', '--event', 'status', '--covariates', 'age'],
      'AEGLE_ANALYSIS_BAD_COLUMN',
      'celltype',
    );
    await expectCode(['analyze', 'nope', 'veteran'], 'AEGLE_ANALYSIS_UNKNOWN_KIND', 'nope');
  });
});
