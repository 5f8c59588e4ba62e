/**
 * The metadata database: API keys, the model registry, jobs, the audit chain and the prediction log.
 * Embedded SQLite (`meta.sqlite` in the home, through better-sqlite3) by default; PostgreSQL when a
 * URL is given (scale-out). Both run the same Kysely queries and the same migrations.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Kysely as KyselyT, Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { createError, defineErrors } from '../../core/index.js';
import { homePaths } from '../home.js';
import { WalCheckpointer } from './checkpointer.js';
import { type MetaDialect, migrationProvider } from './migrations.js';
import type { MetaDatabase } from './schema.js';

/** better-sqlite3's database handle. */
export type BetterSqlite3Database = import('better-sqlite3').Database;

export const MetaErrors = defineErrors({
  AEGLE_META_OPEN: {
    message: 'Cannot open the metadata database ({where}): {reason}.',
    status: 503,
    fix: 'Check AEGLE_HOME is writable, or that AEGLE_DATABASE_URL points to a reachable PostgreSQL server.',
  },
  AEGLE_META_MIGRATE: {
    message: 'Migrating the metadata database failed at {migration}: {reason}.',
    status: 500,
    fix: 'Restore the database from a backup, or run the Aegle version that created it.',
  },
});

export interface MetaStoreOptions {
  /** Aegle home; the SQLite file is `meta.sqlite` inside it. */
  readonly home?: string;
  /** An explicit SQLite file (or ':memory:'); wins over `home`. */
  readonly sqlitePath?: string;
  /** PostgreSQL URL; when set, SQLite is not used. */
  readonly databaseUrl?: string | null;
  /** PostgreSQL schema to use (created if missing); default `public`. */
  readonly schema?: string;
  /**
   * SQLite file only: checkpoint the WAL from a worker thread rather than inside commits (for a
   * long-running server; see `checkpointer.ts`). Off by default: a CLI command's process is short.
   */
  readonly backgroundCheckpoint?: boolean;
}

export type MetaDb = KyselyT<MetaDatabase>;

/** The metadata database, migrated to the latest version. */
export class MetaStore {
  private checkpointer: WalCheckpointer | null = null;

  private constructor(
    readonly db: MetaDb,
    readonly dialect: MetaDialect,
    readonly where: string,
    /** PostgreSQL schema (null on SQLite). */
    readonly schema: string | null = null,
    /**
     * The embedded database's own handle (null on PostgreSQL), for hot writers that batch many rows
     * into one synchronous transaction with cached prepared statements (the audit chain, the
     * prediction log). They must not write while `inTransaction` is true: a Kysely transaction holds
     * the connection then, and their writes would join it.
     */
    readonly sqlite: BetterSqlite3Database | null = null,
  ) {}

  static async create(opts: MetaStoreOptions): Promise<MetaStore> {
    let store: MetaStore;
    if (opts.databaseUrl) {
      const where = redactUrl(opts.databaseUrl);
      try {
        const pg = (await import('pg')).default;
        const schema = opts.schema ?? 'public';
        if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
        const types = {
          getTypeParser(oid: number, format?: any) {
            // int8 (20) → number: ids and sequence numbers stay far below 2^53.
            if (oid === 20) return (v: string) => Number(v);
            return pg.types.getTypeParser(oid, format);
          },
        };
        const pool = new pg.Pool({
          connectionString: opts.databaseUrl,
          max: 10,
          options: `-c search_path=${schema}`,
          types,
        });
        await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        store = new MetaStore(
          new Kysely<MetaDatabase>({ dialect: new PostgresDialect({ pool }) }),
          'postgres',
          where,
          schema,
        );
      } catch (e) {
        throw createError('AEGLE_META_OPEN', { where, reason: firstLine(e) }, { cause: e });
      }
    } else {
      const file = opts.sqlitePath ?? homePaths(opts.home ?? '.').meta;
      try {
        if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
        const Database = (await import('better-sqlite3')).default;
        const database = new Database(file);
        database.pragma('journal_mode = WAL');
        database.pragma('synchronous = NORMAL');
        database.pragma('busy_timeout = 10000');
        database.pragma('foreign_keys = ON');
        store = new MetaStore(
          new Kysely<MetaDatabase>({ dialect: new SqliteDialect({ database }) }),
          'sqlite',
          file,
          null,
          database,
        );
      } catch (e) {
        throw createError('AEGLE_META_OPEN', { where: file, reason: firstLine(e) }, { cause: e });
      }
    }
    await store.migrate();
    if (store.sqlite && opts.backgroundCheckpoint && store.where !== ':memory:')
      store.checkpointer = await WalCheckpointer.start(store.sqlite, store.where);
    return store;
  }

  /** Applies pending migrations. */
  async migrate(): Promise<void> {
    // Kysely's introspection sees every schema: name ours, or another schema's tables would fool it.
    const migrator = new Migrator({
      db: this.db,
      provider: migrationProvider(this.dialect),
      ...(this.schema ? { migrationTableSchema: this.schema } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? '(unknown)';
      throw createError(
        'AEGLE_META_MIGRATE',
        { migration: failed, reason: firstLine(error) },
        { cause: error },
      );
    }
  }

  /**
   * Runs `fn` in a transaction that holds the database-wide write lock named `name`, so that writers
   * in other processes (CLI beside a server, API replicas) serialise: SQLite `BEGIN IMMEDIATE`,
   * PostgreSQL `pg_advisory_xact_lock`. Used where a write depends on what was read (the audit chain).
   */
  async withWriteLock<T>(name: string, fn: (trx: MetaDb) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') {
      return this.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext(${name}))`.execute(trx);
        return fn(trx);
      });
    }
    return this.db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const out = await fn(conn);
        await sql`COMMIT`.execute(conn);
        return out;
      } catch (e) {
        await sql`ROLLBACK`.execute(conn).catch(() => {});
        throw e;
      }
    });
  }

  /** Whether WAL checkpoints run on a worker thread (see `backgroundCheckpoint`). */
  get checkpointsInBackground(): boolean {
    return this.checkpointer?.running ?? false;
  }

  /**
   * While the checkpoint thread restarts the WAL (holding the write lock): a promise that resolves
   * when it is done, for a writer that would rather wait than block the event loop; otherwise null.
   */
  walRestartInProgress(): Promise<void> | null {
    return this.checkpointer?.restartInProgress() ?? null;
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    await this.db.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Drops a PostgreSQL schema and everything in it (integration-test clean-up). */
export async function dropPostgresSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}

function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
}
