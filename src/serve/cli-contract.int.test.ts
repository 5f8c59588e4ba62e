/** CLI contracts scripts rely on: keys create --json, models register, audit verify's exit code. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { MetaStore } from '../store/index.js';
import { makeTestArtifact } from './testing.js';

const ROOT = path.resolve(__dirname, '../..');
const home = mkdtempSync(path.join(os.tmpdir(), 'aegle-cli-serve-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function aegle(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'warn' },
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
