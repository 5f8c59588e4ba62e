import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaStore } from '../store/index.js';
import { AuditLog, listAudit, verifyAuditChain } from './audit.js';
import { columnsFromRows, decodeLoggedColumns, encodeLoggedColumns } from './logged-columns.js';
import { PredictionLog, recentInputs } from './prediction-log.js';

describe('columnar prediction-log records', () => {
  it('round-trips numbers, missing values, categorical codes, probabilities and labels', () => {
    const rows = [
      [1.5, 'a', null],
      [Number.NaN, null, 3],
      [-2, 'b', 4],
    ] as (number | string | null)[][];
    const cols = columnsFromRows(rows);
    const buf = encodeLoggedColumns(3, cols, Float64Array.from([0.1, 0.2, 0.3]), ['x', null, 'y']);
    const d = decodeLoggedColumns(buf);
    expect(d.n).toBe(3);
    expect(d.columns).toEqual([
      [1.5, null, -2],
      ['a', null, 'b'],
      [null, 3, 4],
    ]);
    expect([...d.probability!]).toEqual([0.1, 0.2, 0.3]);
    expect(d.labels).toEqual(['x', null, 'y']);
    // an odd row count keeps every float64 section aligned (int32 sections come last)
    const odd = encodeLoggedColumns(
      1,
      [{ codes: Int32Array.of(0), dictionary: ['k'] }, Float64Array.of(7)],
      null,
      [null],
    );
    expect(decodeLoggedColumns(odd).columns).toEqual([['k'], [7]]);
  });
});

describe('PredictionLog and AuditLog on SQLite', () => {
  let meta: MetaStore;
  beforeEach(async () => {
    meta = await MetaStore.create({ sqlitePath: ':memory:' });
  });
  afterEach(async () => meta.close());

  it('commits single rows as rows and many rows as one record; drift reads both back in order', async () => {
    const log = new PredictionLog(meta);
    await log.commit({
      modelName: 'm',
      version: 1,
      requestId: 'r1',
      rows: [[1, 'a']],
      probability: [0.5],
      labels: ['1'],
    });
    await log.commit({
      modelName: 'm',
      version: 1,
      requestId: 'r2',
      columns: [
        Float64Array.from([2, 3, Number.NaN]),
        { codes: Int32Array.from([1, -1, 0]), dictionary: ['a', 'b'] },
      ],
      probability: Float64Array.from([0.1, 0.2, 0.3]),
      labels: ['0', '0', '1'],
    });
    log.record({
      modelName: 'm',
      version: 1,
      requestId: 'r3',
      rows: [[5, 'b']],
      probability: [0.9],
      labels: ['1'],
    });
    await log.close();
    const recs = await meta.db.selectFrom('prediction_log').selectAll().orderBy('id').execute();
    expect(recs.map((r) => [r.request_id, r.n_rows])).toEqual([
      ['r1', 1],
      ['r2', 3],
      ['r3', 1],
    ]);
    expect(recs[0].features_json).toBe('[1,"a"]');
    const all = await recentInputs(meta, 'm', 1, 2);
    expect(all.rows).toBe(5);
    expect(all.columns).toEqual([
      [1, 2, 3, null, 5],
      ['a', 'b', null, 'a', 'b'],
    ]);
    // the newest `limit` rows: the tail of the columnar record, then the last single row
    const last3 = await recentInputs(meta, 'm', 1, 2, 3);
    expect(last3.columns).toEqual([
      [3, null, 5],
      [null, 'a', 'b'],
    ]);
  });

  it('waits for an open Kysely transaction instead of joining it', async () => {
    const log = new PredictionLog(meta);
    const audit = new AuditLog(meta);
    let committed = false;
    await meta.db.transaction().execute(async (trx) => {
      const c = Promise.all([
        log.commit({
          modelName: 'm',
          version: 1,
          requestId: 'r',
          rows: [[1]],
          probability: null,
          labels: [null],
        }),
        audit.commit({ actor: 'k', role: 'clinician', action: 'predict', resource: 'model:m' }),
      ]).then(() => (committed = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(committed).toBe(false);
      await trx.selectFrom('prediction_log').selectAll().execute();
      void c;
    });
    await log.flush();
    await audit.flush();
    expect(committed).toBe(true);
    expect(await meta.db.selectFrom('prediction_log').selectAll().execute()).toHaveLength(1);
  });

  it('audit commits arriving together extend one valid chain', async () => {
    const audit = new AuditLog(meta);
    await audit.commit({ actor: 'a', role: 'admin', action: 'x', resource: 'r' });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        audit.commit({ actor: 'k', role: 'clinician', action: 'predict', resource: `model:m${i}` }),
      ),
    );
    audit.append({ actor: 'k', role: 'clinician', action: 'predict', resource: 'behind' });
    await audit.close();
    const entries = await listAudit(meta, { limit: 1000 });
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 52 }, (_, i) => i + 1));
    expect((await verifyAuditChain(meta)).ok).toBe(true);
  });
});
