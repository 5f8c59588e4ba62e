/**
 * The audit trail: an append-only, hash-chained log of who did what, when, to which resource, with
 * which model version, on which input (by hash) and with what result. Entry `n` stores the hash of
 * entry `n−1`, and its own hash covers every field plus that link, so altering, deleting or
 * reordering any entry breaks the chain from that point (`verifyAuditChain`). The database also
 * refuses UPDATE and DELETE on the table (a trigger), which the chain backs up.
 *
 * Entries are written in batches (`LogWriter`): `commit` resolves once the entry is in the database,
 * and entries arriving together share one transaction (group commit, with the prediction log's
 * records when the two share a writer), so a prediction is acknowledged only after its audit entry is
 * durable without paying a transaction of its own; `append` writes behind. The chain is extended under the database's write lock so several processes (CLI beside a
 * server, API replicas on PostgreSQL) interleave without forking it. On the embedded SQLite database
 * a batch is one synchronous transaction over cached prepared statements.
 */
import { defineErrors, isoNow, sha256Hex } from '../core/index.js';
import type { AuditTable, BetterSqlite3Database, MetaStore } from '../store/index.js';
import { type LogTable, LogWriter, type LogWriterOptions } from './log-writer.js';

export const AuditErrors = defineErrors({
  AEGLE_AUDIT_BROKEN: {
    message: 'The audit chain is broken at entry {seq}: {reason}.',
    status: 500,
    fix: 'Treat as a security incident: restore the audit log from a backup and investigate who changed the database.',
  },
});

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEvent {
  /** Key id of the caller (`cli` for local commands, `system` for the service itself). */
  readonly actor: string;
  readonly role: string;
  /** Verb, e.g. `predict`, `dataset.read`, `alias.set`, `key.create`. */
  readonly action: string;
  /** What was acted on, e.g. `model:diabetes@champion`, `dataset:cohort@v1a2b`. */
  readonly resource: string;
  readonly modelVersion?: string | null;
  /** SHA-256 of the input (never the input itself: no PHI in the audit log). */
  readonly inputHash?: string | null;
  /** A short, PHI-free summary of the result, e.g. `200 n=1 p=0.123`. */
  readonly outputSummary?: string | null;
}

