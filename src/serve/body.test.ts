import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPooledBody } from './body.js';
import { BODY_HELPER_MIN_BYTES, bodyHelper, enableBodyHelper } from './body-helper.js';

const LIMIT = 4 << 20;
let server: http.Server;
let port = 0;

beforeAll(async () => {
  // echoes what it read: the hash computed on the way in, and one computed here from the bytes
  // at /helper the body helper hashes bodies of 1 MB and more on its thread
  enableBodyHelper(true);
  server = http.createServer((req, res) => {
    const helperFor = req.url === '/helper' ? bodyHelper : () => null;
    readPooledBody(
      req,
      req.headers['content-length'],
      LIMIT,
      (err, body) => {
        if (err || !body) {
          const e = err as Error & { statusCode?: number; code?: string };
          res.statusCode = e.statusCode ?? 500;
          res.end(JSON.stringify({ code: e.code }));
          return;
        }
        const out = {
          length: body.bytes.length,
          shared: body.bytes.buffer instanceof SharedArrayBuffer,
          sha256: '',
          recomputed: createHash('sha256').update(body.bytes).digest('hex'),
          head: body.bytes.subarray(0, 16).toString('hex'),
        };
        // the buffer is given back before the hash is asked for: with a background hash still
        // running it must not be lent to the next body until the hash is done
        body.hashInBackground();
        body.release();
        setImmediate(() => {
          out.sha256 = body.sha256();
          res.end(JSON.stringify(out));
        });
      },
      helperFor,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  enableBodyHelper(false);
  await new Promise<void>((r) => server.close(() => r()));
});

/** POSTs `parts` as separate writes (chunked when `chunked`), with a pause between them. */
function post(
  parts: Buffer[],
  chunked = false,
  path = '/',
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const total = parts.reduce((a, p) => a + p.length, 0);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(total) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    let k = 0;
    const next = () => {
      if (k === parts.length) {
        req.end();
        return;
      }
      req.write(parts[k++]);
      setTimeout(next, 2);
    };
    next();
  });
}

describe('readPooledBody', () => {
  it('hashes a body that arrives in many chunks exactly as one hash of its bytes', async () => {
    const parts = Array.from({ length: 20 }, (_, i) => randomBytes(10_000 + i * 997));
    const whole = Buffer.concat(parts);
    for (const chunked of [false, true]) {
      const r = await post(parts, chunked);
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(whole.length);
      expect(r.body.sha256).toBe(createHash('sha256').update(whole).digest('hex'));
      expect(r.body.recomputed).toBe(r.body.sha256);
      expect(r.body.head).toBe(whole.subarray(0, 16).toString('hex'));
    }
  });

  it('keeps concurrent bodies apart while buffers are reused', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => randomBytes(((i * 7919) % 9) * 150_000 + 1));
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(bodies.map((b) => post([b.subarray(0, 1000), b.subarray(1000)])));
      answers.forEach((a, i) => {
        expect(a.body.length).toBe(bodies[i].length);
        expect(a.body.sha256).toBe(createHash('sha256').update(bodies[i]).digest('hex'));
        expect(a.body.recomputed).toBe(a.body.sha256);
      });
    }
  });

  it('with the body helper: large bodies in shared memory, hashed on its thread, kept until hashed', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => randomBytes(BODY_HELPER_MIN_BYTES + i * 200_003));
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        bodies.map((b) => post([b.subarray(0, 70_000), b.subarray(70_000)], false, '/helper')),
      );
      answers.forEach((a, i) => {
        expect(a.status).toBe(200);
        expect(a.body.shared).toBe(true);
        expect(a.body.sha256).toBe(createHash('sha256').update(bodies[i]).digest('hex'));
        expect(a.body.recomputed).toBe(a.body.sha256);
      });
    }
    // a small body, or one without a length, is hashed on the way in as before
    const small = randomBytes(1000);
    for (const chunked of [false, true]) {
      const a = await post([small], chunked, '/helper');
      expect(a.body.shared).toBe(false);
      expect(a.body.sha256).toBe(createHash('sha256').update(small).digest('hex'));
    }
  });

  it('refuses a body over the limit, declared or streamed, as Fastify does (413)', async () => {
    const declared = await post([randomBytes(LIMIT + 1)]);
    expect(declared).toEqual({ status: 413, body: { code: 'FST_ERR_CTP_BODY_TOO_LARGE' } });
    const streamed = await post(
      Array.from({ length: 5 }, () => randomBytes(1 << 20)),
      true,
    );
    expect(streamed).toEqual({ status: 413, body: { code: 'FST_ERR_CTP_BODY_TOO_LARGE' } });
    // an empty body is a body (the JSON parser above it says what is wrong with it)
    expect((await post([])).body.length).toBe(0);
  });
});
