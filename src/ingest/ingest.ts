/**
 * Files → immutable dataset versions in DuckDB. CSV/TSV, Parquet, JSON (array) and NDJSON.
 *
 * A version is identified by a content hash of the source bytes plus the options that shaped the
 * table, so re-ingesting the same bytes the same way is a no-op that says so. Delimited text with a
 * header goes first to Aegle's parallel reader (fast/), which writes Parquet parts that a view names;
 * what it declines, and every other format, DuckDB reads into a table. The table or view and its
 * catalog row are written in one DuckDB transaction: a failed ingest leaves nothing behind.
 */
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { type ColumnRole, COLUMN_ROLES, createError, sha256Stream, sha256Hex } from '../core/index.js';
import {
  type DatasetVersion,
  type DuckStore,
  describeTable,
  findByHash,
  firstLine,
  getVersion,
  ident,
  insertVersion,
  listVersions,
  literal,
  createParquetView,
  parquetRoot,
  refreshViews,
  tableNameFor,
  versionIdFor,
} from '../store/index.js';
import { csvToParquet } from './fast/index.js';
import { setRoles } from './roles.js';
import { detectDelimiter, diagnoseDelimited, headLines, looksLikeHeader, splitLine } from './csv-diagnose.js';

export type IngestFormat = 'csv' | 'tsv' | 'parquet' | 'json' | 'ndjson';
export const INGEST_FORMATS: readonly IngestFormat[] = ['csv', 'tsv', 'parquet', 'json', 'ndjson'];

/** DuckDB types a column may be forced to with an override. */
export const OVERRIDE_TYPES = [
  'DOUBLE',
  'BIGINT',
  'INTEGER',
  'VARCHAR',
  'BOOLEAN',
  'DATE',
  'TIMESTAMP',
] as const;

export interface IngestOptions {
  readonly name: string;
  /** Default: from the file extension. */
  readonly format?: IngestFormat;
  /** Delimited text: the field delimiter, or 'auto' to detect. Default ',' (CSV) or tab (TSV). */
  readonly delimiter?: string;
  /** Delimited text: whether the first line is a header; default detected. */
  readonly header?: boolean;
  /** Delimited text: tokens read as missing. */
  readonly missingTokens?: readonly string[];
  /** Per-column type overrides, e.g. `{ zip: 'VARCHAR' }`. */
  readonly types?: Readonly<Record<string, string>>;
  /** Column roles to record with the version. */
  readonly roles?: Readonly<Record<string, ColumnRole>>;
  /**
   * Delimited text: 'auto' (default) tries Aegle's parallel reader, which stores the version as
   * Parquet files, and leaves files it does not read itself to DuckDB's; 'duckdb' always uses
   * DuckDB's reader and a DuckDB table.
   */
  readonly reader?: 'auto' | 'duckdb';
}

