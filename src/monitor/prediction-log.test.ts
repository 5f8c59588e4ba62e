import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pooledBuffer, returnBuffer } from '../core/index.js';
import { MetaStore } from '../store/index.js';
import { AuditLog, listAudit, verifyAuditChain } from './audit.js';
import { LogWriter } from './log-writer.js';
import { columnsFromRows, decodeLoggedColumns, encodeLoggedColumns } from './logged-columns.js';
import { PredictionLog, prunePredictionLog, recentInputs, retentionCutoff } from './prediction-log.js';

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
    // into a reused buffer holding old bytes: the same record, byte for byte
    const dirty = encodeLoggedColumns(
      3,
      cols,
      Float64Array.from([0.1, 0.2, 0.3]),
      ['x', null, 'y'],
      undefined,
      (n) => Buffer.alloc(n + 64, 0xff),
    );
    expect(dirty.equals(buf)).toBe(true);
  });

  it('lends each pooled buffer to one user at a time', () => {
    const a = pooledBuffer(100_000);
    returnBuffer(a);
    returnBuffer(a); // a second return is ignored
    const b = pooledBuffer(100_000);
    const c = pooledBuffer(100_000);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    returnBuffer(b);
    returnBuffer(c);
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

  it('groups one-row requests written together: one record per model version, each request named', async () => {
    const log = new PredictionLog(meta);
    const one = (requestId: string, version: number, x: number) =>
      log.commit({
        modelName: 'm',
        version,
        requestId,
        columns: [Float64Array.of(x), { codes: Int32Array.of(x % 2 ? 0 : -1), dictionary: ['odd'] }],
        probability: Float64Array.of(x / 10),
        labels: [x > 2 ? '1' : '0'],
      });
    // arriving in one turn of the event loop: one transaction
    await Promise.all([
      one('a', 1, 1),
      one('b', 2, 2),
      one('c', 1, 3),
      log.commit({
        modelName: 'm',
        version: 1,
        requestId: 'many',
        rows: [
          [10, 'odd'],
          [11, null],
        ],
        probability: [0.5, 0.6],
        labels: ['1', '1'],
      }),
      one('d', 1, 4),
    ]);
    const recs = await meta.db.selectFrom('prediction_log').selectAll().orderBy('id').execute();
    // v1's run a, c is closed by the many-row request; d starts a new one; b is alone in v2
    expect(recs.map((r) => [r.request_id, r.version, r.n_rows])).toEqual([
      ['a', 1, 2],
      ['b', 2, 1],
      ['many', 1, 2],
      ['d', 1, 1],
    ]);
    const grouped = decodeLoggedColumns(recs[0].payload!);
    expect(grouped.requests?.ids).toEqual(['a', 'c']);
    expect(grouped.requests?.ts).toHaveLength(2);
    expect(grouped.columns).toEqual([
      [1, 3],
      ['odd', 'odd'],
    ]);
    expect([...grouped.probability!]).toEqual([0.1, 0.3]);
    expect(grouped.labels).toEqual(['0', '1']);
    expect(recs[1].features_json).toBe('[2,null]');
    // drift reads version 1 back in arrival order
    const v1 = await recentInputs(meta, 'm', 1, 2);
    expect(v1.columns).toEqual([
      [1, 3, 10, 11, 4],
      ['odd', 'odd', 'odd', null, null],
    ]);
    await log.close();
  });

  it('a shared writer commits the audit entry and the prediction record together, or neither', async () => {
    const logs = new LogWriter(meta);
    const audit = new AuditLog(meta, { writer: logs });
    const log = new PredictionLog(meta, { writer: logs });
    const sqlite = meta.sqlite!;
    sqlite.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON prediction_log BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    const both = () =>
      Promise.all([
        audit.commit({ actor: 'k', role: 'clinician', action: 'predict', resource: 'model:m' }),
        log.commit({
          modelName: 'm',
          version: 1,
          requestId: 'r',
          rows: [[1]],
          probability: [0.2],
          labels: ['0'],
        }),
      ]);
    await expect(both()).rejects.toThrow(/refused/);
    // the audit entry was rolled back with the refused record
    expect(await listAudit(meta)).toHaveLength(0);
    expect(audit.depth).toBe(1);
    expect(log.depth).toBe(1);
    sqlite.exec('DROP TRIGGER refuse');
    await logs.flush();
    expect(await listAudit(meta)).toHaveLength(1);
    expect(await meta.db.selectFrom('prediction_log').selectAll().execute()).toHaveLength(1);
    expect(audit.depth + log.depth).toBe(0);
    await audit.close();
    await log.close();
    await expect(audit.commit({ actor: 'k', role: 'r', action: 'a', resource: 'x' })).rejects.toThrow(
      /closed/,
    );
    await logs.close();
    expect((await verifyAuditChain(meta)).entries).toBe(1);
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

describe('prediction-log retention', () => {
  let meta: MetaStore;
  beforeEach(async () => {
    meta = await MetaStore.create({ sqlitePath: ':memory:' });
  });
  afterEach(async () => meta.close());

  const DAY = 86_400_000;
  const now = Date.parse('2026-11-29T12:00:00.000Z');
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  /** One record per entry, written one transaction each (so none is grouped with another). */
  const write = async (entries: { id: string; daysAgo: number; rows?: number }[]) => {
    const log = new PredictionLog(meta);
    for (const e of entries) {
      const n = e.rows ?? 1;
      await log.commit({
        modelName: 'm',
        version: 1,
        requestId: e.id,
        columns: [Float64Array.from({ length: n }, (_, i) => i)],
        probability: Float64Array.from({ length: n }, () => 0.5),
        labels: Array.from({ length: n }, () => '1'),
        ts: at(e.daysAgo),
      });
    }
    await log.close();
  };
  const left = async () =>
    (await meta.db.selectFrom('prediction_log').select('request_id').orderBy('id').execute()).map(
      (r) => r.request_id,
    );

  it('deletes the records logged before the cutoff, counting records and rows', async () => {
    await write([
      { id: 'a', daysAgo: 40 },
      { id: 'b', daysAgo: 31, rows: 3 },
      { id: 'c', daysAgo: 29 },
      { id: 'd', daysAgo: 1, rows: 2 },
    ]);
    expect(retentionCutoff(30, now)).toBe('2026-10-30T12:00:00.000Z');
    const r = await prunePredictionLog(meta, retentionCutoff(30, now));
    expect(r).toEqual({ records: 2, rows: 4, before: '2026-10-30T12:00:00.000Z' });
    expect(await left()).toEqual(['c', 'd']);
    // nothing older is left: a second pruning deletes nothing
    expect((await prunePredictionLog(meta, retentionCutoff(30, now))).records).toBe(0);
    expect(await left()).toEqual(['c', 'd']);
  });

  it('works through the log a chunk at a time and stops at the first newer record', async () => {
    await write([
      { id: 'a', daysAgo: 50 },
      { id: 'b', daysAgo: 49 },
      { id: 'c', daysAgo: 48 },
      { id: 'd', daysAgo: 47 },
      { id: 'e', daysAgo: 46 },
      { id: 'f', daysAgo: 2 },
      // logged after a newer record (the clock stepped back): left for a later pruning
      { id: 'g', daysAgo: 45 },
    ]);
    const r = await prunePredictionLog(meta, at(10), { chunk: 2 });
    expect(r.records).toBe(5);
    expect(await left()).toEqual(['f', 'g']);
  });

  it('refuses an age that is not a whole number of days, 1 or more', () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => retentionCutoff(bad, now)).toThrow(/AEGLE_PREDLOG_BAD_RETENTION|whole number of days/);
  });
});
