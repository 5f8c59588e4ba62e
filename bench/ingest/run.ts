/**
 * Ingest + profile benchmark, beside pandas in the same run.
 *
 *   npx tsx bench/ingest/run.ts [ROWS]        (default 1,000,000 rows × 30 columns)
 *
 * 1. writes (once) a seeded clinical-looking CSV (bench/ingest/make-data.ts) to .bench-out/;
 * 2. times Aegle's `ingestFile` (hash + parse + typed DuckDB table + catalog, atomic) and `profileDataset`;
 * 3. times pandas `read_csv` of the same file via /usr/bin/python3 (Debian's pandas, ../shared/peers);
 * median of 3 for each, alternating, each into a fresh home. Prints a table and JSON.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MISSING_TOKENS } from '../../src/config/index.js';
import { profileDataset } from '../../src/dataset/index.js';
import { ingestFile } from '../../src/ingest/index.js';
import { openDatasetStore } from '../../src/store/index.js';
import { makeIngestCsv } from './make-data.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const out = path.resolve('.bench-out');
mkdirSync(out, { recursive: true });
const csv = path.join(out, `ingest-${rows}.csv`);
if (!existsSync(csv)) await makeIngestCsv(csv, rows);
const mb = statSync(csv).size / 1e6;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function pandasOnce(): number {
  const py = `import time, pandas as pd\nt=time.perf_counter(); df=pd.read_csv(${JSON.stringify(csv)}); print(time.perf_counter()-t)`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pandas failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

async function aegleOnce(): Promise<{ ingest: number; profile: number }> {
  const home = path.join(out, 'ingest-home');
  rmSync(home, { recursive: true, force: true });
  const db = await openDatasetStore({ home });
  try {
    let t = performance.now();
    const r = await ingestFile(db, csv, { name: 'bench', missingTokensDefault: DEFAULT_MISSING_TOKENS });
    const ingest = (performance.now() - t) / 1000;
    if (r.dataset.rows !== rows) throw new Error(`expected ${rows} rows, got ${r.dataset.rows}`);
    t = performance.now();
    await profileDataset(db, r.dataset);
    return { ingest, profile: (performance.now() - t) / 1000 };
  } finally {
    db.close();
    rmSync(home, { recursive: true, force: true });
  }
}

const ing: number[] = [];
const prof: number[] = [];
const pd: number[] = [];
for (let i = 0; i < 3; i++) {
  const a = await aegleOnce();
  ing.push(a.ingest);
  prof.push(a.profile);
  pd.push(pandasOnce());
}
const res = {
  rows,
  columns: 30,
  fileMB: Number(mb.toFixed(1)),
  aegleIngestS: median(ing),
  aegleProfileS: median(prof),
  pandasReadCsvS: median(pd),
  speedup: median(pd) / median(ing),
  runs: { ingest: ing, profile: prof, pandas: pd },
};
console.log(`file: ${csv} (${res.fileMB} MB)`);
console.log(`Aegle ingest (parse + typed table + catalog): ${res.aegleIngestS.toFixed(2)} s`);
console.log(`pandas read_csv:                               ${res.pandasReadCsvS.toFixed(2)} s`);
console.log(`speed-up vs pandas: ${res.speedup.toFixed(2)}×`);
console.log(
  `Aegle profile (stats, histograms, duplicates, correlations, warnings): ${res.aegleProfileS.toFixed(2)} s`,
);
console.log(JSON.stringify(res));
