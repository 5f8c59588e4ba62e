/**
 * One timed Aegle ingest + profile in this process, printed as JSON: the child that
 * bench/ingest/run.ts starts for each run (a fresh process each time, as pandas gets one).
 *
 *   node bench/ingest/aegle-once.mjs dist CSV HOME ROWS          (Aegle from dist/)
 *   node --import tsx bench/ingest/aegle-once.mjs src CSV HOME ROWS
 */
import { rmSync } from 'node:fs';

const [from, csv, home, rows] = process.argv.slice(2);
const root = from === 'dist' ? '../../dist' : '../../src';
const { DEFAULT_MISSING_TOKENS } = await import(`${root}/config/index.js`);
const { profileDataset } = await import(`${root}/dataset/index.js`);
const { ingestFile } = await import(`${root}/ingest/index.js`);
const { openDatasetStore } = await import(`${root}/store/index.js`);

rmSync(home, { recursive: true, force: true });
const db = await openDatasetStore({ home });
try {
  let t = performance.now();
  const r = await ingestFile(db, csv, { name: 'bench', missingTokensDefault: DEFAULT_MISSING_TOKENS });
  const ingest = (performance.now() - t) / 1000;
  if (r.dataset.rows !== Number(rows)) throw new Error(`expected ${rows} rows, got ${r.dataset.rows}`);
  t = performance.now();
  await profileDataset(db, r.dataset);
  const profile = (performance.now() - t) / 1000;
  console.log(JSON.stringify({ ingest, profile, reader: r.dataset.meta.reader ?? 'duckdb' }));
} finally {
  db.close();
  rmSync(home, { recursive: true, force: true });
}
