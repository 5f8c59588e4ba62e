/**
 * Serves the built dashboard (`web/dist`, made by `npm run build:web`) at `/`. Hashed files under
 * `/assets/` never change, so they are cached for a year as `immutable`; `index.html` names them and is
 * sent `no-cache` (revalidated every load, so a deploy shows at once). Files are read once at start and
 * served gzip- or brotli-compressed: the first load on a slow link is what the budget in
 * `scripts/check-bundle-size.mjs` measures. The build writes each file's compressed copies beside it
 * (`scripts/precompress-web.mjs`: brotli 11, gzip 9), read here at start; a file without them (a bare
 * `vite build`) is compressed at a fast level on its first request and kept. (Compressing at start
 * cost about 2 s of CPU per server start: brotli 11 over the chart chunk.) Also `GET /api/v1/me`:
 * who the caller is, so the dashboard can show only what the role may do (it answers for every role;
 * see docs/DASHBOARD.md).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ROLE_PERMISSIONS } from '../rbac.js';
import { responses } from '../schemas.js';

/** Where `vite build` writes the dashboard: `<package>/web/dist` (this file is 3 levels below the package root in src/ and dist/). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * The dashboard's page policy: the API's (`default-src 'self'`) plus `'unsafe-eval'` for scripts, which
 * Vega needs to compile chart expressions (its CSP-safe interpreter is not a dependency here). It applies
 * to the dashboard document only; API responses keep the strict policy.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

interface StaticFile {
  readonly body: Buffer;
  /** Compressed copies: undefined until made (lazily), null when the file is not worth compressing. */
  gzip: Buffer | null | undefined;
  br: Buffer | null | undefined;
  readonly type: string;
  readonly etag: string;
}

/** Encodings of a built file that the build writes beside it. */
const PRECOMPRESSED = /\.(br|gz)$/;

/** `file`'s precompressed copy when it is at least as new as the file, else undefined. */
function sibling(file: string, ext: '.br' | '.gz', mtimeMs: number): Buffer | undefined {
  const f = file + ext;
  return existsSync(f) && statSync(f).mtimeMs >= mtimeMs ? readFileSync(f) : undefined;
}

function load(file: string): StaticFile {
  const body = readFileSync(file);
  const ext = path.extname(file);
  const compress = COMPRESSIBLE.has(ext) && body.length > 512;
  const mtimeMs = statSync(file).mtimeMs;
  return {
    body,
    gzip: compress ? sibling(file, '.gz', mtimeMs) : null,
    br: compress ? sibling(file, '.br', mtimeMs) : null,
    type: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

/** The file's copy in `enc`, made at a fast level on first use when the build did not write one. */
function encoded(f: StaticFile, enc: 'br' | 'gzip'): Buffer | null {
  if (f[enc] === undefined) {
    f[enc] =
      enc === 'br'
        ? brotliCompressSync(f.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
        : gzipSync(f.body, { level: 6 });
  }
  return f[enc];
}

function send(req: FastifyRequest, reply: FastifyReply, f: StaticFile, cacheControl: string) {
  reply
    .header('cache-control', cacheControl)
    .header('etag', f.etag)
    .header('vary', 'accept-encoding')
    .type(f.type);
  if (req.headers['if-none-match'] === f.etag) return reply.code(304).send();
  const accept = String(req.headers['accept-encoding'] ?? '');
  if (f.br !== null && /\bbr\b/.test(accept))
    return reply.header('content-encoding', 'br').send(encoded(f, 'br'));
  if (f.gzip !== null && /\bgzip\b/.test(accept))
    return reply.header('content-encoding', 'gzip').send(encoded(f, 'gzip'));
  return reply.send(f.body);
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Aegle</title>
<body style="font-family:system-ui;margin:3rem;max-width:40rem"><h1>Aegle</h1>
<p>The dashboard has not been built on this server. Run <code>npm run build:web</code> (or <code>npm run build</code>) and restart.
The API is at <a href="/docs">/docs</a>.</p></body></html>`;

export interface WebDashboardOptions {
  /** The built dashboard; default `web/dist` of this package. */
  readonly root?: string;
}

/** The Fastify plugin: register at the root of the service app. */
export function webDashboard(opts: WebDashboardOptions = {}) {
  return async function plugin(app: FastifyInstance) {
    const root = opts.root ?? DEFAULT_WEB_ROOT;
    const index = existsSync(path.join(root, 'index.html')) ? load(path.join(root, 'index.html')) : null;
    const files = new Map<string, StaticFile>();
    const assetsDir = path.join(root, 'assets');
    if (existsSync(assetsDir))
      for (const name of readdirSync(assetsDir))
        if (SAFE_NAME.test(name) && !PRECOMPRESSED.test(name))
          files.set(`assets/${name}`, load(path.join(assetsDir, name)));
    if (existsSync(root))
      for (const name of readdirSync(root))
        if (
          name !== 'index.html' &&
          SAFE_NAME.test(name) &&
          !PRECOMPRESSED.test(name) &&
          statSync(path.join(root, name)).isFile()
        )
          files.set(name, load(path.join(root, name)));

    const page = async (req: FastifyRequest, reply: FastifyReply) => {
      reply.header('content-security-policy', DASHBOARD_CSP);
      if (!index)
        return reply
          .code(503)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(NOT_BUILT);
      return send(req, reply, index, 'no-cache');
    };
    const hide = { hide: true };
    app.get('/', { config: { public: true, page: true }, schema: hide }, page);
    app.get('/index.html', { config: { public: true, page: true }, schema: hide }, page);
    app.get('/assets/:file', { config: { public: true, page: true }, schema: hide }, async (req, reply) => {
      const f = files.get(`assets/${(req.params as { file: string }).file}`);
      if (!f) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
      return send(req, reply, f, IMMUTABLE);
    });
    for (const [name, f] of files)
      if (!name.startsWith('assets/'))
        app.get(`/${name}`, { config: { public: true, page: true }, schema: hide }, async (req, reply) =>
          send(req, reply, f, 'public, max-age=3600'),
        );

    app.get(
      '/api/v1/me',
      {
        config: { permission: 'docs:read' },
        schema: {
          tags: ['keys'],
          summary: "The caller's key id, role and permissions (what the dashboard shows follows them)",
          response: responses({
            200: Type.Object({
              keyId: Type.String(),
              role: Type.String(),
              permissions: Type.Array(Type.String()),
            }),
          }),
        },
      },
      async (req) => ({
        keyId: req.principal!.keyId,
        role: req.principal!.role,
        permissions: [...ROLE_PERMISSIONS[req.principal!.role]],
      }),
    );
  };
}
