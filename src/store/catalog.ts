/**
 * The dataset catalog: one row per immutable dataset version, kept in the same DuckDB file as the data
 * so that a version's table and its catalog row are written in one transaction.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { ColumnRole } from '../core/index.js';
import { createError } from '../core/index.js';
import { type DuckStore, ident } from './duck.js';
import { parquetRoot, parquetStorageOf } from './parquet.js';
import { refreshViews } from './views.js';

export interface ColumnSchema {
  readonly name: string;
  /** DuckDB logical type, e.g. DOUBLE, BIGINT, VARCHAR, DATE, TIMESTAMP, BOOLEAN. */
  readonly type: string;
  /** Aegle's kind for the column when extracted into a Frame. */
  readonly kind: 'numeric' | 'categorical' | 'datetime';
}

export interface DatasetVersion {
  readonly name: string;
  /** Version id: `v` + the first 12 hex digits of the content hash. */
  readonly version: string;
  /** SHA-256 of the source bytes and the options that shaped the table (or of parent + spec). */
  readonly contentHash: string;
  readonly table: string;
  readonly createdAt: string;
  readonly rows: number;
  readonly columns: readonly ColumnSchema[];
  readonly roles: Readonly<Record<string, ColumnRole>>;
  /** Where it came from: `file:<basename>` or `clean:<parent name>@<version>` etc. */
  readonly source: string;
  readonly format: string;
  readonly parent: string | null;
  /** Free-form JSON the producing step wants kept (ingest options, cleaning report). */
  readonly meta: Readonly<Record<string, unknown>>;
}

const CATALOG = '_aegle_versions';

export function kindOfType(type: string): ColumnSchema['kind'] {
  const t = type.toUpperCase();
  if (/^(DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMPTZ)/.test(t))
    return 'datetime';
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL|REAL|BOOLEAN)/.test(
      t,
    )
  )
    return 'numeric';
  return 'categorical';
}

export async function ensureCatalog(db: DuckStore): Promise<void> {
  await db.run(`CREATE TABLE IF NOT EXISTS ${CATALOG} (
    name VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    n_rows BIGINT NOT NULL,
    columns_json VARCHAR NOT NULL,
    roles_json VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    parent VARCHAR,
    meta_json VARCHAR NOT NULL,
    PRIMARY KEY (name, version)
  )`);
}

interface CatalogRow {
  name: string;
  version: string;
  content_hash: string;
  table_name: string;
  created_at: string;
  n_rows: number;
  columns_json: string;
  roles_json: string;
  source: string;
  format: string;
  parent: string | null;
  meta_json: string;
}

function fromRow(r: CatalogRow): DatasetVersion {
  return {
    name: r.name,
    version: r.version,
    contentHash: r.content_hash,
    table: r.table_name,
    createdAt: toIso(r.created_at),
    rows: Number(r.n_rows),
    columns: JSON.parse(r.columns_json),
    roles: JSON.parse(r.roles_json),
    source: r.source,
    format: r.format,
    parent: r.parent,
    meta: JSON.parse(r.meta_json),
  };
}

/** Every version, newest first within each name. */
export async function listVersions(db: DuckStore, name?: string): Promise<DatasetVersion[]> {
  const rows = name
    ? await db.all<CatalogRow>(`SELECT * FROM ${CATALOG} WHERE name = ? ORDER BY created_at DESC, version`, [
        name,
      ])
    : await db.all<CatalogRow>(`SELECT * FROM ${CATALOG} ORDER BY name, created_at DESC, version`);
  return rows.map(fromRow);
}

/** Splits `name@version` into its parts. */
export function parseDatasetRef(ref: string): { name: string; version?: string } {
  const at = ref.lastIndexOf('@');
  return at > 0 ? { name: ref.slice(0, at), version: ref.slice(at + 1) } : { name: ref };
}

/** A version by name (latest when no version is given), or a coded not-found error. */
export async function getVersion(db: DuckStore, name: string, version?: string): Promise<DatasetVersion> {
  const versions = await listVersions(db, name);
  const found = version ? versions.find((v) => v.version === version) : versions[0];
  if (!found) {
    const known = [...new Set((await listVersions(db)).map((v) => v.name))];
    throw createError('AEGLE_STORE_DATASET_NOT_FOUND', {
      name,
      version: version ? ` version ${version}` : '',
      known: known.join(', ') || '(none)',
    });
  }
  return found;
}

/** Finds a version of `name` with this content hash (the re-ingest no-op check). */
export async function findByHash(
  db: DuckStore,
  name: string,
  contentHash: string,
): Promise<DatasetVersion | null> {
  const rows = await db.all<CatalogRow>(`SELECT * FROM ${CATALOG} WHERE name = ? AND content_hash = ?`, [
    name,
    contentHash,
  ]);
  return rows.length ? fromRow(rows[0]) : null;
}

export function versionIdFor(contentHash: string): string {
  return `v${contentHash.slice(0, 12)}`;
}

export function tableNameFor(name: string, version: string): string {
  return `ds_${name.replace(/[^A-Za-z0-9_]/g, '_')}_${version}`;
}

/** Inserts a catalog row (call inside the transaction that created the table). */
export async function insertVersion(db: DuckStore, v: DatasetVersion): Promise<void> {
  await db.runRaw(`INSERT INTO ${CATALOG} VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?, ?)`, [
    v.name,
    v.version,
    v.contentHash,
    v.table,
    v.createdAt.replace('T', ' ').replace('Z', ''),
    v.rows,
    JSON.stringify(v.columns),
    JSON.stringify(v.roles),
    v.source,
    v.format,
    v.parent,
    JSON.stringify(v.meta),
  ]);
}

/** Replaces a version's roles (metadata only; the data stay immutable). */
export async function updateRoles(
  db: DuckStore,
  name: string,
  version: string,
  roles: Record<string, ColumnRole>,
): Promise<void> {
  await db.run(`UPDATE ${CATALOG} SET roles_json = ? WHERE name = ? AND version = ?`, [
    JSON.stringify(roles),
    name,
    version,
  ]);
}

/** Drops one version, or every version of a dataset, with their tables (or files), atomically. */
export async function dropVersions(db: DuckStore, name: string, version?: string): Promise<DatasetVersion[]> {
  const victims = version ? [await getVersion(db, name, version)] : await listVersions(db, name);
  if (!victims.length) await getVersion(db, name); // throws the not-found error
  await db.transaction(async () => {
    for (const v of victims) {
      const kind = parquetStorageOf(v) ? 'VIEW' : 'TABLE';
      await db.runRaw(`DROP ${kind} IF EXISTS ${ident(v.table)}`);
      await db.runRaw(`DELETE FROM ${CATALOG} WHERE name = ? AND version = ?`, [v.name, v.version]);
    }
    await refreshViews(db);
  });
  // a Parquet-backed version's files go once the catalog no longer names them
  const root = parquetRoot(db);
  for (const v of victims) {
    if (root && parquetStorageOf(v)) rmSync(path.join(root, v.table), { recursive: true, force: true });
  }
  return victims;
}

/** Reads a table's column names and types from DuckDB. */
export async function describeTable(db: DuckStore, table: string): Promise<ColumnSchema[]> {
  const rows = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${ident(table)}`);
  return rows.map((r) => ({ name: r.column_name, type: r.column_type, kind: kindOfType(r.column_type) }));
}

function toIso(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  const s = String(v);
  return /[zZ]|[+-]\d\d:?\d\d$/.test(s)
    ? new Date(s).toISOString()
    : new Date(`${s.replace(' ', 'T')}Z`).toISOString();
}
