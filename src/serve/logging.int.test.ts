/** The HTTP layer's JSON logs: each line of a request carries its request id; patient data never appears. */
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../config/index.js';
import { makeTestArtifact, startTestServer, type TestServer } from './testing.js';

const lines: Record<string, unknown>[] = [];
let s: TestServer;
let httpLogger: pino.Logger;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  httpLogger = pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, sink);
  s = await startTestServer({ httpLogger });
  await makeTestArtifact(path.join(s.home, 'artifacts', 'a1'), 1);
  await s.fetch('/api/v1/models', { method: 'POST', json: { name: 'risk', artifactId: 'a1' } });
});
afterAll(async () => s?.dispose());

describe('request logs', () => {
  it('name the request id of a refused request and hold none of its patient data', async () => {
    lines.length = 0;
    const r = await s.fetch('/api/v1/models/risk/predict', {
      method: 'POST',
      headers: { 'x-request-id': 'req-log-1' },
      json: { rows: [{ age: 'Jane Q. Public 1961-04-02', bmi: 31, glucose: 6 }] },
    });
    expect(r.status).toBe(400);
    const unauthorised = await s.fetch('/api/v1/models', {
      key: null,
      headers: { 'x-request-id': 'req-log-2' },
    });
    expect(unauthorised.status).toBe(401);
    const mine = lines.filter((l) => l.requestId === 'req-log-1');
    expect(mine).toEqual([
      expect.objectContaining({ msg: 'request rejected', code: 'AEGLE_RUNTIME_INPUT', status: 400 }),
    ]);
    expect(lines.filter((l) => l.requestId === 'req-log-2')).toEqual([
      expect.objectContaining({ msg: 'request rejected', code: 'AEGLE_AUTH_REQUIRED', status: 401 }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/Jane|1961-04-02/);
  });

  it('write a line per request at debug level, and none above it', async () => {
    const ok = (id: string) => s.fetch('/api/v1/models', { headers: { 'x-request-id': id } });
    lines.length = 0;
    httpLogger.level = 'debug';
    expect((await ok('req-log-3')).status).toBe(200);
    httpLogger.level = 'info';
    expect((await ok('req-log-4')).status).toBe(200);
    expect(lines.filter((l) => l.requestId === 'req-log-3')).toEqual([
      expect.objectContaining({ msg: 'request done', route: '/api/v1/models', status: 200, level: 20 }),
    ]);
    expect(lines.filter((l) => l.requestId === 'req-log-4')).toEqual([]);
  });
});
