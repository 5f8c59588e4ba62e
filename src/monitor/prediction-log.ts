/**
 * The prediction log: one row per scored row (model, version, request id, the feature values in the
 * model's feature order, probability, label), written behind in batches. Drift reads it back. It lives
 * in the metadata database, never in process logs (it holds patient-level inputs).
 */
import type { Logger } from '../core/index.js';
import type { MetaStore, PredictionLogTable } from '../store/index.js';
import { BatchQueue } from './batch-queue.js';

/** The rows of one scored request. */
export interface PredictionBatch {
  readonly modelName: string;
  readonly version: number;
  readonly requestId: string;
  /** Per row, the feature values in the model's input-schema order (null for missing). */
  readonly rows: readonly (readonly (number | string | null)[])[];
  readonly probability: ArrayLike<number> | null;
  readonly labels: readonly (string | null)[];
  readonly ts?: string;
}

const INSERT_CHUNK = 500;

/**
 * Queues whole requests (one push per request, however many rows) and expands them into rows when
 * writing, so a 10,000-row batch costs the request nothing but a push.
 */
export class PredictionLog {
  private readonly queue: BatchQueue<PredictionBatch & { ts: string }>;

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

  /** Queues the rows of one request. */
  record(b: PredictionBatch): void {
    this.queue.push({ ...b, ts: b.ts ?? new Date().toISOString() });
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

  private async write(batches: Array<PredictionBatch & { ts: string }>): Promise<void> {
    const rows: Omit<PredictionLogTable, 'id'>[] = [];
    for (const b of batches) {
      for (let i = 0; i < b.rows.length; i++) {
        const p = b.probability ? b.probability[i] : null;
        rows.push({
          ts: b.ts,
          model_name: b.modelName,
          version: b.version,
          request_id: b.requestId,
          features_json: JSON.stringify(b.rows[i]),
          probability: p !== null && Number.isFinite(p) ? p : null,
          label: b.labels[i] ?? null,
        });
      }
    }
    await this.meta.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('prediction_log')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .execute();
      }
    });
  }
}

/**
 * The most recent `limit` logged rows of a model version, one array per feature (values as logged:
 * numbers, strings for categorical features, null for missing), oldest first.
 */
export async function recentInputs(
  meta: MetaStore,
  modelName: string,
  version: number,
  nFeatures: number,
  limit = 5000,
): Promise<{ columns: (number | string | null)[][]; rows: number; from: string | null; to: string | null }> {
  const rows = await meta.db
    .selectFrom('prediction_log')
    .select(['ts', 'features_json'])
    .where('model_name', '=', modelName)
    .where('version', '=', version)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  rows.reverse();
  const columns = Array.from({ length: nFeatures }, () => new Array<number | string | null>(rows.length));
  rows.forEach((r, i) => {
    const vals = JSON.parse(r.features_json) as (number | string | null)[];
    for (let j = 0; j < nFeatures; j++) columns[j][i] = vals[j] ?? null;
  });
  return {
    columns,
    rows: rows.length,
    from: rows.length ? rows[0].ts : null,
    to: rows.length ? rows[rows.length - 1].ts : null,
  };
}
