/** The metadata store and the audit chain on every backend (SQLite; PostgreSQL when configured). */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditLog,
  decodeLoggedColumns,
  LogWriter,
  listAudit,
  PredictionLog,
  prunePredictionLog,
  recentInputs,
  verifyAuditChain,
} from '../../monitor/index.js';
import type { MetaStore } from './meta-store.js';
import { metaBackends } from './testing.js';

for (const backend of metaBackends()) {
  describe.skipIf(backend.skip !== null)(`metadata store on ${backend.name}`, () => {
    let store: MetaStore;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      const opened = await backend.open();
      store = opened.store;
      dispose = opened.dispose;
    });
    afterAll(async () => dispose?.());

    it('migrates idempotently and round-trips rows', async () => {
      await store.migrate();
      await store.db
        .insertInto('models')
        .values({
          name: 'm',
          owner: 'o',
          intended_use: 'u',
          description: null,
          created_at: '2026-01-01T00:00:00.000Z',
          archived_at: null,
        })
        .execute();
      const m = await store.db
        .selectFrom('models')
        .selectAll()
        .where('name', '=', 'm')
        .executeTakeFirstOrThrow();
      expect(m).toMatchObject({ name: 'm', owner: 'o', intended_use: 'u' });
      await store.db
        .insertInto('prediction_log')
        .values({
          ts: 't',
          model_name: 'm',
          version: 1,
          request_id: 'r',
          features_json: '[1]',
          probability: 0.25,
          label: '1',
        })
        .execute();
      const p = await store.db.selectFrom('prediction_log').selectAll().executeTakeFirstOrThrow();
      expect(typeof p.id).toBe('number');
      expect(p.probability).toBe(0.25);
    });

    it('audit: batched writes form a chain that verifies; any tampering is detected', async () => {
      const audit = new AuditLog(store, { flushMs: 5, batchSize: 7 });
      for (let i = 0; i < 50; i++)
        audit.append({
          actor: `k${i % 3}`,
          role: 'clinician',
          action: 'predict',
          resource: 'model:m@1',
          inputHash: `h${i}`,
          outputSummary: `n=1`,
        });
      await audit.close();
      const entries = await listAudit(store, { limit: 1000 });
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const intact = await verifyAuditChain(store, { pageSize: 13 });
      expect(intact).toMatchObject({ ok: true, entries: 50 });
      expect(intact.head).toBe(entries[49].hash);

      // the database refuses changes while the append-only trigger is in place
      await expect(sql`UPDATE audit_log SET actor = 'x' WHERE seq = 3`.execute(store.db)).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`DELETE FROM audit_log WHERE seq = 3`.execute(store.db)).rejects.toThrow(/append-only/);

      // an attacker with schema rights drops the trigger; the chain still catches every change
      if (backend.name === 'sqlite') {
        await sql`DROP TRIGGER audit_log_no_update`.execute(store.db);
        await sql`DROP TRIGGER audit_log_no_delete`.execute(store.db);
      } else await sql`DROP TRIGGER audit_log_no_change ON audit_log`.execute(store.db);

      await sql`UPDATE audit_log SET output_summary = 'n=2' WHERE seq = 10`.execute(store.db);
      expect((await verifyAuditChain(store)).problem).toMatchObject({
        seq: 10,
        reason: expect.stringMatching(/altered/),
      });
      await sql`UPDATE audit_log SET output_summary = 'n=1' WHERE seq = 10`.execute(store.db);
      expect((await verifyAuditChain(store)).ok).toBe(true);

      // reorder: swap the contents of two entries (keeping their sequence numbers)
      const [a, b] = await store.db
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', 'in', [20, 21])
        .orderBy('seq')
        .execute();
      await store.db
        .updateTable('audit_log')
        .set({ ...b, seq: 20 })
        .where('seq', '=', 20)
        .execute();
      await store.db
        .updateTable('audit_log')
        .set({ ...a, seq: 21 })
        .where('seq', '=', 21)
        .execute();
      expect((await verifyAuditChain(store)).problem?.seq).toBe(20);
      await store.db
        .updateTable('audit_log')
        .set({ ...a, seq: 20 })
        .where('seq', '=', 20)
        .execute();
      await store.db
        .updateTable('audit_log')
        .set({ ...b, seq: 21 })
        .where('seq', '=', 21)
        .execute();
      expect((await verifyAuditChain(store)).ok).toBe(true);

      // delete from the middle
      await sql`DELETE FROM audit_log WHERE seq = 30`.execute(store.db);
      expect((await verifyAuditChain(store)).problem).toMatchObject({ seq: 31 });
      // delete from the end: only a kept copy of the head can tell
      const shorter = await store.db.selectFrom('audit_log').select('seq').where('seq', '>', 30).execute();
      await sql`DELETE FROM audit_log WHERE seq > 29`.execute(store.db);
      expect((await verifyAuditChain(store)).ok).toBe(true);
      expect((await verifyAuditChain(store, { expectedHead: intact.head })).ok).toBe(false);
      expect(shorter.length).toBe(20);
    });

    it('concurrent writers (two logs on one database) keep one unbroken chain', async () => {
      const { store: s2, dispose: d2 } = await backend.open();
      try {
        const l1 = new AuditLog(s2, { flushMs: 1, batchSize: 5 });
        const l2 = new AuditLog(s2, { flushMs: 1, batchSize: 3 });
        for (let i = 0; i < 40; i++)
          (i % 2 ? l1 : l2).append({ actor: 'a', role: 'admin', action: 'x', resource: `r${i}` });
        await Promise.all([l1.close(), l2.close()]);
        expect(await verifyAuditChain(s2)).toMatchObject({ ok: true, entries: 40 });
      } finally {
        await d2();
      }
    });

    it('one writer commits audit entries and prediction records together; grouped rows read back', async () => {
      const logs = new LogWriter(store, { flushMs: 5 });
      const audit = new AuditLog(store, { writer: logs });
      const log = new PredictionLog(store, { writer: logs });
      const one = (id: string, x: number) =>
        Promise.all([
          log.commit({
            modelName: 'g',
            version: 1,
            requestId: id,
            rows: [[x, 'a']],
            probability: [x / 10],
            labels: ['1'],
          }),
          audit.commit({
            actor: 'k',
            role: 'clinician',
            action: 'predict',
            resource: 'model:g',
            inputHash: id,
          }),
        ]);
      await Promise.all([one('g1', 1), one('g2', 2), one('g3', 3)]);
      await log.commit({
        modelName: 'g',
        version: 1,
        requestId: 'g4',
        rows: [
          [4, null],
          [5, 'b'],
        ],
        probability: [0.4, 0.5],
        labels: ['0', '1'],
      });
      const recs = await store.db
        .selectFrom('prediction_log')
        .selectAll()
        .where('model_name', '=', 'g')
        .orderBy('id')
        .execute();
      expect(recs.map((r) => [r.request_id, Number(r.n_rows)])).toEqual([
        ['g1', 3],
        ['g4', 2],
      ]);
      expect(decodeLoggedColumns(recs[0].payload!).requests?.ids).toEqual(['g1', 'g2', 'g3']);
      const back = await recentInputs(store, 'g', 1, 2);
      expect(back.columns).toEqual([
        [1, 2, 3, 4, 5],
        ['a', 'a', 'a', null, 'b'],
      ]);
      expect((await listAudit(store, { resource: 'model:g' })).map((e) => e.inputHash).sort()).toEqual([
        'g1',
        'g2',
        'g3',
      ]);
      await audit.close();
      await log.close();
      await logs.close();
    });

    it('prunes the prediction log up to a cutoff, oldest first', async () => {
      // the walk goes in write order: start from an empty log (the earlier tests' records are newer)
      await store.db.deleteFrom('prediction_log').execute();
      const log = new PredictionLog(store);
      for (const [id, ts] of [
        ['p1', '2020-01-01T00:00:00.000Z'],
        ['p2', '2020-01-02T00:00:00.000Z'],
        ['p3', '2020-03-01T00:00:00.000Z'],
      ])
        await log.commit({
          modelName: 'prune',
          version: 1,
          requestId: id,
          rows: [[1]],
          probability: [0.5],
          labels: ['1'],
          ts,
        });
      await log.close();
      const r = await prunePredictionLog(store, '2020-02-01T00:00:00.000Z', { chunk: 1 });
      expect(r).toEqual({ records: 2, rows: 2, before: '2020-02-01T00:00:00.000Z' });
      const left = await store.db.selectFrom('prediction_log').select('request_id').execute();
      expect(left.map((x) => x.request_id)).toEqual(['p3']);
    });
  });
}
