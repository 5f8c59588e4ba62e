/**
 * Ingest + profile benchmark, beside pandas in the same run.
 *
 *   npx tsx bench/ingest/run.ts [ROWS] [clinical|peer] [--dist] [--rounds=5]
 *   (default 1,000,000 rows × 30 columns, clinical; --dist: Aegle from dist/, run `npm run build` first)
 *
 * 1. writes (once) the input to .bench-out/: `clinical` is a seeded clinical-looking CSV
 *    (bench/ingest/make-data.ts: values with one or two decimals, missing cells, text columns);
 *    `peer` is the peers' own data, scikit-learn's make_classification(n_features=30,
 *    n_informative=12, random_state=0) written by pandas at full float precision, as
 *    ../shared/peers/speed_bench.py writes synth200k.csv, but with ROWS rows;
 * 2. times Aegle's `ingestFile` (hash + parse + typed columnar storage + catalog, atomic) and
 *    `profileDataset`, each run in a fresh Node process (bench/ingest/aegle-once.mjs) and a fresh home;
 * 3. times pandas `read_csv` of the same file via /usr/bin/python3 (Debian's pandas, ../shared/peers),
 *    a fresh Python process each run;
 * median of 5 (`--rounds=N`) for each, alternating, after one untimed read of the file. Prints a table
 * and JSON. Only the calls are timed, not the processes' start.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeIngestCsv } from './make-data.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
// --dist: Aegle from the build, as `aegle ingest` runs it (`npm run build` first); else the sources
const fromDist = process.argv.includes('--dist');

const rows = Number(args[0] ?? 1_000_000);
const kind = args[1] === 'peer' ? 'peer' : 'clinical';
const out = path.resolve('.bench-out');
mkdirSync(out, { recursive: true });
const csv = path.join(out, kind === 'peer' ? `peer-${rows}.csv` : `ingest-${rows}.csv`);
if (!existsSync(csv)) {
  if (kind === 'clinical') await makeIngestCsv(csv, rows);
  else {
    const py = `from sklearn.datasets import make_classification\nimport pandas as pd\nX, y = make_classification(n_samples=${rows}, n_features=30, n_informative=12, random_state=0)\ndf = pd.DataFrame(X, columns=[f"f{i}" for i in range(30)]); df["y"] = y\ndf.iloc[:, :30].to_csv(${JSON.stringify(csv)}, index=False)`;
    const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make_classification failed: ${r.stderr}`);
  }
}
const mb = statSync(csv).size / 1e6;
// The file is read once before the timed runs, so that neither side pays for bringing it into the
// page cache (this machine's kernel evicts idle pages; the first run after a pause read from disk).
{
  const fd = openSync(csv, 'r');
  const buf = Buffer.allocUnsafe(1 << 22);
  for (let pos = 0, n = 1; n > 0; pos += n) n = readSync(fd, buf, 0, buf.length, pos);
  closeSync(fd);
}
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 5);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function pandasOnce(): number {
  const py = `import time, pandas as pd\nt=time.perf_counter(); df=pd.read_csv(${JSON.stringify(csv)}); print(time.perf_counter()-t)`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pandas failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** One run in a fresh Node process (bench/ingest/aegle-once.mjs), as pandas runs in a fresh Python. */
function aegleOnce(): { ingest: number; profile: number; reader: string } {
  const home = path.join(out, 'ingest-home');
  const script = path.join(import.meta.dirname, 'aegle-once.mjs');
  const r = spawnSync(
    process.execPath,
    [...(fromDist ? [] : ['--import', 'tsx']), script, fromDist ? 'dist' : 'src', csv, home, String(rows)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`aegle run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
}

const readers = new Set<string>();
const ing: number[] = [];
const prof: number[] = [];
const pd: number[] = [];
for (let i = 0; i < rounds; i++) {
  const a = aegleOnce();
  readers.add(a.reader);
  ing.push(a.ingest);
  prof.push(a.profile);
  pd.push(pandasOnce());
}
const res = {
  data: kind,
  code: fromDist ? 'dist' : 'src',
  rounds,
  reader: [...readers].join(','),
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
console.log(`Aegle ingest (${res.code}; reader ${res.reader}): ${res.aegleIngestS.toFixed(2)} s`);
console.log(`pandas read_csv:                               ${res.pandasReadCsvS.toFixed(2)} s`);
console.log(`speed-up vs pandas: ${res.speedup.toFixed(2)}×`);
console.log(
  `Aegle profile (stats, histograms, duplicates, correlations, warnings): ${res.aegleProfileS.toFixed(2)} s`,
);
console.log(JSON.stringify(res));
