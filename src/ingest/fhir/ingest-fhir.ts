/**
 * FHIR R4 Bundles + Bulk NDJSON → normalised DuckDB tables, one dataset per table
 * (`NAME_patients`, `NAME_observations`, …), all written in ONE transaction: an import commits every
 * table and catalog row together or nothing. Rows are streamed into staging
 * CSV files in a scratch directory, then typed (TIMESTAMP, DATE, VARCHAR[]) by DuckDB's CSV reader in one
 * `CREATE TABLE … AS SELECT` per table inside the transaction.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createError, sha256Hex, sha256Stream } from '../../core/index.js';
import {
  FHIR_TABLE_NAMES,
  FHIR_TABLES,
  type FhirColumn,
  type FhirRow,
  type FhirTableName,
  formatIssue,
  mapResource,
  UnitHarmoniser,
} from '../../fhir/index.js';
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
import { validateDatasetName } from '../ingest.js';
import { listFhirFiles, readFhirSources } from './sources.js';

/** Bumped when the mapping changes, so re-importing the same files makes a new version. */
export const FHIR_MAPPING_VERSION = 1;
/** At most this many error lines are kept (the rest are counted in a last line). */
export const MAX_REPORTED_ERRORS = 1000;

export interface FhirIngestOptions {
  /** Dataset name prefix: tables become `NAME_patients`, `NAME_observations`, … */
  readonly name: string;
  /** Called every 10,000 resources with the count so far. */
  readonly onProgress?: (resources: number) => void;
  readonly signal?: AbortSignal;
}

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

