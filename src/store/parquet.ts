/**
 * Dataset versions kept as Parquet files beside the DuckDB file. The fast CSV path writes a version as
 * parts under `<home>/data/<table>/`; the version's name in DuckDB is then a view over those files, so
 * every query that reads a version's table reads it the same way whatever its storage. The parts are
 * immutable like the version; the view is rebuilt when the home has moved, and files that belong to
 * no version (an ingest that died before its commit) are removed when the store opens, once they are
 * old enough not to be an ingest still running.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DatasetVersion } from './catalog.js';
import { type DuckStore, ident, literal } from './duck.js';

/** Files under the data directory that no version names are removed once this old. */
const ORPHAN_AGE_MS = 10 * 60_000;

/** What a Parquet-backed version records in its catalog `meta.storage`. */
export interface ParquetStorage {
  readonly kind: 'parquet';
  /** Part file names inside the version's directory, in row order. */
  readonly parts: readonly string[];
}

/** The directory that holds Parquet-backed versions, or null for an in-memory store. */
export function parquetRoot(db: DuckStore): string | null {
  if (db.path === ':memory:') return null;
  return path.join(path.dirname(path.resolve(db.path)), 'data');
}

export function parquetStorageOf(v: Pick<DatasetVersion, 'meta'>): ParquetStorage | null {
  const s = v.meta.storage as ParquetStorage | undefined;
  return s && s.kind === 'parquet' && Array.isArray(s.parts) ? s : null;
}

/** The table function call that reads a version's parts, with extra `read_parquet` options. */
export function parquetSource(db: DuckStore, table: string, parts: readonly string[], options = ''): string {
  const root = parquetRoot(db);
  if (!root) throw new Error('an in-memory store has no Parquet-backed versions');
  const files = parts.map((p) => literal(path.join(root, table, p))).join(', ');
  return `read_parquet([${files}]${options ? `, ${options}` : ''})`;
}

/** Creates (or replaces) the view that names a Parquet-backed version. */
export async function createParquetView(
  db: DuckStore,
  table: string,
  parts: readonly string[],
): Promise<void> {
  await db.runRaw(
    `CREATE OR REPLACE VIEW ${ident(table)} AS SELECT * FROM ${parquetSource(db, table, parts)}`,
  );
}

/**
 * A deterministic sample of about `perMillion` rows in a million, as a subquery: by row id for a
 * table, by row number within each part for a Parquet-backed version (a view has no row id).
 */
export function sampledRows(db: DuckStore, v: DatasetVersion, perMillion: number): string {
  const storage = parquetStorageOf(v);
  if (!storage) return `(SELECT * FROM ${ident(v.table)} WHERE hash(rowid + 42) % 1000000 < ${perMillion})`;
  const src = parquetSource(db, v.table, storage.parts, 'file_row_number = true');
  return `(SELECT * EXCLUDE (file_row_number) FROM ${src} WHERE hash(file_row_number + 42) % 1000000 < ${perMillion})`;
}

/**
 * Makes the Parquet-backed versions' views point at this home (it may have been moved or copied) and
 * removes version directories that no catalog row names. Called when the store opens.
 */
export async function repairParquetVersions(
  db: DuckStore,
  versions: readonly DatasetVersion[],
): Promise<void> {
  const root = parquetRoot(db);
  if (!root) return;
  const views = new Map(
    (
      await db.allRaw<{ view_name: string; sql: string }>(
        "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'",
      )
    ).map((r) => [r.view_name, r.sql]),
  );
  const keep = new Set<string>();
  for (const v of versions) {
    const storage = parquetStorageOf(v);
    if (!storage) continue;
    keep.add(v.table);
    const first = storage.parts[0] ? path.join(root, v.table, storage.parts[0]) : '';
    const sql = views.get(v.table);
    if (sql === undefined || !sql.includes(literal(first)))
      await createParquetView(db, v.table, storage.parts);
  }
  if (!existsSync(root)) return;
  // an ingest in progress (another store on this file in this process) is left alone for a while
  const stale = Date.now() - ORPHAN_AGE_MS;
  for (const entry of readdirSync(root)) {
    if (keep.has(entry)) continue;
    const full = path.join(root, entry);
    if (statSync(full).mtimeMs < stale) rmSync(full, { recursive: true, force: true });
  }
}
