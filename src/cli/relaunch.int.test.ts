/**
 * `aegle serve` through a real process: on Linux with glibc the server runs in a child with the
 * malloc settings, answers, and stops gracefully when the parent is signalled or killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onGlibc, SERVER_MALLOC_ENV, SERVER_NODE_FLAGS } from './relaunch.js';

const ROOT = path.resolve(__dirname, '../..');
const home = mkdtempSync(path.join(os.tmpdir(), 'aegle-relaunch-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Starts `aegle serve --port 0`; resolves once it prints its URL. */
async function serve(): Promise<{ proc: ChildProcess; url: string; stderr: () => string }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'serve', '--port', '0'],
    {
      cwd: ROOT,
      env: { ...process.env, AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving on (http:\/\/\S+?) /.exec(err);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (c) => reject(new Error(`exited ${c}: ${err}`)));
  });
  return { proc, url, stderr: () => err };
}

/** The pids of `pid`'s child processes running `aegle serve` (tsx may run others, e.g. esbuild). */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc'))
    if (/^\d+$/.test(d)) {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
        if (Number(stat.split(') ')[1].split(' ')[1]) === pid && cmd.includes('main.ts')) out.push(Number(d));
      } catch {
        // gone meanwhile
      }
    }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const exited = (proc: ChildProcess) =>
  new Promise<number | null>((r) =>
    proc.exitCode !== null ? r(proc.exitCode) : proc.on('exit', (c) => r(c)),
  );

describe.skipIf(!onGlibc())('aegle serve on glibc', () => {
  it('serves from a child with the malloc settings and V8 flags; SIGTERM to the command stops both gracefully', async () => {
    const { proc, url, stderr } = await serve();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const [child] = children(proc.pid!);
    expect(child).toBeGreaterThan(0);
    const env = readFileSync(`/proc/${child}/environ`, 'utf8').split('\0');
    for (const [k, v] of Object.entries(SERVER_MALLOC_ENV)) expect(env).toContain(`${k}=${v}`);
    const cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
    for (const f of SERVER_NODE_FLAGS) expect(cmdline).toContain(f);
    proc.kill('SIGTERM');
    expect(await exited(proc)).toBe(0);
    expect(alive(child)).toBe(false);
    expect(stderr()).not.toMatch(/error/i);
  }, 60_000);

  it('a command killed outright does not leave its server behind', async () => {
    const { proc, url } = await serve();
    const [child] = children(proc.pid!);
    proc.kill('SIGKILL');
    await exited(proc);
    // the child sees its channel close and shuts down (drain, then exit)
    for (let i = 0; i < 100 && alive(child); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(child)).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 60_000);
});
