#!/usr/bin/env node
/**
 * Writes the built dashboard's compressed copies beside each file (`X.br` at brotli quality 11,
 * `X.gz` at gzip level 9), so that the server reads them at start instead of compressing there
 * (src/serve/web/index.ts). Same rule as the server: text files over 512 bytes. Run by
 * `npm run build:web` after `vite build`.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);
let n = 0;
let raw = 0;
let br = 0;
for (const dir of [dist, path.join(dist, 'assets')]) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!statSync(file).isFile() || !COMPRESSIBLE.has(path.extname(name))) continue;
    const body = readFileSync(file);
    if (body.length <= 512) continue;
    const b = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    writeFileSync(`${file}.br`, b);
    writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
    n++;
    raw += body.length;
    br += b.length;
  }
}
console.log(`precompressed ${n} files: ${(raw / 1024).toFixed(0)} kB → ${(br / 1024).toFixed(0)} kB brotli`);
