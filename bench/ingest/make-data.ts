/**
 * Writes the ingest benchmark's input: 1,000,000 rows × 30 columns of clinical-looking data — an id,
 * 20 lab and vital measurements with one or two decimals (≈3% missing, written as empty fields), 5
 * integer columns, and 4 categorical text columns. Seeded, so every run reads the same bytes.
 * Usage: npx tsx bench/ingest/make-data.ts OUT.csv [ROWS]
 */
import { createWriteStream } from 'node:fs';
import { Rng } from '../../src/core/index.js';

export async function makeIngestCsv(file: string, rows = 1_000_000, seed = 42): Promise<void> {
  const rng = new Rng(seed);
  const out = createWriteStream(file);
  const labs = Array.from({ length: 20 }, (_, j) => ({
    name: `lab_${j}`,
    mean: 20 + 15 * j,
    sd: 3 + j,
    dec: j % 2 ? 1 : 2,
  }));
  const ints = ['age', 'visits', 'los_days', 'n_meds', 'n_dx'];
  const cats = [
    { name: 'sex', levels: ['F', 'M'] },
    { name: 'smoking', levels: ['never', 'former', 'current'] },
    { name: 'ward', levels: ['cardiology', 'endocrinology', 'nephrology', 'general', 'icu', 'oncology'] },
    { name: 'insurance', levels: ['medicare', 'medicaid', 'private', 'self-pay'] },
  ];
  const header = ['patient_id', ...labs.map((l) => l.name), ...ints, ...cats.map((c) => c.name)];
  let buf = `${header.join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    let line = `P${String(i + 1).padStart(7, '0')}`;
    for (const l of labs) line += rng.uniform() < 0.03 ? ',' : `,${rng.normal(l.mean, l.sd).toFixed(l.dec)}`;
    line += `,${18 + rng.int(73)},${rng.int(20)},${rng.int(30)},${rng.int(15)},${rng.int(12)}`;
    for (const c of cats) line += `,${c.levels[rng.int(c.levels.length)]}`;
    buf += `${line}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

if (process.argv[1]?.endsWith('make-data.ts')) {
  await makeIngestCsv(process.argv[2] ?? '.bench-out/ingest-1m.csv', Number(process.argv[3] ?? 1_000_000));
}