export interface IngestResult {
  readonly dataset: DatasetVersion;
  /** True when these bytes were already ingested under this name with the same options. */
  readonly unchanged: boolean;
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export function validateDatasetName(name: string): void {
  if (!NAME_RE.test(name)) throw createError('AEGLE_INGEST_NAME', { name });
}

export function formatFromExtension(file: string): IngestFormat | undefined {
  const ext = path.extname(file.toLowerCase().replace(/\.gz$/, '')).slice(1);
  if (ext === 'csv' || ext === 'txt' || ext === 'data') return 'csv';
  if (ext === 'tsv' || ext === 'tab') return 'tsv';
  if (ext === 'parquet' || ext === 'pq') return 'parquet';
  if (ext === 'json') return 'json';
  if (ext === 'ndjson' || ext === 'jsonl') return 'ndjson';
  return undefined;
}

/**
 * SHA-256 of the file's bytes and the shaping options. One buffer is read into again and again: a
 * stream's fresh buffer per chunk would make the kernel hand out (and zero) new pages for every
 * megabyte, which costs more than the hashing on a virtual machine.
 */
async function hashFile(file: string, options: unknown): Promise<string> {
  const h = sha256Stream();
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return sha256Hex(`${h.digest()}\n${JSON.stringify(options)}`);
}

interface ReaderPlan {
  readonly sql: string;
  readonly delimiter?: string;
  readonly header?: boolean;
}

async function planReader(
  file: string,
  format: IngestFormat,
  opts: IngestOptions,
  missing: readonly string[],
  sampleAll: boolean,
): Promise<ReaderPlan> {
  const f = literal(file);
  if (format === 'parquet') return { sql: `read_parquet(${f})` };
  if (format === 'json') return { sql: `read_json(${f}, format='array')` };
  if (format === 'ndjson') return { sql: `read_json(${f}, format='newline_delimited')` };
  const lines = await headLines(file, 20);
  let delimiter = opts.delimiter ?? (format === 'tsv' ? '\t' : ',');
  if (delimiter === 'auto') delimiter = detectDelimiter(lines);
  if (delimiter === '\\t') delimiter = '\t';
  if (delimiter.length !== 1) {
    throw createError('AEGLE_INGEST_BAD_OPTION', {
      option: '--delimiter',
      reason: `must be one character or 'auto'. Got '${delimiter}'.`,
    });
  }
  const nonEmpty = lines.filter((l) => l.length > 0);
  const header =
    opts.header ??
    looksLikeHeader(
      splitLine(nonEmpty[0] ?? '', delimiter),
      nonEmpty[1] ? splitLine(nonEmpty[1], delimiter) : undefined,
      missing,
    );
  const parts = [
    f,
    `delim=${literal(delimiter)}`,
    `quote='"'`,
    `escape='"'`,
    `header=${header}`,
    'skip=0',
    'strict_mode=true',
    'null_padding=false',
    `nullstr=[${missing.map(literal).join(', ')}]`,
    // keep leading zeros of codes such as ZIP or MRN: a value that starts with 0 stays text
    "auto_type_candidates=['BOOLEAN', 'BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR']",
  ];
  if (sampleAll) parts.push('sample_size=-1');
  if (opts.types && Object.keys(opts.types).length) {
    parts.push(
      `types={${Object.entries(opts.types)
        .map(([k, v]) => `${literal(k)}: ${literal(v)}`)
        .join(', ')}}`,
    );
  }
  return { sql: `read_csv(${parts.join(', ')})`, delimiter, header };
}

/** Turns a DuckDB read error into a coded error naming the file, line and column. */
async function explainReadError(
  e: unknown,
  file: string,
  format: IngestFormat,
  plan: ReaderPlan,
): Promise<Error> {
  const msg = e instanceof Error ? e.message : String(e);
  const shown = path.basename(file);
  if (format === 'csv' || format === 'tsv') {
    const conv =
      /CSV Error on Line: (\d+)[\s\S]*?Original Line: ([^\n]*)[\s\S]*?Error when converting column "([^"]+)"\. Could not convert string "([^"]*)" to '([^']+)'/.exec(
        msg,
      );
    if (conv) {
      return createError('AEGLE_INGEST_TYPE', {
        file: shown,
        line: Number(conv[1]),
        column: conv[3],
        value: conv[4].slice(0, 40),
        type: conv[5],
      });
    }
    const problem = await diagnoseDelimited(file, plan.delimiter ?? ',');
    if (problem?.kind === 'encoding')
      return createError('AEGLE_INGEST_ENCODING', {
        file: shown,
        line: problem.line,
        offset: problem.offset,
      });
    if (problem?.kind === 'binary')
      return createError('AEGLE_INGEST_FORMAT', {
        file: shown,
        format: format.toUpperCase(),
        reason: `it contains binary data (a NUL byte on line ${problem.line})`,
      });
    if (problem?.kind === 'fields') {
      return createError('AEGLE_INGEST_PARSE', {
        file: shown,
        line: problem.line,
        reason: `expected ${problem.expected} fields (as in the first line), found ${problem.found}`,
      });
    }
    if (problem?.kind === 'quote')
      return createError('AEGLE_INGEST_PARSE', {
        file: shown,
        line: problem.line,
        reason: 'unbalanced or misplaced double quote',
      });
    const onLine = /CSV Error on Line: (\d+)/.exec(msg);
    return createError(
      'AEGLE_INGEST_PARSE',
      { file: shown, line: onLine ? Number(onLine[1]) : '?', reason: firstLine(e) },
      { cause: e },
    );
  }
  return createError(
    'AEGLE_INGEST_FORMAT',
    {
      file: shown,
      format: format === 'ndjson' ? 'NDJSON' : format === 'json' ? 'JSON' : 'Parquet',
      reason: firstLine(e).replace(/^[A-Za-z ]+Error: /, ''),
    },
    { cause: e },
  );
}

