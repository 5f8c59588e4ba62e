/**
 * Jobs: run, progress, logs, cancel, and the restart guarantee (a job interrupted by a crash is
 * marked failed with the reason, never left running). In-process always; BullMQ when
 * AEGLE_TEST_REDIS_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServices } from '../config/index.js';
import { createError } from '../core/index.js';
import type { MetaStore } from '../store/index.js';
import { metaBackends } from '../store/meta/testing.js';
import { type JobEvent, type JobHandler, type JobRecord, JobService } from './job-service.js';

const redisUrl = testServices().redisUrl;
if (!redisUrl) process.stderr.write('NOTICE: AEGLE_TEST_REDIS_URL is not set: BullMQ job tests skipped\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(
  svc: JobService,
  id: string,
  pred: (j: JobRecord) => boolean,
  ms = 10_000,
): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const j = await svc.get(id);
    if (pred(j)) return j;
    if (Date.now() - t0 > ms) throw new Error(`timeout waiting for job ${id}: ${j.status}`);
    await sleep(20);
  }
}

const handlers: Record<string, JobHandler> = {
  count: async (ctx) => {
    const n = Number(ctx.params.n ?? 3);
    for (let i = 1; i <= n; i++) {
      ctx.progress({ fraction: i / n, message: `step ${i}` });
      ctx.log(`step ${i}`);
      await sleep(5);
    }
    return { counted: n };
  },
  hang: (ctx) =>
    new Promise((_, reject) => {
      ctx.log('hanging');
      ctx.signal.addEventListener('abort', () => reject(createError('AEGLE_CORE_ABORTED', { what: 'hang' })));
    }),
  boom: async () => {
    throw new Error('it broke');
  },
};

const modes: Array<{ name: string; redis: string | null; skip: boolean }> = [
  { name: 'in-process', redis: null, skip: false },
  { name: 'bullmq', redis: redisUrl, skip: !redisUrl },
];

for (const mode of modes) {
  describe.skipIf(mode.skip)(`jobs (${mode.name})`, () => {
    let meta: MetaStore;
    let dispose: () => Promise<void>;
    const queueName = `aegle-test-${process.pid}-${Date.now()}`;
    beforeAll(async () => {
      const o = await metaBackends()[0].open();
      meta = o.store;
      dispose = o.dispose;
    });
    afterAll(async () => dispose?.());

    it('runs a job with progress events and logs; failures and cancels are recorded', async () => {
      const svc = await JobService.create(meta, {
        handlers,
        redisUrl: mode.redis,
        queueName,
        heartbeatMs: 100,
      });
      try {
        const events: JobEvent[] = [];
        svc.events.on('job', (e: JobEvent) => events.push(e));
        const j = await svc.submit('count', { n: 4 }, 'k1');
        expect(j.status).toBe('queued');
        const done = await waitFor(svc, j.id, (x) => x.status === 'succeeded');
        expect(done.result).toEqual({ counted: 4 });
        expect(done.progress).toMatchObject({ fraction: 1 });
        await sleep(50);
        expect((await svc.logs(j.id)).map((l) => l.message)).toEqual([
          'step 1',
          'step 2',
          'step 3',
          'step 4',
        ]);
        expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThanOrEqual(4);

        const b = await svc.submit('boom', {}, null);
        expect(await waitFor(svc, b.id, (x) => x.status === 'failed')).toMatchObject({ error: 'it broke' });

        const h = await svc.submit('hang', {}, null);
        await waitFor(svc, h.id, (x) => x.status === 'running');
        await svc.cancel(h.id);
        expect(await waitFor(svc, h.id, (x) => x.status === 'cancelled')).toMatchObject({
          error: 'cancelled on request',
        });
        await expect(svc.cancel(h.id)).rejects.toThrow(/already finished/);
        await expect(svc.submit('nope', {}, null)).rejects.toThrow(/Unknown job type 'nope'/);
      } finally {
        await svc.close(1000);
      }
    });

    it('restart: a job running when its process died is marked failed with the reason', async () => {
      const first = await JobService.create(meta, {
        handlers,
        redisUrl: mode.redis,
        queueName: `${queueName}-r`,
        heartbeatMs: 100,
      });
      const h = await first.submit('hang', {}, null);
      await waitFor(first, h.id, (x) => x.status === 'running');
      // simulate a crash: the process stops beating and never finishes the job
      (first as unknown as { timer: NodeJS.Timeout }).timer &&
        clearInterval((first as unknown as { timer: NodeJS.Timeout }).timer);
      (first as unknown as { running: Map<string, unknown> }).running.clear();
      await sleep(450);
      const second = await JobService.create(meta, {
        handlers,
        redisUrl: mode.redis,
        queueName: `${queueName}-r2`,
        heartbeatMs: 100,
      });
      try {
        const after = await second.get(h.id);
        expect(after.status).toBe('failed');
        expect(after.error).toMatch(/interrupted: worker .* stopped \(crash or restart\)/);
        // and a fresh job still runs
        const c = await second.submit('count', { n: 1 }, null);
        expect((await waitFor(second, c.id, (x) => x.status === 'succeeded')).result).toEqual({ counted: 1 });
      } finally {
        await second.close(500);
        await first.close(10).catch(() => {});
      }
    });
  });
}
