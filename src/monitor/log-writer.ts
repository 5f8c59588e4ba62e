/**
 * One group-commit queue for the logs a request writes before it answers: the audit chain and the
 * prediction log. Items of every kind that arrive together are written in one transaction, so a
 * scored request costs one commit shared with its neighbours rather than one per log. On SQLite that
 * is one `BEGIN IMMEDIATE … COMMIT` over prepared statements (a commit's fixed cost, the WAL frames of
 * the pages it touched, is paid once for both tables); elsewhere (PostgreSQL, or SQLite while a
 * Kysely transaction holds the connection) it is one transaction under the audit chain's write lock.
 *
 * Each log registers a kind with its two writers (`LogTable`) and keeps its own API (`AuditLog`,
 * `PredictionLog`); a log constructed without a shared writer gets one of its own. Queueing, retries
 * and `flush`/`close` are the `BatchQueue`'s.
 */
import type { Logger } from '../core/index.js';
import type { BetterSqlite3Database, MetaDb, MetaStore } from '../store/index.js';
import { BatchQueue } from './batch-queue.js';

/** How one kind of log item reaches its table. */
export interface LogTable<T> {
  /** Prepares statements once; the returned function writes inside an open SQLite transaction. */
  sqlite(db: BetterSqlite3Database): (items: T[]) => void;
  /** Writes inside an open Kysely transaction that holds the chain's write lock. */
  kysely(trx: MetaDb, items: T[]): Promise<void>;
}

export interface LogWriterOptions {
  /** Longest wait of a write-behind item (`push`), in milliseconds. */
  readonly flushMs?: number;
  /** Most items per transaction. */
  readonly batchSize?: number;
  readonly logger?: Logger;
}

interface Kind {
  readonly table: LogTable<unknown>;
  sqliteWrite: ((items: unknown[]) => void) | null;
  depth: number;
}

interface Item {
  readonly kind: Kind;
  readonly value: unknown;
}

/** The lock every log write takes (PostgreSQL advisory lock; SQLite's write lock). */
export const LOG_WRITE_LOCK = 'aegle_audit_chain';

export class LogWriter {
  private readonly queue: BatchQueue<Item>;
  private readonly kinds = new Map<string, Kind>();
  private sqliteTx: ((groups: Map<Kind, unknown[]>) => void) | null = null;
  private closed = false;

  constructor(
    private readonly meta: MetaStore,
    opts: LogWriterOptions = {},
  ) {
    this.queue = new BatchQueue<Item>({
      name: 'logs',
      flushMs: opts.flushMs ?? 50,
      batchSize: opts.batchSize ?? 1000,
      logger: opts.logger,
      write: (items) => this.write(items),
    });
  }

  /** Adds a kind of item (once per kind; a second registration of the same name is ignored). */
  register<T>(name: string, table: LogTable<T>): void {
    if (!this.kinds.has(name))
      this.kinds.set(name, { table: table as LogTable<unknown>, sqliteWrite: null, depth: 0 });
  }

  private kind(name: string): Kind {
    const k = this.kinds.get(name);
    if (!k) throw new Error(`log kind '${name}' is not registered`);
    return k;
  }

  /** Queues an item for the next transaction (write-behind: returns at once). */
  push(name: string, value: unknown): void {
    if (this.closed) throw new Error('the log writer is closed');
    const kind = this.kind(name);
    this.queue.push({ kind, value });
    kind.depth++;
  }

  /** Queues an item and resolves once the transaction holding it has committed. */
  commit(name: string, value: unknown): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the log writer is closed'));
    const kind = this.kind(name);
    const done = this.queue.commit({ kind, value });
    kind.depth++;
    return done;
  }

  /** Items of a kind waiting to be written. */
  depth(name: string): number {
    return this.kinds.get(name)?.depth ?? 0;
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Writes everything and refuses further items. */
  close(): Promise<void> {
    this.closed = true;
    return this.queue.close();
  }

  private write(items: Item[]): Promise<void> | void {
    // the checkpoint thread is restarting the WAL and holds the write lock for a few milliseconds:
    // wait for it here rather than in SQLite's busy handler, which would put the event loop to sleep
    const restart = this.meta.sqlite ? this.meta.walRestartInProgress() : null;
    if (restart) return restart.then(() => this.write(items));
    // by kind, each kind's items in arrival order
    const groups = new Map<Kind, unknown[]>();
    for (const it of items) {
      const g = groups.get(it.kind);
      if (g) g.push(it.value);
      else groups.set(it.kind, [it.value]);
    }
    const written = () => {
      for (const [kind, values] of groups) kind.depth -= values.length;
    };
    const db = this.meta.sqlite;
    // a Kysely transaction holds the connection: go through Kysely, which waits for it
    if (db && !db.inTransaction) {
      this.sqliteTx ??= this.sqliteTransaction(db);
      this.sqliteTx(groups);
      written();
      return;
    }
    return this.meta
      .withWriteLock(LOG_WRITE_LOCK, async (trx) => {
        for (const [kind, values] of groups) await kind.table.kysely(trx, values);
      })
      .then(written);
  }

  private sqliteTransaction(db: BetterSqlite3Database): (groups: Map<Kind, unknown[]>) => void {
    const tx = db.transaction((groups: Map<Kind, unknown[]>) => {
      for (const [kind, values] of groups) {
        kind.sqliteWrite ??= kind.table.sqlite(db);
        kind.sqliteWrite(values);
      }
    });
    // IMMEDIATE: take the write lock first, as the chain's head is read inside
    return (groups) => tx.immediate(groups);
  }
}