/**
 * Ingests one file as a new version of dataset `opts.name`. Atomic; a no-op (reported as
 * `unchanged`) when the same bytes were already ingested under that name with the same options.
 */
export async function ingestFile(
  db: DuckStore,
  file: string,
  opts: IngestOptions & { missingTokensDefault: readonly string[] },
): Promise<IngestResult> {
  validateDatasetName(opts.name);
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    throw createError('AEGLE_INGEST_FILE_NOT_FOUND', { file });
  }
  const shown = path.basename(file);
  if (size === 0) throw createError('AEGLE_INGEST_EMPTY', { file: shown, what: 'is empty (0 bytes)' });
  const format = opts.format ?? formatFromExtension(file);
  if (!format) {
    throw createError('AEGLE_INGEST_BAD_OPTION', {
      option: '--format',
      reason: `cannot tell the format of '${shown}' from its extension; pass one of ${INGEST_FORMATS.join('|')}.`,
    });
  }
  if (!INGEST_FORMATS.includes(format)) {
    throw createError('AEGLE_INGEST_BAD_OPTION', {
      option: '--format',
      reason: `must be one of ${INGEST_FORMATS.join('|')}. Got '${format}'.`,
    });
  }
  for (const [col, t] of Object.entries(opts.types ?? {})) {
    if (!(OVERRIDE_TYPES as readonly string[]).includes(t.toUpperCase())) {
      throw createError('AEGLE_INGEST_BAD_OPTION', {
        option: `--type ${col}=${t}`,
        reason: `the type must be one of ${OVERRIDE_TYPES.join('|')}.`,
      });
    }
  }
  for (const [col, role] of Object.entries(opts.roles ?? {})) {
    if (!COLUMN_ROLES.includes(role)) {
      throw createError('AEGLE_INGEST_BAD_OPTION', {
        option: `--role ${col}=${role}`,
        reason: `the role must be one of ${COLUMN_ROLES.join('|')}.`,
      });
    }
  }
  const missing = opts.missingTokens ?? opts.missingTokensDefault;
  const shaping = {
    format,
    delimiter: opts.delimiter ?? null,
    header: opts.header ?? null,
    missing,
    types: opts.types ?? {},
  };
  let fastSkipped: string | null = null;
  // The same bytes may already be a version of this dataset only if one has exactly this size; then
  // hash first and stop early. Otherwise parse while hashing (the hash runs on this thread, DuckDB's
  // parser on its own) into a staging table that takes its final name once the hash is known.
  const sameSize = (await listVersions(db, opts.name)).some((x) => x.meta.bytes === size);
  let hashed: Promise<string>;
  if (sameSize) {
    const contentHash = await hashFile(file, shaping);
    const existing = await findByHash(db, opts.name, contentHash);
    if (existing) return unchangedResult(db, existing, opts);
    hashed = Promise.resolve(contentHash);
  } else {
    hashed = hashFile(file, shaping);
    hashed.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  }

  await precheck(file, format, shown);
  if (
    (format === 'csv' || format === 'tsv') &&
    opts.reader !== 'duckdb' &&
    !Object.keys(opts.types ?? {}).length
  ) {
    const fast = await fastIngest(db, file, size, format, opts, missing, shown, hashed);
    if (fast.done) return fast.result;
    fastSkipped = fast.reason;
  }
  const staging = `_ingest_${randomBytes(6).toString('hex')}`;
  let version = '';
  let found: DatasetVersion | null = null;
  const attempt = async (): Promise<void> => {
    // delimited text is typed from the whole file, not DuckDB's 20,480-row sample: a decimal after
    // the sample would be rounded into an integer column without an error ('1.75' → BIGINT 2)
    const plan = await planReader(file, format, opts, missing, true);
    await db.transaction(async () => {
      try {
        await db.runRaw(`CREATE TABLE ${ident(staging)} AS SELECT * FROM ${plan.sql}`);
      } catch (e) {
        throw new ReadFailure(e, plan);
      }
      const columns = await describeTable(db, staging);
      checkColumns(
        columns.map((c) => c.name),
        opts,
        shown,
      );
      const [{ n }] = await db.allRaw<{ n: number }>(`SELECT count(*) AS n FROM ${ident(staging)}`);
      const rows = Number(n);
      if (rows === 0) throw createError('AEGLE_INGEST_EMPTY', { file: shown, what: 'has no data rows' });
      const contentHash = await hashed;
      found = await findByHash(db, opts.name, contentHash);
      if (found) throw new AlreadyIngested(); // rolls the staging table back
      version = versionIdFor(contentHash);
      const table = tableNameFor(opts.name, version);
      await db.runRaw(`ALTER TABLE ${ident(staging)} RENAME TO ${ident(table)}`);
      await insertVersion(
        db,
        fileVersion(
          opts,
          { version, contentHash, table, rows, columns, shown, format, size, plan, missing },
          {
            reader: 'duckdb',
            ...(fastSkipped ? { fastPathSkipped: fastSkipped } : {}),
          },
        ),
      );
      await refreshViews(db);
    });
  };
  try {
    try {
      await attempt();
    } catch (e) {
      if (!(e instanceof ReadFailure)) throw e;
      throw await explainReadError(e.cause, file, format, e.plan);
    }
  } catch (e) {
    if (e instanceof AlreadyIngested && found) return unchangedResult(db, found, opts);
    throw e;
  }
  return { dataset: await getVersion(db, opts.name, version), unchanged: false };
}

