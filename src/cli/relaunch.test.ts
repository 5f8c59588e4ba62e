import { describe, expect, it } from 'vitest';
import { runsServer, SERVER_MALLOC_ENV, serverNodeFlags, shouldRelaunch } from './relaunch.js';

const argv = (...args: string[]) => ['/usr/bin/node', '/x/dist/cli/main.js', ...args];

describe('which commands relaunch with the serving malloc settings', () => {
  it('the server commands only', () => {
    expect(runsServer(argv('serve'))).toBe(true);
    expect(runsServer(argv('--home', '/h', 'serve', '--port', '9'))).toBe(true);
    expect(runsServer(argv('demo'))).toBe(true);
    expect(runsServer(argv('demo', '--patients', '800'))).toBe(true);
    expect(runsServer(argv('demo', '--no-serve'))).toBe(false);
    expect(runsServer(argv('serve', '--help'))).toBe(false);
    expect(runsServer(argv('--home', 'serve', 'datasets'))).toBe(false); // "serve" is the home here
    expect(runsServer(argv('ingest', 'serve.csv', '--name', 'serve'))).toBe(false);
    expect(runsServer(argv())).toBe(false);
  });

  it('only on glibc, once, and not against the environment', () => {
    expect(shouldRelaunch(argv('serve'), {}, () => true)).toBe(true);
    expect(shouldRelaunch(argv('serve'), {}, () => false)).toBe(false); // musl, macOS, Windows
    expect(shouldRelaunch(argv('serve'), { AEGLE_RELAUNCHED: '1' }, () => true)).toBe(false); // the child
    expect(shouldRelaunch(argv('serve'), { AEGLE_MALLOC_TUNING: '0' }, () => true)).toBe(false);
    // a deployment that set either variable keeps its own choice
    for (const k of Object.keys(SERVER_MALLOC_ENV))
      expect(shouldRelaunch(argv('serve'), { [k]: '1' }, () => true)).toBe(false);
    expect(shouldRelaunch(argv('keys', 'create'), {}, () => true)).toBe(false);
    // under a debugger the server stays in the debugged process
    expect(shouldRelaunch(argv('serve'), {}, () => true, ['--inspect=9229'])).toBe(false);
    expect(shouldRelaunch(argv('serve'), {}, () => true, ['--import', 'tsx'])).toBe(true);
  });

  it("adds the young-generation flag unless the command's flags or NODE_OPTIONS set it", () => {
    expect(serverNodeFlags([], '')).toEqual(['--max-semi-space-size=64']);
    expect(serverNodeFlags(['--import', 'tsx'], '--enable-source-maps')).toEqual([
      '--max-semi-space-size=64',
    ]);
    expect(serverNodeFlags(['--max-semi-space-size=8'], '')).toEqual([]);
    expect(serverNodeFlags([], '--max-old-space-size=4096 --max-semi-space-size=32')).toEqual([]);
    expect(serverNodeFlags(['--max-semi-space-size'], '')).toEqual([]);
  });
});