/** Quotes a CSV field when it must be (empty strings are quoted so that only unquoted empties are NULL). */
function csvText(v: string): string {
  return v === '' || /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csvCell(c: FhirColumn, v: FhirRow[number]): string {
  if (v === null) return '';
  if (c.type === 'list') return csvText((v as readonly string[]).join('\t'));
  if (c.type === 'text') return csvText(v as string);
  return String(v);
}

/** Buffers rows as CSV lines and writes them to a file, honouring back-pressure. */
class CsvSink {
  private readonly stream: WriteStream;
  private buf: string[] = [];
  private pending: Promise<void> | null = null;
  constructor(
    file: string,
    private readonly cols: readonly FhirColumn[],
  ) {
    this.stream = createWriteStream(file);
  }
  write(rows: FhirRow[]): void {
    const cols = this.cols;
    for (const row of rows) {
      let line = csvCell(cols[0], row[0]);
      for (let j = 1; j < cols.length; j++) line += `,${csvCell(cols[j], row[j])}`;
      this.buf.push(line);
    }
    if (this.buf.length >= 4096) this.flush();
  }
  private flush(): void {
    if (!this.buf.length) return;
    const ok = this.stream.write(`${this.buf.join('\n')}\n`);
    this.buf = [];
    if (!ok && !this.pending)
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
    this.flush();
    await new Promise<void>((res, rej) => this.stream.end((e?: Error | null) => (e ? rej(e) : res())));
  }
}

function csvReader(file: string, cols: readonly FhirColumn[]): string {
  const columns = cols.map((c) => `${literal(c.name)}: ${literal(stageType(c))}`).join(', ');
  return `read_csv(${literal(file)}, header=false, auto_detect=false, delim=',', quote='"', escape='"', nullstr='', allow_quoted_nulls=false, columns={${columns}})`;
}

/** Hash of the files' bytes and names plus the mapping version: identifies an import. */
async function hashSources(files: readonly string[]): Promise<string> {
  const parts: string[] = [`fhir-mapping:${FHIR_MAPPING_VERSION}`];
  for (const f of files) {
    const h = sha256Stream();
    for await (const chunk of createReadStream(f, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
    parts.push(`${path.basename(f)}:${h.digest()}`);
  }
  return sha256Hex(parts.join('\n'));
}

interface Sink {
  append(table: FhirTableName, rows: FhirRow[]): void;
  /** Resolves when the sink can take more (back-pressure). */
  drain(): Promise<void>;
}

/** Reads every resource, maps it, and hands rows to the sink; returns the counts. */
async function pump(
  files: readonly string[],
  sink: Sink | null,
  opts: FhirIngestOptions,
): Promise<FhirIngestCounts> {
  const resources: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const errors: string[] = [];
  let dropped = 0;
  const report = (line: string) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(line);
    else dropped++;
  };
  const units = new UnitHarmoniser();
  let n = 0;
  for await (const item of readFhirSources(files)) {
    if (item.kind === 'error') {
      report(item.message);
      continue;
    }
    const res = item.resource;
    resources[res.resourceType] = (resources[res.resourceType] ?? 0) + 1;
    if (++n % 10_000 === 0) {
      opts.onProgress?.(n);
      if (sink) await sink.drain();
      if (opts.signal?.aborted) throw createError('AEGLE_CORE_ABORTED', { what: 'FHIR import' });
    }
    if (res.resourceType === 'Bundle') continue;
    const out = mapResource(res, {
      fullUrls: item.fullUrls,
      fallbackId: item.fallbackId,
      medications: item.medications,
      units,
    });
    if (out.kind === 'skipped') skipped[res.resourceType] = (skipped[res.resourceType] ?? 0) + 1;
    else if (out.kind === 'invalid') for (const i of out.issues) report(formatIssue(i));
    else sink?.append(out.table, out.rows);
  }
  if (dropped) errors.push(`… and ${dropped} more errors`);
  return { resources: sortKeys(resources), skipped: sortKeys(skipped), errors };
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
  const files = await listFhirFiles(paths);
  if (files.length === 0)
    throw createError('AEGLE_INGEST_EMPTY', {
      file: paths.join(', '),
      what: 'holds no FHIR files (.json, .ndjson, .jsonl)',
    });
  const hash = await hashSources(files);
  const tableHash = (t: FhirTableName) => sha256Hex(`${hash}\n${t}`);
  const existing = await findByHash(db, fhirDatasetName(opts.name, 'patients'), tableHash('patients'));
  if (existing) {
    const counts = await pump(files, null, opts);
    const datasets = {} as Record<FhirTableName, DatasetVersion>;
    const rows = {} as Record<FhirTableName, number>;
    for (const t of FHIR_TABLE_NAMES) {
      const name = fhirDatasetName(opts.name, t);
      datasets[t] = await getVersion(db, name, versionIdFor(tableHash(t)));
      rows[t] = datasets[t].rows;
    }
    return { ...counts, datasets, rows, files, unchanged: true };
  }

  const scratch = await mkdtemp(path.join(tmpdir(), 'aegle-fhir-'));
  const rows = Object.fromEntries(FHIR_TABLE_NAMES.map((t) => [t, 0])) as Record<FhirTableName, number>;
  let counts: FhirIngestCounts | undefined;
  try {
    // Rows go to one CSV per table first (cheap string building in JS), and DuckDB's parallel CSV
    // reader types them: an order of magnitude faster than an appender call per value.
    const sinks = new Map(
      FHIR_TABLE_NAMES.map((t) => [t, new CsvSink(path.join(scratch, `${t}.csv`), FHIR_TABLES[t])]),
    );
    try {
      counts = await pump(
        files,
        {
          append(t, rs) {
            sinks.get(t)!.write(rs);
            rows[t] += rs.length;
          },
          drain: () => Promise.all([...sinks.values()].map((s) => s.drained())).then(() => undefined),
        },
        opts,
      );
    } finally {
      await Promise.all([...sinks.values()].map((s) => s.close()));
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
            resources: counts!.resources,
          },
        });
      }
      await refreshViews(db);
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const datasets = {} as Record<FhirTableName, DatasetVersion>;
  for (const t of FHIR_TABLE_NAMES)
    datasets[t] = await getVersion(db, fhirDatasetName(opts.name, t), versionIdFor(tableHash(t)));
  return { ...counts!, datasets, rows, files, unchanged: false };
}
