/**
 * FHIR R4 Bundles + Bulk NDJSON → normalised DuckDB tables, one dataset per table
 * (`NAME_patients`, `NAME_observations`, …), all written in ONE transaction: an import commits every
 * table and catalog row together or nothing. Files are read once, in large chunks cut at line breaks
 * (hashed on the way); the chunks are parsed, validated and mapped on worker threads and on this one
 * (`mapChunkSync`), their rows come back as staging CSV text and are written, in input order, to one CSV
 * file per table in a scratch directory; DuckDB's CSV reader then types them (TIMESTAMP, DATE, VARCHAR[])
 * in one `CREATE TABLE … AS SELECT` per table inside the transaction.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { createError, sha256Hex } from '../../core/index.js';
import { FHIR_TABLE_NAMES, FHIR_TABLES, type FhirColumn, type FhirTableName } from '../../fhir/index.js';
import {
  type DatasetVersion,
  type DuckStore,
  describeTable,
  findByHash,
  getVersion,
  ident,
  insertVersion,
  literal,
  refreshViews,
  tableNameFor,
  versionIdFor,
} from '../../store/index.js';
import '../errors.js';
import { validateDatasetName } from '../ingest.js';
import { type ChunkResult, type ChunkTask, MAX_REPORTED_ERRORS, mapChunkSync } from './map-chunk.js';
import { fhirParsePool, type PooledResult } from './parse-pool.js';
import { listFhirFiles, readFhirChunks } from './sources.js';

export { MAX_REPORTED_ERRORS } from './map-chunk.js';

/** Bumped when the mapping changes, so re-importing the same files makes a new version. */
export const FHIR_MAPPING_VERSION = 1;

export interface FhirIngestOptions {
  /** Dataset name prefix: tables become `NAME_patients`, `NAME_observations`, … */
  readonly name: string;
  /** Called every 10,000 resources with the count so far. */
  readonly onProgress?: (resources: number) => void;
  readonly signal?: AbortSignal;
  /**
   * Threads that parse and map, this one included (1: no worker threads). Default: every core for
   * inputs of `PARALLEL_MIN_BYTES` or more, else 1 (starting a worker costs more than it saves).
   */
  readonly threads?: number;
  /** Bytes of NDJSON per chunk, the unit of work of a thread (default `CHUNK_BYTES`). */
  readonly chunkBytes?: number;
}

/** Default chunk size: big enough that per-chunk costs vanish, small enough to share work evenly. */
export const CHUNK_BYTES = 2 << 20;
/** Inputs smaller than this are mapped on the calling thread alone unless `threads` says otherwise. */
export const PARALLEL_MIN_BYTES = 16 << 20;

/** The `--json` contract: every resource read, by type (Bundles and their entries included). */
export interface FhirIngestCounts {
  readonly resources: Record<string, number>;
  /** Resources of types without a table (e.g. Claim, Organization), by type. */
  readonly skipped: Record<string, number>;
  /** `Type/id: path message` for resources that break the spec; `file:line: …` for unreadable input. */
  readonly errors: string[];
}

export interface FhirIngestResult extends FhirIngestCounts {
  /** The dataset version of each table. */
  readonly datasets: Readonly<Record<FhirTableName, DatasetVersion>>;
  /** Rows written per table (components and one row per resource elsewhere). */
  readonly rows: Readonly<Record<FhirTableName, number>>;
  readonly files: readonly string[];
  /** True when these files were already imported under this name (nothing written). */
  readonly unchanged: boolean;
}

/** The dataset name of one table of an import. */
export function fhirDatasetName(name: string, table: FhirTableName): string {
  return `${name}_${table}`;
}

function stageType(c: FhirColumn): string {
  if (c.type === 'number' || c.type === 'timestamp' || c.type === 'date') return 'DOUBLE';
  if (c.type === 'bool') return 'BOOLEAN';
  return 'VARCHAR';
}

function finalExpr(c: FhirColumn): string {
  const id = ident(c.name);
  if (c.type === 'timestamp')
    return `CASE WHEN ${id} IS NULL THEN NULL ELSE make_timestamp(CAST(${id} * 1000 AS BIGINT)) END AS ${id}`;
  if (c.type === 'date')
    return `CASE WHEN ${id} IS NULL THEN NULL ELSE CAST(make_timestamp(CAST(${id} * 1000 AS BIGINT)) AS DATE) END AS ${id}`;
  if (c.type === 'list')
    return `CASE WHEN ${id} IS NULL THEN []::VARCHAR[] WHEN ${id} = '' THEN []::VARCHAR[] ELSE string_split(${id}, chr(9)) END AS ${id}`;
  if (c.name === 'component') return `CAST(${id} AS INTEGER) AS ${id}`;
  return id;
}

/** Writes staging CSV bytes to a file, honouring back-pressure. */
class CsvSink {
  private readonly stream: WriteStream;
  private pending: Promise<void> | null = null;
  constructor(file: string) {
    this.stream = createWriteStream(file);
  }
  write(bytes: Uint8Array): void {
    if (!this.stream.write(bytes) && !this.pending)
      this.pending = new Promise((res) =>
        this.stream.once('drain', () => {
          this.pending = null;
          res();
        }),
      );
  }
  /** Resolves when the file has room again. */
  drained(): Promise<void> {
    return this.pending ?? Promise.resolve();
  }
  async close(): Promise<void> {
    await new Promise<void>((res, rej) => this.stream.end((e?: Error | null) => (e ? rej(e) : res())));
  }
}

