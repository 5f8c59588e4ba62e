/**
 * Writes streamed records as a new dataset version, atomically, as `ingestFile` does: rows are spooled
 * to a temporary NDJSON file as they are parsed (constant memory), then one DuckDB transaction creates
 * the table from it and inserts the catalog row; any error rolls both back.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createError } from '../../core/index.js';
import {
  type DatasetVersion,
  type DuckStore,
  describeTable,
  ensureCatalog,
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

/** DuckDB column types, in order. */
export type ColumnTypes = ReadonlyArray<readonly [name: string, type: string]>;

export interface RecordTableOptions {
  readonly name: string;
  readonly columns: ColumnTypes;
  /** Hash of the source bytes + options (identical input ⇒ unchanged). */
  readonly contentHash: string;
  readonly source: string;
  readonly format: string;
  readonly meta?: Record<string, unknown>;
}

export async function writeRecordTable(
  db: DuckStore,
  records: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
  opts: RecordTableOptions,
): Promise<{ dataset: DatasetVersion; unchanged: boolean }> {
  validateDatasetName(opts.name);
  await ensureCatalog(db);
  const existing = await findByHash(db, opts.name, opts.contentHash);
  if (existing) return { dataset: existing, unchanged: true };
  const dir = mkdtempSync(path.join(tmpdir(), 'aegle-rec-'));
  const spool = path.join(dir, 'rows.ndjson');
  try {
    const out = createWriteStream(spool);
    let rows = 0;
    for await (const r of records as AsyncIterable<Record<string, unknown>>) {
      if (!out.write(`${JSON.stringify(r)}\n`)) await once(out, 'drain');
      rows++;
    }
    out.end();
    await once(out, 'finish');
    if (rows === 0) throw createError('AEGLE_INGEST_EMPTY', { file: opts.source, what: 'has no records' });
    const version = versionIdFor(opts.contentHash);
    const table = tableNameFor(opts.name, version);
    const cols = opts.columns.map(([n, t]) => `${literal(n)}: ${literal(t)}`).join(', ');
    await db.transaction(async () => {
      await db.runRaw(
        `CREATE TABLE ${ident(table)} AS SELECT * FROM read_json(${literal(spool)}, format = 'newline_delimited', columns = {${cols}})`,
      );
      await insertVersion(db, {
        name: opts.name,
        version,
        contentHash: opts.contentHash,
        table,
        createdAt: new Date().toISOString(),
        rows,
        columns: await describeTable(db, table),
        roles: {},
        source: opts.source,
        format: opts.format,
        parent: null,
        meta: opts.meta ?? {},
      });
      await refreshViews(db);
    });
    return { dataset: await getVersion(db, opts.name, version), unchanged: false };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function hashParts(...parts: Array<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}
