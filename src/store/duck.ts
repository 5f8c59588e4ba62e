/**
 * DuckDB, the dataset engine. One file (`datasets.duckdb` under the home) holds every dataset version
 * — as a table, or as a view over Parquet parts in `data/` (see parquet.ts) — and a catalog table
 * describing them. DuckDB's transactions make ingest atomic: the data table (or view) and its catalog
 * row commit together or not at all.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBValue,
  type DuckDBDataChunk,
  type DuckDBVector,
} from '@duckdb/node-api';
import { createError } from '../core/index.js';

export interface DuckStoreOptions {
  /** Path of the database file, or ':memory:'. */
  readonly path: string;
  readonly threads?: number | null;
  readonly memoryLimit?: string | null;
  readonly readOnly?: boolean;
}

export type SqlParam = string | number | boolean | null | bigint;

/** A DuckDB database with the settings Aegle needs (offline: no extension auto-install). */
export class DuckStore {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly path: string,
    /** The thread limit it was opened with (AEGLE_THREADS), or null for one per core. */
    readonly threads: number | null,
  ) {}

  static async create(opts: DuckStoreOptions): Promise<DuckStore> {
    if (opts.path !== ':memory:') mkdirSync(path.dirname(opts.path), { recursive: true });
    const options: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'true',
    };
    if (opts.threads) options.threads = String(opts.threads);
    if (opts.memoryLimit) options.memory_limit = opts.memoryLimit;
    if (opts.readOnly) options.access_mode = 'READ_ONLY';
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(opts.path, options);
    } catch (e) {
      throw createError('AEGLE_STORE_OPEN', { path: opts.path, reason: firstLine(e) }, { cause: e });
    }
    const connection = await instance.connect();
    return new DuckStore(instance, connection, opts.path, opts.threads ?? null);
  }

  /** Runs a statement, discarding results. */
  async run(sql: string, params?: SqlParam[]): Promise<void> {
    try {
      await this.connection.run(sql, params as DuckDBValue[] | undefined);
    } catch (e) {
      throw createError('AEGLE_STORE_QUERY', { reason: firstLine(e) }, { cause: e });
    }
  }

  /** Runs a query and returns rows as plain JSON-able objects (bigint → number, dates → ISO strings). */
  async all<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<T[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql, params as DuckDBValue[] | undefined);
      return plainRows(reader.getRowObjectsJS()) as T[];
    } catch (e) {
      throw createError('AEGLE_STORE_QUERY', { reason: firstLine(e) }, { cause: e });
    }
  }

  /** Like `all`, but throws the raw DuckDB error (for callers that translate errors themselves). */
  async allRaw<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params as DuckDBValue[] | undefined);
    return plainRows(reader.getRowObjectsJS()) as T[];
  }

  async runRaw(sql: string, params?: SqlParam[]): Promise<void> {
    await this.connection.run(sql, params as DuckDBValue[] | undefined);
  }

  /** Streams a query's result chunk by chunk (column vectors, no row objects). */
  async *chunks(sql: string, params?: SqlParam[]): AsyncGenerator<DuckDBDataChunk> {
    let result: Awaited<ReturnType<DuckDBConnection['stream']>>;
    try {
      result = await this.connection.stream(sql, params as DuckDBValue[] | undefined);
    } catch (e) {
      throw createError('AEGLE_STORE_QUERY', { reason: firstLine(e) }, { cause: e });
    }
    // one chunk ahead: DuckDB produces the next chunk (on its own thread) while the caller works on
    // this one
    let next = result.fetchChunk();
    try {
      for (;;) {
        const chunk = await next;
        if (!chunk || chunk.rowCount === 0) break;
        next = result.fetchChunk();
        yield chunk;
      }
    } finally {
      // a caller that stops early leaves one fetch in flight: let it settle before the result goes
      await next.catch(() => null);
    }
  }

  /** Runs `fn` in a transaction: commit on success, roll back on any error. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.runRaw('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await this.runRaw('COMMIT');
      return out;
    } catch (e) {
      try {
        await this.runRaw('ROLLBACK');
      } catch {
        // the transaction may already be aborted; nothing more to undo
      }
      throw e;
    }
  }

  /**
   * A second connection to the same database, for read queries that should run beside this
   * connection's (DuckDB executes them concurrently). It sees committed data only; close it with
   * `closeConnection()`.
   */
  async sibling(): Promise<DuckStore> {
    return new DuckStore(this.instance, await this.instance.connect(), this.path, this.threads);
  }

  /** Closes this connection only (for siblings); `close()` closes the database too. */
  closeConnection(): void {
    this.connection.closeSync();
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Copies a DOUBLE vector's values into `out` at `offset` (NULLs must already be NaN in SQL, via
 * `COALESCE(x, 'NaN'::DOUBLE)`). Reads the vector's backing Float64Array directly: ≈ memcpy speed.
 */
export function copyDoubleVector(vector: DuckDBVector, out: Float64Array, offset: number): void {
  const items = (vector as unknown as { items?: Float64Array }).items;
  if (items instanceof Float64Array) {
    out.set(items, offset);
    return;
  }
  const n = vector.itemCount;
  for (let i = 0; i < n; i++) {
    const v = vector.getItem(i);
    out[offset + i] = v === null ? Number.NaN : Number(v);
  }
}

/** Copies an INTEGER vector's values (NULLs already mapped in SQL) into `out` at `offset`. */
export function copyIntVector(vector: DuckDBVector, out: Int32Array, offset: number): void {
  const items = (vector as unknown as { items?: Int32Array }).items;
  if (items instanceof Int32Array) {
    out.set(items, offset);
    return;
  }
  const n = vector.itemCount;
  for (let i = 0; i < n; i++) {
    const v = vector.getItem(i);
    out[offset + i] = v === null ? -1 : Number(v);
  }
}

/** Quotes an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes an SQL string literal. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].trim();
}

/** Converts DuckDB's JS values to plain JSON-able ones: bigint → number, Date → ISO string, nested too. */
export function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plainValue(x);
    return out;
  }
  return v;
}

function plainRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => plainValue(r) as Record<string, unknown>);
}