function csvReader(file: string, cols: readonly FhirColumn[]): string {
  const columns = cols.map((c) => `${literal(c.name)}: ${literal(stageType(c))}`).join(', ');
  return `read_csv(${literal(file)}, header=false, auto_detect=false, delim=',', quote='"', escape='"', nullstr='', allow_quoted_nulls=false, columns={${columns}})`;
}

interface Sink {
  append(table: number, csv: Uint8Array, rows: number): void;
  /** Resolves when the sink can take more (back-pressure). */
  drain(): Promise<void>;
}

/** One chunk on its way: read, maybe handed to a worker, mapped, not yet merged. */
interface Slot {
  task: ChunkTask;
  result?: ChunkResult;
  failed?: unknown;
  running?: Promise<PooledResult>;
}

/** What `pump` found: the counts, and the hash that identifies the import. */
interface Pumped extends FhirIngestCounts {
  readonly hash: string;
}

/**
 * Reads, maps and merges every chunk, handing CSV to the sink in input order. Chunks go to started
 * workers while they have room; the calling thread maps the oldest waiting chunk itself otherwise.
 * Results are merged in input order: the errors, counts and progress calls are those of one thread
 * reading the files from start to end, and so are the units learned per code (a chunk that learned
 * another unit for a code than the import before it is mapped again, given the import's units).
 */
async function pump(
  files: readonly string[],
  sink: Sink | null,
  opts: FhirIngestOptions,
  threads: number,
): Promise<Pumped> {
  const resources: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const errors: string[] = [];
  let dropped = 0;
  const units = new Map<string, string>();
  const digests = new Map<string, string>();
  let n = 0;
  const merge = (slot: Slot) => {
    let r = slot.result!;
    if (!r.seeded && r.learned.some(([code, unit]) => (units.get(code) ?? unit) !== unit))
      r = mapChunkSync({ ...slot.task, units: [...units] });
    for (const [code, unit] of r.learned) if (!units.has(code)) units.set(code, unit);
    for (const e of r.errors) {
      if (errors.length < MAX_REPORTED_ERRORS) errors.push(e);
      else dropped++;
    }
    dropped += r.moreErrors;
    for (const [t, c] of Object.entries(r.resources)) resources[t] = (resources[t] ?? 0) + c;
    for (const [t, c] of Object.entries(r.skipped)) skipped[t] = (skipped[t] ?? 0) + c;
    r.csv.forEach((csv, t) => {
      if (csv) sink?.append(t, csv, r.rows[t]);
    });
    const before = n;
    for (const c of Object.values(r.resources)) n += c;
    for (let k = Math.floor(before / 10_000) + 1; k <= Math.floor(n / 10_000); k++)
      opts.onProgress?.(k * 10_000);
  };

  const pool = threads > 1 ? fhirParsePool(threads - 1) : null;
  const release = pool?.lease();
  try {
    const chunks = readFhirChunks(files, opts.chunkBytes ?? CHUNK_BYTES, (f, d) => digests.set(f, d));
    const slots: Slot[] = [];
    const window = 2 + 3 * threads;
    let more = true;
    while (more || slots.length) {
      while (more && slots.length < window) {
        const next = await chunks.next();
        if (next.done) more = false;
        else slots.push({ task: { ...next.value } });
      }
      for (const s of slots) {
        if (s.result || s.running) continue;
        const running = pool?.tryRun(s.task);
        if (!running) break;
        s.running = running;
        running.then(
          (p) => {
            s.result = p.result;
            s.task = { ...s.task, bytes: p.bytes };
          },
          (e) => {
            s.failed = e;
          },
        );
      }
      let merged = false;
      while (slots.length && (slots[0].result || slots[0].failed)) {
        const s = slots.shift()!;
        if (s.failed) throw s.failed;
        merge(s);
        merged = true;
      }
      if (merged) {
        if (sink) await sink.drain();
        if (opts.signal?.aborted) throw createError('AEGLE_CORE_ABORTED', { what: 'FHIR import' });
        continue;
      }
      const waiting = slots.find((s) => !s.result && !s.running);
      if (waiting) {
        // the oldest chunk no worker could take: map it here (knowing the units so far when it is next)
        waiting.result = mapChunkSync(
          waiting === slots[0] ? { ...waiting.task, units: [...units] } : waiting.task,
        );
        await new Promise((res) => setImmediate(res));
      } else if (slots.length) await pool!.changed();
    }
  } finally {
    release?.();
  }
  if (dropped) errors.push(`… and ${dropped} more errors`);
  const parts = [
    `fhir-mapping:${FHIR_MAPPING_VERSION}`,
    ...files.map((f) => `${path.basename(f)}:${digests.get(f)}`),
  ];
  return {
    resources: sortKeys(resources),
    skipped: sortKeys(skipped),
    errors,
    hash: sha256Hex(parts.join('\n')),
  };
}