type FastOutcome = { done: true; result: IngestResult } | { done: false; reason: string | null };

/**
 * The fast path for delimited text with a header (see fast/index.ts): Parquet parts written by
 * worker threads while this thread hashes, then, in one transaction, the parts take the version's
 * directory and a view of them its table name. `done: false` (with the reason) sends the file to
 * DuckDB's reader instead.
 */
async function fastIngest(
  db: DuckStore,
  file: string,
  size: number,
  format: IngestFormat,
  opts: IngestOptions,
  missing: readonly string[],
  shown: string,
  hashed: Promise<string>,
): Promise<FastOutcome> {
  const root = parquetRoot(db);
  if (!root) return { done: false, reason: null };
  const plan = await planReader(file, format, opts, missing, false);
  if (!plan.header) return { done: false, reason: 'the file has no header line' };
  const staging = path.join(root, `.staging-${randomBytes(6).toString('hex')}`);
  mkdirSync(staging, { recursive: true });
  const res = await csvToParquet(file, size, {
    delimiter: plan.delimiter ?? ',',
    missing,
    dir: staging,
    // the store's thread limit (AEGLE_THREADS) bounds the reader's threads too
    ...(db.threads ? { maxWorkers: db.threads } : {}),
  });
  if (!res.ok) return { done: false, reason: res.reason };
  let placed: string | null = null;
  let found: DatasetVersion | null = null;
  let version = '';
  try {
    await db.transaction(async () => {
      const contentHash = await hashed;
      found = await findByHash(db, opts.name, contentHash);
      if (found) throw new AlreadyIngested();
      version = versionIdFor(contentHash);
      const table = tableNameFor(opts.name, version);
      const dir = path.join(root, table);
      rmSync(dir, { recursive: true, force: true }); // an earlier attempt's leftovers, never committed
      renameSync(staging, dir);
      placed = dir;
      await createParquetView(db, table, res.parts);
      const columns = await describeTable(db, table);
      checkColumns(
        columns.map((c) => c.name),
        opts,
        shown,
      );
      await insertVersion(
        db,
        fileVersion(
          opts,
          { version, contentHash, table, rows: res.rows, columns, shown, format, size, plan, missing },
          { reader: 'aegle', storage: { kind: 'parquet', parts: res.parts } },
        ),
      );
      await refreshViews(db);
    });
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (placed) rmSync(placed, { recursive: true, force: true });
    if (e instanceof AlreadyIngested && found)
      return { done: true, result: await unchangedResult(db, found, opts) };
    throw e;
  }
  return { done: true, result: { dataset: await getVersion(db, opts.name, version), unchanged: false } };
}

