/** The dashboard's static files: precompressed copies from the build, or compressed on first request. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../schemas.js';
import { webDashboard } from './index.js';

describe('webDashboard static files', () => {
  let root: string;
  let app: FastifyInstance;
  let url: string;
  const js = `export const x = ${JSON.stringify('aegle '.repeat(400))};\n`;
  const page = `<!doctype html><title>t</title>${'<p>clinic</p>'.repeat(100)}`;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'aegle-web-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), page);
    writeFileSync(path.join(root, 'assets', 'a.js'), js);
    writeFileSync(path.join(root, 'assets', 'b.js'), js);
    // a.js has build-made copies (marked so we can tell them from the server's own compression)
    writeFileSync(path.join(root, 'assets', 'a.js.br'), 'BUILD-BR');
    writeFileSync(path.join(root, 'assets', 'a.js.gz'), 'BUILD-GZ');
    // index.html's copy is older than the file (a stale build): it must not be used
    writeFileSync(path.join(root, 'index.html.br'), 'STALE');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path.join(root, 'index.html.br'), old, old);
    app = Fastify();
    app.addSchema(ProblemSchema);
    await app.register(webDashboard({ root }));
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (p: string, enc: string) => fetch(url + p, { headers: { 'accept-encoding': enc } });

  it('serves the build-made copies as they are', async () => {
    const br = await get('/assets/a.js', 'br');
    expect(br.headers.get('content-encoding')).toBe('br');
    // fetch would decode a real brotli body; read the raw bytes through the same route without decoding
    const raw = await app.inject({ url: '/assets/a.js', headers: { 'accept-encoding': 'br' } });
    expect(raw.body).toBe('BUILD-BR');
    const gz = await app.inject({ url: '/assets/a.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body).toBe('BUILD-GZ');
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('compresses a file without copies on its first request, and ignores stale copies', async () => {
    const b = await app.inject({ url: '/assets/b.js', headers: { 'accept-encoding': 'br' } });
    expect(b.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(b.rawPayload).toString()).toBe(js);
    const g = await app.inject({ url: '/assets/b.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gunzipSync(g.rawPayload).toString()).toBe(js);
    const idx = await app.inject({ url: '/', headers: { 'accept-encoding': 'br' } });
    expect(brotliDecompressSync(idx.rawPayload).toString()).toBe(page);
    // over real HTTP the body decodes to the file
    expect(await (await get('/assets/b.js', 'br')).text()).toBe(js);
    expect(await (await get('/assets/b.js', 'identity')).text()).toBe(js);
  });

  it('does not serve the compressed copies as files of their own', async () => {
    expect((await get('/assets/a.js.br', 'identity')).status).toBe(404);
  });
});