/** Fails when an integer option is not an integer ≥ 1. */
function checkCount(option: 'threads' | 'chunkBytes', v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1))
    throw createError('AEGLE_INGEST_BAD_OPTION', { option, reason: `must be an integer ≥ 1. Got ${v}.` });
}

/** Threads to use: the option, else every core for large inputs and 1 for small ones. */
async function threadsFor(files: readonly string[], opts: FhirIngestOptions): Promise<number> {
  if (opts.threads !== undefined) return opts.threads;
  let bytes = 0;
  for (const f of files) bytes += (await stat(f)).size;
  return bytes >= PARALLEL_MIN_BYTES ? Math.max(1, availableParallelism()) : 1;
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Imports FHIR files and directories as the datasets `NAME_<table>`. Atomic; a no-op (reported as
 * `unchanged`, counts still taken) when the same files were already imported under this name.
 */
export async function ingestFhir(
  db: DuckStore,
  paths: readonly string[],
  opts: FhirIngestOptions,
): Promise<FhirIngestResult> {
  validateDatasetName(opts.name);
  for (const t of FHIR_TABLE_NAMES) validateDatasetName(fhirDatasetName(opts.name, t));
  checkCount('threads', opts.threads);
  checkCount('chunkBytes', opts.chunkBytes);
  const files = await listFhirFiles(paths);
  if (files.length === 0)
    throw createError('AEGLE_INGEST_EMPTY', {
      file: paths.join(', '),
      what: 'holds no FHIR files (.json, .ndjson, .jsonl)',
    });
  const threads = await threadsFor(files, opts);
  const scratch = await mkdtemp(path.join(tmpdir(), 'aegle-fhir-'));
  const rows = Object.fromEntries(FHIR_TABLE_NAMES.map((t) => [t, 0])) as Record<FhirTableName, number>;
  try {
    // Rows go to one CSV per table first (built on the mapping threads), and DuckDB's parallel CSV
    // reader types them: an order of magnitude faster than an appender call per value. The files are
    // hashed while they are read, so whether this import is new is known only at the end; a repeated
    // import wrote its CSV for nothing, and writes no table.
    const sinks = FHIR_TABLE_NAMES.map((t) => new CsvSink(path.join(scratch, `${t}.csv`)));
    let pumped: Pumped;
    try {
      pumped = await pump(
        files,
        {
          append(t, csv, n) {
            sinks[t].write(csv);
            rows[FHIR_TABLE_NAMES[t]] += n;
          },
          drain: () => Promise.all(sinks.map((s) => s.drained())).then(() => undefined),
        },
        opts,
        threads,
      );
    } finally {
      await Promise.all(sinks.map((s) => s.close()));
    }
    const { hash, ...counts } = pumped;
    const tableHash = (t: FhirTableName) => sha256Hex(`${hash}\n${t}`);
    const existing = await findByHash(db, fhirDatasetName(opts.name, 'patients'), tableHash('patients'));
    if (existing) {
      const datasets = {} as Record<FhirTableName, DatasetVersion>;
      const stored = {} as Record<FhirTableName, number>;
      for (const t of FHIR_TABLE_NAMES) {
        datasets[t] = await getVersion(db, fhirDatasetName(opts.name, t), versionIdFor(tableHash(t)));
        stored[t] = datasets[t].rows;
      }
      return { ...counts, datasets, rows: stored, files, unchanged: true };
    }
    await db.transaction(async () => {
      const createdAt = new Date().toISOString();
      for (const t of FHIR_TABLE_NAMES) {
        const name = fhirDatasetName(opts.name, t);
        const contentHash = tableHash(t);
        const version = versionIdFor(contentHash);
        const table = tableNameFor(name, version);
        await db.runRaw(
          `CREATE TABLE ${ident(table)} AS SELECT ${FHIR_TABLES[t].map(finalExpr).join(', ')} FROM ${csvReader(path.join(scratch, `${t}.csv`), FHIR_TABLES[t])}`,
        );
        const idCol = FHIR_TABLES[t][0].name;
        await insertVersion(db, {
          name,
          version,
          contentHash,
          table,
          createdAt,
          rows: rows[t],
          columns: await describeTable(db, table),
          roles: t === 'patients' ? { patient_id: 'id' } : { [idCol]: 'id', patient_id: 'group' },
          source: `fhir:${files.length === 1 ? path.basename(files[0]) : `${files.length} files`}`,
          format: 'fhir',
          parent: null,
          meta: {
            fhirImport: hash,
            table: t,
            mappingVersion: FHIR_MAPPING_VERSION,
            files: files.map((f) => path.basename(f)),
            resources: counts.resources,
          },
        });
      }
      await refreshViews(db);
    });
    const datasets = {} as Record<FhirTableName, DatasetVersion>;
    for (const t of FHIR_TABLE_NAMES)
      datasets[t] = await getVersion(db, fhirDatasetName(opts.name, t), versionIdFor(tableHash(t)));
    return { ...counts, datasets, rows, files, unchanged: false };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