/** The catalog row of a version ingested from a file; `extra` says how it was read and stored. */
function fileVersion(
  opts: IngestOptions,
  v: {
    version: string;
    contentHash: string;
    table: string;
    rows: number;
    columns: DatasetVersion['columns'];
    shown: string;
    format: IngestFormat;
    size: number;
    plan: ReaderPlan;
    missing: readonly string[];
  },
  extra: Record<string, unknown>,
): DatasetVersion {
  return {
    name: opts.name,
    version: v.version,
    contentHash: v.contentHash,
    table: v.table,
    createdAt: new Date().toISOString(),
    rows: v.rows,
    columns: v.columns,
    roles: { ...(opts.roles ?? {}) },
    source: `file:${v.shown}`,
    format: v.format,
    parent: null,
    meta: {
      bytes: v.size,
      delimiter: v.plan.delimiter ?? null,
      header: v.plan.header ?? null,
      missingTokens: v.missing,
      types: opts.types ?? {},
      ...extra,
    },
  };
}

async function unchangedResult(
  db: DuckStore,
  existing: DatasetVersion,
  opts: IngestOptions,
): Promise<IngestResult> {
  // roles are metadata: allow setting them on an unchanged re-ingest
  if (opts.roles && Object.keys(opts.roles).length)
    return { dataset: await setRoles(db, existing, opts.roles), unchanged: true };
  return { dataset: existing, unchanged: true };
}

/** Raised inside the ingest transaction when the bytes turn out to be a known version: rolls back. */
class AlreadyIngested extends Error {}

function checkColumns(columns: string[], opts: IngestOptions, file: string): void {
  const known = new Set(columns);
  for (const [what, obj] of [
    ['--type', opts.types],
    ['--role', opts.roles],
  ] as const) {
    for (const col of Object.keys(obj ?? {})) {
      if (!known.has(col)) {
        throw createError('AEGLE_CORE_COLUMN_NOT_FOUND', {
          column: col,
          where: ` (${what}) in '${file}'`,
          available: columns.join(', '),
        });
      }
    }
  }
}

/** A DuckDB error while reading the source, carried out of the transaction to be explained. */
class ReadFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly plan: ReaderPlan,
  ) {
    super('read failed');
  }
}

/** Cheap checks DuckDB's readers do not make: binary bytes in text, a truncated JSON document. */
async function precheck(file: string, format: IngestFormat, shown: string): Promise<void> {
  const fd = await open(file, 'r');
  try {
    const { size } = await fd.stat();
    const head = Buffer.alloc(Math.min(size, 65536));
    await fd.read(head, 0, head.length, 0);
    if (
      (format === 'csv' || format === 'tsv' || format === 'json' || format === 'ndjson') &&
      head.includes(0)
    ) {
      const line = head.subarray(0, head.indexOf(0)).toString('latin1').split('\n').length;
      throw createError('AEGLE_INGEST_FORMAT', {
        file: shown,
        format: format.toUpperCase(),
        reason: `it contains binary data (a NUL byte on line ${line})`,
      });
    }
    if (format === 'json') {
      const tail = Buffer.alloc(Math.min(size, 4096));
      await fd.read(tail, 0, tail.length, size - tail.length);
      const first = head.toString('utf8').trimStart()[0];
      const last = tail.toString('utf8').trimEnd().slice(-1);
      if (first !== '[' || last !== ']') {
        throw createError('AEGLE_INGEST_FORMAT', {
          file: shown,
          format: 'JSON',
          reason:
            first !== '['
              ? 'expected a JSON array of records (use --format ndjson for one record per line)'
              : 'the array is not closed (truncated file?)',
        });
      }
    }
  } finally {
    await fd.close();
  }
}
