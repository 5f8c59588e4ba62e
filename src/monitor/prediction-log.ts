/**
 * The prediction log: what was scored (model, version, request id, the feature values in the model's
 * feature order, probability, label), in the metadata database, never in process logs (it holds
 * patient-level inputs). Drift reads it back. A request of many rows is one record holding them column
 * by column (`logged-columns.ts`), so logging 10,000 rows is one insert of one compact blob; one-row
 * requests written in the same transaction are grouped the same way, one record per model version
 * naming each request and its time (a lone one-row request is a plain row, features as a JSON
 * array). `commit` resolves once the request's rows are written (group commit, in the same
 * transaction as the audit chain when they share a `LogWriter`); `record` writes behind.
 */
import { createError, defineErrors, isoNow, pooledBuffer, returnBuffer } from '../core/index.js';
import type { BetterSqlite3Database, MetaStore, PredictionLogTable } from '../store/index.js';
import {
  columnsFromRows,
  decodeLoggedColumns,
  encodeLoggedColumns,
  type LoggedColumn,
} from './logged-columns.js';
import { type LogTable, LogWriter, type LogWriterOptions } from './log-writer.js';

export const PredictionLogErrors = defineErrors({
  AEGLE_PREDLOG_BAD_RETENTION: {
    message: 'Cannot prune the prediction log: {reason}.',
    status: 400,
    fix: 'Give the age of the records to delete as a whole number of days, 1 or more (e.g. --older-than 90).',
  },
});

/** The rows of one scored request. */
export interface PredictionBatch {
  readonly modelName: string;
  readonly version: number;
  readonly requestId: string;
  /** Per row, the feature values in the model's input-schema order (null for missing)... */
  readonly rows?: readonly (readonly (number | string | null)[])[];
  /** ...or the same values column by column (NaN / code −1 for missing), as a scored Frame holds them. */
  readonly columns?: readonly LoggedColumn[];
  readonly probability: ArrayLike<number> | null;
  /** One per row (its length is the number of rows). */
  readonly labels: readonly (string | null)[];
  readonly ts?: string;
}

type Row = Omit<PredictionLogTable, 'id' | 'n_rows'> & { n_rows: number };
/** A queued request and when it was scored (kept apart: no copy of the caller's object per request). */
interface TimedBatch {
  readonly b: PredictionBatch;
  readonly ts: string;
}

/** The feature values of a one-row batch, in schema order (null for missing). */
function singleRowValues(b: PredictionBatch): readonly (number | string | null)[] {
  if (b.rows) return b.rows[0];
  const cols = b.columns ?? [];
  const out = new Array<number | string | null>(cols.length);
  for (let j = 0; j < cols.length; j++) {
    const c = cols[j];
    if (c instanceof Float64Array) out[j] = Number.isNaN(c[0]) ? null : c[0];
    else out[j] = c.codes[0] < 0 ? null : c.dictionary[c.codes[0]];
  }
  return out;
}

function finiteOrNull(p: number | undefined): number | null {
  return p !== undefined && Number.isFinite(p) ? p : null;
}

/** A one-row request as a plain row (features as a JSON array). */
function plainRow({ b, ts }: TimedBatch): Row {
  return {
    ts,
    model_name: b.modelName,
    version: b.version,
    request_id: b.requestId,
    features_json: JSON.stringify(singleRowValues(b)),
    probability: b.probability ? finiteOrNull(b.probability[0]) : null,
    label: b.labels[0] ?? null,
    n_rows: 1,
    payload: null,
  };
}

/** A request of many rows as one columnar record. */
function columnarRow({ b, ts }: TimedBatch, alloc?: (size: number) => Buffer): Row {
  const n = b.labels.length;
  return {
    ts,
    model_name: b.modelName,
    version: b.version,
    request_id: b.requestId,
    features_json: '',
    probability: null,
    label: null,
    n_rows: n,
    payload: encodeLoggedColumns(
      n,
      b.columns ?? columnsFromRows(b.rows ?? []),
      b.probability,
      b.labels,
      undefined,
      alloc,
    ),
  };
}

