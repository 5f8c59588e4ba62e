/**
 * Privacy benchmark: free-text de-identification throughput (MB of UTF-8 text per second) on the
 * synthetic cohort's clinical notes and on the Presidio-research corpus, plus Safe Harbor on the
 * synthetic patients + notes tables. Presidio itself cannot be installed here (no network), so no peer
 * is run; only our figures are printed.
 *
 *   npx tsx bench/privacy/run.ts [PATIENTS]     (default 20,000 patients ≈ 25,000 notes)
 */
import { readFileSync } from 'node:fs';
import { cellValue } from '../../src/core/index.js';
import {
  createPseudonymizer,
  deidentifyFrame,
  evaluateDetector,
  redactText,
} from '../../src/privacy/index.js';
import { generateCohort } from '../../src/synth/index.js';

const patients = Number(process.argv[2] ?? 20_000);
const { tables } = generateCohort({ patients, seed: 1 });
const textCol = tables.notes.columns.find((c) => c.name === 'text')!;
const notes: string[] = [];
for (let i = 0; i < tables.notes.nRows; i++) notes.push(String(cellValue(textCol, i)));
const corpus = JSON.parse(
  readFileSync(new URL('../../../shared/data/deid/generated_small.json', import.meta.url), 'utf8'),
) as Array<{
  full_text: string;
}>;
const corpusTexts = corpus.map((x) => x.full_text);

function throughput(texts: string[], reps: number): { mb: number; seconds: number; mbPerS: number } {
  const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0) * reps;
  for (const t of texts.slice(0, 200)) redactText(t); // warm-up
  const best: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let k = 0; k < reps; k++) for (const t of texts) redactText(t);
    best.push((performance.now() - t0) / 1000);
  }
  const seconds = Math.min(...best);
  return { mb: bytes / 1e6, seconds, mbPerS: bytes / 1e6 / seconds };
}

const a = throughput(notes, 1);
console.log(
  `synthetic notes: ${notes.length} notes, ${a.mb.toFixed(2)} MB in ${a.seconds.toFixed(2)} s → ${a.mbPerS.toFixed(2)} MB/s`,
);
const b = throughput(corpusTexts, 200);
console.log(
  `presidio-research corpus ×200: ${b.mb.toFixed(2)} MB in ${b.seconds.toFixed(2)} s → ${b.mbPerS.toFixed(2)} MB/s`,
);
const r = evaluateDetector(corpus as never);
console.log(
  `corpus recall (Safe Harbor spans fully removed) ${r.recall.toFixed(3)}, precision ${r.precision.toFixed(3)}`,
);
const p = createPseudonymizer(new Uint8Array(32).fill(1));
const t0 = performance.now();
deidentifyFrame(tables.patients, { pseudonymizer: p });
deidentifyFrame(tables.notes, { pseudonymizer: p });
console.log(
  `Safe Harbor patients (${tables.patients.nRows} rows) + notes (${tables.notes.nRows} rows): ${((performance.now() - t0) / 1000).toFixed(2)} s`,
);
