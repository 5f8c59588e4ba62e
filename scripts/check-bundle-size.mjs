#!/usr/bin/env node
/**
 * The dashboard's bundle-size budget, checked after `vite build` (npm run build:web fails when over).
 *
 * - First load (what index.html pulls before anything renders: the entry script, its static imports
 *   and the CSS), gzipped: <= 90 kB. React + ReactDOM are about 60 kB of it. At a 1 Mbit/s clinical
 *   Wi-Fi or 3G link that is under a second of transfer, so sign-in appears fast.
 * - The chart chunk (Vega + Vega-Lite), gzipped: <= 300 kB. It is the bulk of the app, so it is
 *   loaded lazily, only by pages that draw charts, and cached as immutable after that.
 * - Any other lazily loaded chunk (one page each), gzipped: <= 25 kB.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = { firstLoad: 90, chart: 300, page: 25 };
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
const gz = (file) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length / 1024;

const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]));
// static imports of the entry load with it
for (const f of [...initial]) {
  if (!f.endsWith('.js')) continue;
  const src = readFileSync(path.join(dist, f), 'utf8');
  for (const m of src.matchAll(/^import\s*(?:[^'"]*from\s*)?["']\.\/([^"']+\.js)["']/gm))
    initial.add(`assets/${m[1]}`);
}
const rows = [];
let failed = false;
const firstLoad = [...initial].reduce((a, f) => a + gz(f), 0);
rows.push(['first load', [...initial].map((f) => path.basename(f)).join(' + '), firstLoad, BUDGET.firstLoad]);
for (const f of readdirSync(path.join(dist, 'assets'))) {
  const rel = `assets/${f}`;
  if (initial.has(rel) || !f.endsWith('.js')) continue;
  const isChart = f.startsWith('chart-impl');
  rows.push([isChart ? 'charts (lazy)' : 'page (lazy)', f, gz(rel), isChart ? BUDGET.chart : BUDGET.page]);
}
for (const [what, file, kb, budget] of rows) {
  const over = kb > budget;
  failed ||= over;
  if (over || what !== 'page (lazy)')
    console.log(
      `${over ? 'OVER ' : 'ok   '} ${what.padEnd(14)} ${kb.toFixed(1).padStart(7)} kB gzip (budget ${budget} kB)  ${file}`,
    );
}
const pages = rows.filter((r) => r[0] === 'page (lazy)');
console.log(
  `ok    ${pages.length} page chunks, largest ${Math.max(...pages.map((r) => r[2])).toFixed(1)} kB gzip (budget ${BUDGET.page} kB each)`,
);
if (failed) {
  console.error(
    'Bundle-size budget exceeded (scripts/check-bundle-size.mjs says why each budget is what it is).',
  );
  process.exit(1);
}