/** Several one-row requests of one model version as one columnar record naming each request. */
function groupedRow(timed: readonly TimedBatch[], alloc?: (size: number) => Buffer): Row {
  const n = timed.length;
  const batches = timed.map((t) => t.b);
  const values = batches.map(singleRowValues);
  const anyProba = batches.some((b) => b.probability !== null);
  const probability = anyProba ? new Float64Array(n) : null;
  if (probability) for (let i = 0; i < n; i++) probability[i] = batches[i].probability?.[0] ?? Number.NaN;
  const first = batches[0];
  return {
    ts: timed[0].ts,
    model_name: first.modelName,
    version: first.version,
    request_id: first.requestId,
    features_json: '',
    probability: null,
    label: null,
    n_rows: n,
    payload: encodeLoggedColumns(
      n,
      columnsFromRows(values),
      probability,
      batches.map((b) => b.labels[0] ?? null),
      { ids: batches.map((b) => b.requestId), ts: timed.map((t) => t.ts) },
      alloc,
    ),
  };
}

/**
 * The database rows of one write. One-row requests of the same model version that are written
 * together become one grouped record (a busy server logs one row per transaction and model, not one
 * per request); a grouped run ends where a many-row request of that version comes, so each version's
 * rows keep their arrival order. A one-row request alone stays a plain row.
 */
function predictionRows(batches: readonly TimedBatch[], alloc?: (size: number) => Buffer): Row[] {
  const slots: (Row | TimedBatch[])[] = [];
  const open = new Map<string, TimedBatch[]>();
  for (const t of batches) {
    const { b } = t;
    const key = `${b.version}\u0000${b.modelName}`;
    if (b.labels.length === 1) {
      const run = open.get(key);
      if (run) run.push(t);
      else {
        const fresh = [t];
        open.set(key, fresh);
        slots.push(fresh);
      }
    } else {
      open.delete(key);
      slots.push(columnarRow(t, alloc));
    }
  }
  return slots.map((s) => (Array.isArray(s) ? (s.length === 1 ? plainRow(s[0]) : groupedRow(s, alloc)) : s));
}

const INSERT_CHUNK = 500;

/** How records reach the table, inside the log writer's transaction. */
const PREDICTION_TABLE: LogTable<TimedBatch> = {
  sqlite(db: BetterSqlite3Database) {
    const insert = db.prepare(
      'INSERT INTO prediction_log (ts, model_name, version, request_id, features_json, probability, label, n_rows, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return (batches) => {
      // payloads go into pooled buffers: SQLite copies them during the insert, which is synchronous
      const lent: Buffer[] = [];
      const alloc = (size: number) => {
        const b = pooledBuffer(size);
        lent.push(b);
        return b;
      };
      try {
        for (const r of predictionRows(batches, alloc))
          insert.run(
            r.ts,
            r.model_name,
            r.version,
            r.request_id,
            r.features_json,
            r.probability,
            r.label,
            r.n_rows,
            r.payload,
          );
      } finally {
        for (const b of lent) returnBuffer(b);
      }
    };
  },
  async kysely(trx, batches) {
    const rows = predictionRows(batches);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('prediction_log')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
  },
};

export interface PredictionLogOptions extends LogWriterOptions {
  /** A writer shared with the audit log (one transaction for both); default: one of its own. */
  readonly writer?: LogWriter;
}

/** Queues whole requests (one push per request, however many rows), written in batches. */
export class PredictionLog {
  private readonly writer: LogWriter;
  private readonly ownWriter: boolean;
  private closed = false;

  constructor(meta: MetaStore, opts: PredictionLogOptions = {}) {
    this.ownWriter = !opts.writer;
    this.writer = opts.writer ?? new LogWriter(meta, opts);
    this.writer.register('prediction', PREDICTION_TABLE);
  }

  /** Queues the rows of one request (write-behind: returns at once). */
  record(b: PredictionBatch): void {
    if (this.closed) throw new Error('the prediction log is closed');
    this.writer.push('prediction', { b, ts: b.ts ?? isoNow() });
  }

  /** Queues the rows of one request and resolves once they are written (group commit). */
  commit(b: PredictionBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the prediction log is closed'));
    return this.writer.commit('prediction', { b, ts: b.ts ?? isoNow() });
  }