export interface AuditEntry {
  readonly seq: number;
  readonly ts: string;
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly resource: string;
  readonly modelVersion: string | null;
  readonly inputHash: string | null;
  readonly outputSummary: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hash of an entry: SHA-256 over the previous hash and every field, in a fixed order. */
export function auditEntryHash(prevHash: string, e: Omit<AuditEntry, 'hash' | 'prevHash'>): string {
  const body = JSON.stringify([
    e.seq,
    e.ts,
    e.actor,
    e.role,
    e.action,
    e.resource,
    e.modelVersion,
    e.inputHash,
    e.outputSummary,
  ]);
  return sha256Hex(`${prevHash}\n${body}`);
}

function toEntry(r: AuditTable): AuditEntry {
  return {
    seq: Number(r.seq),
    ts: r.ts,
    actor: r.actor,
    role: r.role,
    action: r.action,
    resource: r.resource,
    modelVersion: r.model_version,
    inputHash: r.input_hash,
    outputSummary: r.output_summary,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Rows per INSERT statement (stays under SQLite's and PostgreSQL's bound-parameter limits). */
const INSERT_CHUNK = 400;

export interface AuditLogOptions extends LogWriterOptions {
  /** A writer shared with the prediction log (one transaction for both); default: one of its own. */
  readonly writer?: LogWriter;
}

/** A queued entry and when it happened (kept apart: no copy of the caller's object per entry). */
interface TimedEvent {
  readonly e: AuditEvent;
  readonly ts: string;
}

/** The fields of an entry as hashed, with its sequence number. */
function entryOf(seq: number, { e, ts }: TimedEvent): Omit<AuditEntry, 'hash' | 'prevHash'> {
  return {
    seq,
    ts,
    actor: e.actor,
    role: e.role,
    action: e.action,
    resource: e.resource,
    modelVersion: e.modelVersion ?? null,
    inputHash: e.inputHash ?? null,
    outputSummary: e.outputSummary ?? null,
  };
}

/**
 * How entries reach the table, inside the log writer's transaction (which holds the write lock, so
 * the head read here is still the head when the entries land).
 */
const AUDIT_TABLE: LogTable<TimedEvent> = {
  sqlite(db: BetterSqlite3Database) {
    const head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    const insert = db.prepare(
      'INSERT INTO audit_log (seq, ts, actor, role, action, resource, model_version, input_hash, output_summary, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return (items) => {
      const last = head.get() as { seq: number; hash: string } | undefined;
      let seq = last ? Number(last.seq) : 0;
      let prev = last ? last.hash : GENESIS_HASH;
      for (const it of items) {
        const e = entryOf(++seq, it);
        const hash = auditEntryHash(prev, e);
        insert.run(
          seq,
          e.ts,
          e.actor,
          e.role,
          e.action,
          e.resource,
          e.modelVersion,
          e.inputHash,
          e.outputSummary,
          prev,
          hash,
        );
        prev = hash;
      }
    };
  },
  async kysely(trx, items) {
    const last = await trx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let seq = last ? Number(last.seq) : 0;
    let prev = last ? last.hash : GENESIS_HASH;
    const rows: AuditTable[] = items.map((it) => {
      const e = entryOf(++seq, it);
      const hash = auditEntryHash(prev, e);
      const row: AuditTable = {
        seq: e.seq,
        ts: e.ts,
        actor: e.actor,
        role: e.role,
        action: e.action,
        resource: e.resource,
        model_version: e.modelVersion,
        input_hash: e.inputHash,
        output_summary: e.outputSummary,
        prev_hash: prev,
        hash,
      };
      prev = hash;
      return row;
    });
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('audit_log')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
  },
};

/** Writes audit entries in batches, extending the hash chain. */
export class AuditLog {
  private readonly writer: LogWriter;
  private readonly ownWriter: boolean;
  private closed = false;

  constructor(meta: MetaStore, opts: AuditLogOptions = {}) {
    this.ownWriter = !opts.writer;
    this.writer = opts.writer ?? new LogWriter(meta, opts);
    this.writer.register('audit', AUDIT_TABLE);
  }

  /** Queues an entry (returns at once; the entry is durable after the next flush). */
  append(e: AuditEvent): void {
    if (this.closed) throw new Error('the audit log is closed');
    this.writer.push('audit', { e, ts: isoNow() });
  }

  /**
   * Queues an entry and resolves when it is written (group commit: entries arriving together share a
   * transaction). Rejects when the write fails; the entry stays queued and is retried.
   */
  commit(e: AuditEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the audit log is closed'));
    return this.writer.commit('audit', { e, ts: isoNow() });
  }

  /** Entries waiting to be written. */
  get depth(): number {
    return this.writer.depth('audit');
  }

  /** Appends and waits until the entry is written (for rare, important events: key changes). */
  async appendNow(e: AuditEvent): Promise<void> {
    this.append(e);
    await this.writer.flush();
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Writes what is queued and refuses more (a shared writer is closed by its owner). */
  close(): Promise<void> {
    this.closed = true;
    return this.ownWriter ? this.writer.close() : this.writer.flush();
  }
}

export interface AuditQuery {
  /** First sequence number (inclusive). */
  readonly after?: number;
  readonly limit?: number;
  readonly actor?: string;
  readonly action?: string;
  readonly resource?: string;
}

/** Reads entries in chain order. */
export async function listAudit(meta: MetaStore, q: AuditQuery = {}): Promise<AuditEntry[]> {
  let query = meta.db.selectFrom('audit_log').selectAll();
  if (q.after !== undefined) query = query.where('seq', '>', q.after);
  if (q.actor) query = query.where('actor', '=', q.actor);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.resource) query = query.where('resource', '=', q.resource);
  const rows = await query
    .orderBy('seq')
    .limit(Math.min(q.limit ?? 100, 10_000))
    .execute();
  return rows.map(toEntry);
}

export interface ChainVerdict {
  readonly ok: boolean;
  readonly entries: number;
  /** Hash of the last entry (publish it elsewhere to detect truncation of the tail too). */
  readonly head: string;
  readonly problem: { readonly seq: number; readonly reason: string } | null;
}

/**
 * Walks the whole chain in pages and checks each entry: sequence numbers contiguous from 1, each
 * `prevHash` equal to the previous entry's hash, each hash recomputed from the fields. Detects any
 * altered, deleted, inserted or reordered entry. Deleting entries off the end leaves a valid shorter
 * chain: compare `head` with a copy kept elsewhere (`expectedHead`) to detect that.
 */
export async function verifyAuditChain(
  meta: MetaStore,
  opts: { expectedHead?: string; pageSize?: number } = {},
): Promise<ChainVerdict> {
  const page = opts.pageSize ?? 5000;
  let prev = GENESIS_HASH;
  let expectSeq = 1;
  let count = 0;
  let after = 0;
  let seenHead = false;
  for (;;) {
    const rows = await meta.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(page)
      .execute();
    if (!rows.length) break;
    for (const r of rows) {
      const e = toEntry(r);
      if (e.seq !== expectSeq) {
        return {
          ok: false,
          entries: count,
          head: prev,
          problem: {
            seq: e.seq,
            reason: `expected sequence number ${expectSeq}, found ${e.seq} (entries deleted or reordered)`,
          },
        };
      }
      if (e.prevHash !== prev) {
        return {
          ok: false,
          entries: count,
          head: prev,
          problem: {
            seq: e.seq,
            reason:
              'its previous-hash link does not match the entry before it (entries deleted, inserted or reordered)',
          },
        };
      }
      const h = auditEntryHash(prev, e);
      if (h !== e.hash)
        return {
          ok: false,
          entries: count,
          head: prev,
          problem: { seq: e.seq, reason: 'its contents do not match its hash (entry altered)' },
        };
      prev = h;
      if (opts.expectedHead && h === opts.expectedHead) seenHead = true;
      expectSeq++;
      count++;
      after = e.seq;
    }
  }
  if (opts.expectedHead && !seenHead) {
    return {
      ok: false,
      entries: count,
      head: prev,
      problem: {
        seq: expectSeq,
        reason: 'the expected head entry is missing (entries deleted from the end)',
      },
    };
  }
  return { ok: true, entries: count, head: prev, problem: null };
}
