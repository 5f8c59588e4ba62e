/**
 * FHIR import throughput: the synthetic cohort written as Bulk Data NDJSON (≥ 100,000 resources), then
 * `ingestFhir` into an in-memory DuckDB, timed end to end (read + hash, parse, validate, map, UCUM,
 * staging CSV, typed tables, catalog). Three runs in one process: the first starts the parse worker
 * threads (reported on its own), the next reuse them. Peer: DuckDB's own `read_json` of the same
 * NDJSON into an untyped table, in the same run (a floor: no mapping, no validation, no references,
 * no units).
 *
 *   npx tsx bench/fhir/import.ts [patients=2500] [threads]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { closeFhirParsePool, ingestFhir } from '../../src/ingest/index.js';
import { DuckStore, ensureCatalog } from '../../src/store/index.js';
import { generateCohort, NO_DEFECTS, writeCohortFhir } from '../../src/synth/index.js';

const patients = Number(process.argv[2] ?? 2500);
const threads = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const dir = mkdtempSync(path.join(tmpdir(), 'aegle-bench-fhir-'));
try {
  const cohort = generateCohort({ patients, seed: 7, defects: NO_DEFECTS });
  const w = await writeCohortFhir(cohort, dir, { format: 'ndjson' });
  const total = Object.values(w.resources).reduce((a, b) => a + b, 0);
  const runs: number[] = [];
  const cpu: number[] = [];
  let rows: Record<string, number> = {};
  for (let rep = 0; rep < 3; rep++) {
    const db = await DuckStore.create({ path: ':memory:' });
    await ensureCatalog(db);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await ingestFhir(db, [dir], { name: 'bench', threads });
    runs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    rows = r.rows;
    const read = Object.values(r.resources).reduce((a, b) => a + b, 0);
    if (read !== total || r.errors.length)
      throw new Error(`read ${read} of ${total} resources, ${r.errors.length} errors`);
    db.close();
  }
  const db = await DuckStore.create({ path: ':memory:' });
  const t1 = performance.now();
  for (const t of ['Patient', 'Encounter', 'Observation', 'Condition']) {
    await db.run(
      `CREATE TABLE raw_${t} AS SELECT * FROM read_json('${path.join(dir, `${t}.ndjson`)}', format='newline_delimited')`,
    );
  }
  const peer = performance.now() - t1;
  db.close();
  await closeFhirParsePool();
  const best = Math.min(...runs);
  const rate = (ms: number) => Math.round(total / (ms / 1000)).toLocaleString('en-US');
  console.log(
    `FHIR NDJSON import: ${total.toLocaleString('en-US')} resources (${JSON.stringify(w.resources)})`,
  );
  console.log(`rows: ${JSON.stringify(rows)}`);
  console.log(
    `aegle ingestFhir:        best ${best.toFixed(0)} ms of ${runs.map((r) => r.toFixed(0)).join('/')} → ${rate(best)} resources/s (threads ${threads ?? availableParallelism()})`,
  );
  console.log(`  first run (starts the worker threads): ${rate(runs[0])} resources/s`);
  // CPU time of the process (every thread, DuckDB's included): the figure least moved by other load
  console.log(`  CPU per run: ${cpu.map((c) => (c / 1000).toFixed(2)).join('/')} s`);
  console.log(
    `duckdb read_json (raw):  ${peer.toFixed(0)} ms → ${rate(peer)} resources/s (no mapping, units or references)`,
  );
  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${availableParallelism()} cores)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