  get depth(): number {
    return this.writer.depth('prediction');
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

/**
 * The most recent `limit` logged rows of a model version, one array per feature (values as logged:
 * numbers, strings for categorical features, null for missing), oldest first. Reads records newest
 * first, a page at a time, until it has `limit` rows (a columnar record may hold many).
 */
export async function recentInputs(
  meta: MetaStore,
  modelName: string,
  version: number,
  nFeatures: number,
  limit = 5000,
): Promise<{ columns: (number | string | null)[][]; rows: number; from: string | null; to: string | null }> {
  // newest first: per record, its ts and its rows' values by feature
  const parts: { ts: string; firstTs: string; n: number; columns: (number | string | null)[][] }[] = [];
  let have = 0;
  let before: number | null = null;
  const PAGE = 1000;
  while (have < limit) {
    let q = meta.db
      .selectFrom('prediction_log')
      .select(['id', 'ts', 'n_rows', 'features_json', 'payload'])
      .where('model_name', '=', modelName)
      .where('version', '=', version);
    if (before !== null) q = q.where('id', '<', before);
    const recs = await q.orderBy('id', 'desc').limit(PAGE).execute();
    for (const r of recs) {
      if (have >= limit) break;
      if (r.payload && Number(r.n_rows) > 1) {
        const d = decodeLoggedColumns(r.payload);
        const take = Math.min(d.n, limit - have);
        // the newest rows of the record are its last ones
        // a grouped record knows the time of each row; a many-row request has one
        const ts = d.requests ? d.requests.ts[d.n - 1] : r.ts;
        const firstTs = d.requests ? d.requests.ts[d.n - take] : r.ts;
        parts.push({ ts, firstTs, n: take, columns: d.columns.map((c) => c.slice(d.n - take)) });
        have += take;
      } else {
        const vals = JSON.parse(r.features_json) as (number | string | null)[];
        parts.push({ ts: r.ts, firstTs: r.ts, n: 1, columns: vals.map((v) => [v]) });
        have += 1;
      }
    }
    if (recs.length < PAGE) break;
    before = Number(recs[recs.length - 1].id);
  }
  parts.reverse();
  const columns = Array.from({ length: nFeatures }, () => new Array<number | string | null>(have));
  let at = 0;
  for (const p of parts) {
    for (let j = 0; j < nFeatures; j++) {
      const src = p.columns[j];
      const dst = columns[j];
      for (let i = 0; i < p.n; i++) dst[at + i] = src?.[i] ?? null;
    }
    at += p.n;
  }
  return {
    columns,
    rows: have,
    from: parts.length ? parts[0].firstTs : null,
    to: parts.length ? parts[parts.length - 1].ts : null,
  };
}

/** What one pruning of the prediction log deleted. */
export interface PruneResult {
  /** Records deleted (a grouped or many-row record holds several rows). */
  readonly records: number;
  /** Scored rows in them. */
  readonly rows: number;
  /** The cutoff: records logged before this time were deleted. */
  readonly before: string;
}

/** The cutoff time for keeping `days` days of records (days: a whole number, at least 1). */
export function retentionCutoff(days: number, now: number = Date.now()): string {
  if (!Number.isSafeInteger(days) || days < 1)
    throw createError('AEGLE_PREDLOG_BAD_RETENTION', {
      reason: `the age must be a whole number of days, at least 1 (got ${String(days)})`,
    });
  return new Date(now - days * 86_400_000).toISOString();
}

/**
 * Deletes the prediction-log records logged before `before` (an ISO time, as `ts` is written). The
 * log holds patient-level inputs, so a deployment keeps it only as long as it needs it (drift reads
 * the recent part). Records are walked from the oldest in id order, which is the order they were
 * written and so of their times, a chunk per transaction with a turn of the event loop between
 * chunks (a server keeps answering); the walk stops at the first record at or after the cutoff, so
 * only the part being deleted is read. A record logged after a newer one (a clock stepped back)
 * waits for the next pruning. The caller audits what was deleted.
 */
export async function prunePredictionLog(
  meta: MetaStore,
  before: string,
  opts: { chunk?: number } = {},
): Promise<PruneResult> {
  const chunk = opts.chunk ?? 1000;
  let records = 0;
  let rows = 0;
  for (;;) {
    const page = await meta.db
      .selectFrom('prediction_log')
      .select(['id', 'ts', 'n_rows'])
      .orderBy('id')
      .limit(chunk)
      .execute();
    let last: number | null = null;
    let n = 0;
    let r = 0;
    for (const p of page) {
      if (p.ts >= before) break;
      last = Number(p.id);
      n++;
      r += Number(p.n_rows);
    }
    if (last === null) break;
    await meta.db.deleteFrom('prediction_log').where('id', '<=', last).execute();
    records += n;
    rows += r;
    if (n < page.length || page.length < chunk) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { records, rows, before };
}
