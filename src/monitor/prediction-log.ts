/**
 * The prediction log: what was scored (model, version, request id, the feature values in the model's
 * feature order, probability, label), in the metadata database, never in process logs (it holds
 * patient-level inputs). Drift reads it back. A single-row request is one row (features as a JSON
 * array); a request of many rows is one record holding them column by column (`logged-columns.ts`),
 * so logging 10,000 rows is one insert of one compact blob. `commit` resolves once the request's
 * rows are written (group commit, as the audit chain); `record` writes behind.
 */
import type { Logger } from '../core/index.js';
import type { BetterSqlite3Database, MetaStore, PredictionLogTable } from '../store/index.js';
import { BatchQueue } from './batch-queue.js';
import {
  columnsFromRows,
  decodeLoggedColumns,
  encodeLoggedColumns,
  type LoggedColumn,
} from './logged-columns.js';

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

/** The database row of one request: a plain row for one scored row, a columnar record otherwise. */
function toRow(b: PredictionBatch & { ts: string }): Row {
  const n = b.labels.length;
  if (n === 1) {
    const p = b.probability ? b.probability[0] : null;
    const values = b.rows
      ? b.rows[0]
      : (b.columns ?? []).map((c) =>
          c instanceof Float64Array
            ? Number.isNaN(c[0])
              ? null
              : c[0]
            : c.codes[0] < 0
              ? null
              : c.dictionary[c.codes[0]],
        );
    return {
      ts: b.ts,
      model_name: b.modelName,
      version: b.version,
      request_id: b.requestId,
      features_json: JSON.stringify(values),
      probability: p !== null && Number.isFinite(p) ? p : null,
      label: b.labels[0] ?? null,
      n_rows: 1,
      payload: null,
    };
  }
  const columns = b.columns ?? columnsFromRows(b.rows ?? []);
  return {
    ts: b.ts,
    model_name: b.modelName,
    version: b.version,
    request_id: b.requestId,
    features_json: '',
    probability: null,
    label: null,
    n_rows: n,
    payload: encodeLoggedColumns(n, columns, b.probability, b.labels),
  };
}

const INSERT_CHUNK = 500;

/** Queues whole requests (one push per request, however many rows), written in batches. */
export class PredictionLog {
  private readonly queue: BatchQueue<PredictionBatch & { ts: string }>;
  private sqliteWrite: ((rows: Row[]) => void) | null = null;

  constructor(
    private readonly meta: MetaStore,
    opts: { flushMs?: number; batchSize?: number; logger?: Logger } = {},
  ) {
    this.queue = new BatchQueue({
      name: 'prediction-log',
      flushMs: opts.flushMs ?? 50,
      batchSize: opts.batchSize ?? 1000,
      logger: opts.logger,
      write: (batches) => this.write(batches),
    });
  }

  /** Queues the rows of one request (write-behind: returns at once). */
  record(b: PredictionBatch): void {
    this.queue.push({ ...b, ts: b.ts ?? new Date().toISOString() });
  }

  /** Queues the rows of one request and resolves once they are written (group commit). */
  commit(b: PredictionBatch): Promise<void> {
    return this.queue.commit({ ...b, ts: b.ts ?? new Date().toISOString() });
  }

  get depth(): number {
    return this.queue.depth;
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private write(batches: Array<PredictionBatch & { ts: string }>): Promise<void> | void {
    const rows = batches.map(toRow);
    const db = this.meta.sqlite;
    // a Kysely transaction holds the connection: go through Kysely, which waits for it
    if (db && !db.inTransaction) {
      this.sqliteWrite ??= sqlitePredictionWriter(db);
      this.sqliteWrite(rows);
      return;
    }
    return this.meta.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('prediction_log')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .execute();
      }
    });
  }
}

/** One SQLite transaction per batch over a prepared INSERT. */
function sqlitePredictionWriter(db: BetterSqlite3Database): (rows: Row[]) => void {
  const insert = db.prepare(
    'INSERT INTO prediction_log (ts, model_name, version, request_id, features_json, probability, label, n_rows, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const tx = db.transaction((rows: Row[]) => {
    for (const r of rows)
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
  });
  return (rows) => tx(rows);
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
  const parts: { ts: string; n: number; columns: (number | string | null)[][] }[] = [];
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
        parts.push({ ts: r.ts, n: take, columns: d.columns.map((c) => c.slice(d.n - take)) });
        have += take;
      } else {
        const vals = JSON.parse(r.features_json) as (number | string | null)[];
        parts.push({ ts: r.ts, n: 1, columns: vals.map((v) => [v]) });
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
    from: parts.length ? parts[0].ts : null,
    to: parts.length ? parts[parts.length - 1].ts : null,
  };
}
