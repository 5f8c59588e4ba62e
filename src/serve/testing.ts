/** Test fixtures for the service: a small binary model artifact and a running server on port 0. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/index.js';
import { makeFrame, numericColumn } from '../core/index.js';
import { modelKind } from '../learn/index.js';
import { writeArtifact } from '../registry/index.js';
import { createApiKey } from './keys.js';
import { type RunningServer, startServer } from './server.js';
import type { ServiceOptions } from './service.js';
import type { Role } from '../store/index.js';
import type { pino } from 'pino';

/** Deterministic pseudo-random numbers. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Features of the test model: age 20–90, bmi 15–45, glucose 60–250 (mg/dL). */
export const TEST_FEATURES = ['age', 'bmi', 'glucose'] as const;

export function testRows(n: number, seed = 1, shift = 0): Record<string, number>[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => ({
    age: Math.round(20 + 60 * r() + shift * 10),
    bmi: Math.round((18 + 20 * r() + shift * 3) * 10) / 10,
    glucose: Math.round(70 + 120 * r() + shift * 30),
  }));
}

/** Fits a logistic model on synthetic rows and writes it as an artifact at `dir`. */
export async function makeTestArtifact(dir: string, seed = 1): Promise<void> {
  const rows = testRows(800, seed);
  const r = lcg(seed + 99);
  const y = Float64Array.from(rows, (x) =>
    r() < 1 / (1 + Math.exp(-(0.04 * (x.age - 55) + 0.1 * (x.bmi - 28) + 0.02 * (x.glucose - 130)))) ? 1 : 0,
  );
  const cols = TEST_FEATURES.map((f) =>
    numericColumn(
      f,
      rows.map((x) => x[f]),
    ),
  );
  const X = {
    data: Float64Array.from(cols.flatMap((c) => [...c.values])),
    nRows: rows.length,
    nCols: cols.length,
    columns: [...TEST_FEATURES],
  };
  const model = await modelKind('logistic')
    .create({})
    .fit(X, y, { task: 'binary', classes: ['0', '1'] });
  const frame = makeFrame([...cols, numericColumn('outcome', y)]);
  writeArtifact(dir, {
    model,
    pipeline: null,
    trainingFrame: frame,
    target: 'outcome',
    metrics: { auroc: 0.7 },
  });
}

/** A fetch Response whose json() is untyped (tests assert on it). */
export type TestResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface TestServer extends RunningServer {
  readonly home: string;
  readonly keys: Record<Role, string>;
  fetch(
    pathname: string,
    init?: RequestInit & { key?: string | null; json?: unknown },
  ): Promise<TestResponse>;
  dispose(): Promise<void>;
}

/** Starts a service on 127.0.0.1:0 in a fresh home with one key per role. */
export async function startTestServer(
  opts: {
    env?: Record<string, string>;
    home?: string;
    service?: Omit<ServiceOptions, 'config'>;
    /** The HTTP layer's pino logger (default: none). */
    httpLogger?: pino.Logger | false;
  } = {},
): Promise<TestServer> {
  const home = opts.home ?? mkdtempSync(path.join(os.tmpdir(), 'aegle-serve-'));
  const config = loadConfig({
    AEGLE_HOME: home,
    AEGLE_LOG_LEVEL: 'silent',
    AEGLE_AUDIT_FLUSH_MS: '5',
    ...opts.env,
  });
  const server = await startServer(config, {
    ...opts.service,
    httpLogger: opts.httpLogger ?? false,
    port: 0,
    host: '127.0.0.1',
    defaultMetrics: false,
  });
  const keys = {} as Record<Role, string>;
  for (const role of ['admin', 'scientist', 'clinician', 'auditor', 'service'] as const) {
    keys[role] = (await createApiKey(server.service.meta, { role, label: `test ${role}` })).key;
  }
  const doFetch = (pathname: string, init: RequestInit & { key?: string | null; json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    const key = init.key === undefined ? keys.admin : init.key;
    if (key) headers.set('authorization', `Bearer ${key}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(`${server.url}${pathname}`, { ...init, headers, body }) as Promise<TestResponse>;
  };
  return {
    ...server,
    home,
    keys,
    fetch: doFetch,
    async dispose() {
      await server.close();
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}
