/** CLI contracts scripts rely on: keys create --json, models register, audit verify's exit code, predictions prune. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { listAudit, PredictionLog } from '../monitor/index.js';
import { MetaStore } from '../store/index.js';
import { Service } from './service.js';
import { makeTestArtifact } from './testing.js';

const ROOT = path.resolve(__dirname, '../..');
const home = mkdtempSync(path.join(os.tmpdir(), 'aegle-cli-serve-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function aegle(...args: string[]) {
  return aegleIn(home, ...args);
}

function aegleIn(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, AEGLE_HOME: dir, AEGLE_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

it('keys create --json, models register, audit verify (0 intact, non-zero after tampering)', async () => {
  const k = aegle('keys', 'create', '--role', 'clinician', '--json');
  expect(k.code, k.stderr).toBe(0);
  expect(JSON.parse(k.stdout).key).toMatch(/^aegle_[0-9a-f]{12}_/);
  expect(aegle('keys', 'create', '--role', 'wizard').stderr).toMatch(/Unknown role 'wizard'/);
  const art = path.join(home, 'a1');
  await makeTestArtifact(art, 1);
  const reg = aegle('models', 'register', art, '--name', 'risk', '--alias', 'champion', '--json');
  expect(reg.code, reg.stderr).toBe(0);
  expect(JSON.parse(reg.stdout)).toEqual({ name: 'risk', version: 1, aliases: ['champion'] });
  const ok = aegle('audit', 'verify');
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/Audit chain intact: 2 entries/);
  const meta = await MetaStore.create({ home });
  await sql`DROP TRIGGER audit_log_no_update`.execute(meta.db);
  await sql`UPDATE audit_log SET resource = 'model:other' WHERE seq = 2`.execute(meta.db);
  await meta.close();
  const broken = aegle('audit', 'verify');
  expect(broken.code).not.toBe(0);
  expect(broken.stderr).toMatch(/AEGLE_AUDIT_BROKEN: The audit chain is broken at entry 2/);
});

it('predictions prune: deletes old records and audits it; a server with a retention prunes at start', async () => {
  const DAY = 86_400_000;
  const fill = async (dir: string) => {
    const meta = await MetaStore.create({ home: dir });
    const log = new PredictionLog(meta);
    // 40 and 31 days old (1 + 3 rows), then 2 days old
    for (const [id, daysAgo, n] of [
      ['old1', 40, 1],
      ['old2', 31, 3],
      ['new', 2, 1],
    ] as const)
      await log.commit({
        modelName: 'risk',
        version: 1,
        requestId: id,
        columns: [Float64Array.from({ length: n }, (_, i) => i)],
        probability: Float64Array.from({ length: n }, () => 0.5),
        labels: Array.from({ length: n }, () => '1'),
        ts: new Date(Date.now() - daysAgo * DAY).toISOString(),
      });
    await log.close();
    await meta.close();
  };
  const left = async (dir: string) => {
    const meta = await MetaStore.create({ home: dir });
    const ids = (await meta.db.selectFrom('prediction_log').select('request_id').orderBy('id').execute()).map(
      (r) => r.request_id,
    );
    const audit = await listAudit(meta, { action: 'prediction_log.prune' });
    await meta.close();
    return { ids, audit };
  };

  const cliHome = mkdtempSync(path.join(os.tmpdir(), 'aegle-cli-prune-'));
  const serverHome = mkdtempSync(path.join(os.tmpdir(), 'aegle-srv-prune-'));
  try {
    await fill(cliHome);
    const run = (...args: string[]) => aegleIn(cliHome, ...args);
    for (const bad of ['0', 'abc', '1.5']) {
      const r = run('predictions', 'prune', '--older-than', bad);
      expect(r.code, bad).not.toBe(0);
      expect(r.stderr).toMatch(/AEGLE_PREDLOG_BAD_RETENTION/);
    }
    expect((await left(cliHome)).ids).toEqual(['old1', 'old2', 'new']);
    const r = run('predictions', 'prune', '--older-than', '30', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ records: 2, rows: 4 });
    const after = await left(cliHome);
    expect(after.ids).toEqual(['new']);
    expect(after.audit).toHaveLength(1);
    expect(after.audit[0]).toMatchObject({
      actor: 'cli',
      resource: 'prediction_log',
      outputSummary: `records=2 rows=4 before=${out.before}`,
    });
    expect(run('audit', 'verify').code).toBe(0);

    // a server started with AEGLE_PREDICTION_LOG_DAYS=30 prunes at start (close waits for it)
    await fill(serverHome);
    const service = await Service.create({
      config: loadConfig({
        AEGLE_HOME: serverHome,
        AEGLE_LOG_LEVEL: 'silent',
        AEGLE_PREDICTION_LOG_DAYS: '30',
      }),
    });
    await service.close();
    const srv = await left(serverHome);
    expect(srv.ids).toEqual(['new']);
    expect(srv.audit.map((e) => [e.actor, e.outputSummary?.slice(0, 16)])).toEqual([
      ['system', 'records=2 rows=4'],
    ]);
  } finally {
    rmSync(cliHome, { recursive: true, force: true });
    rmSync(serverHome, { recursive: true, force: true });
  }
});
