import { describe, expect, it } from 'vitest';
import { DynamicBatcher } from './batcher.js';
import { OnnxEndpoint } from './onnx/index.js';

const DATA = new URL('../../../shared/data/onnx/', import.meta.url).pathname;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DynamicBatcher', () => {
  it('coalesces 64 concurrent single requests into batches with results in order', async () => {
    const sizes: number[] = [];
    const b = new DynamicBatcher<number, number>(
      async (xs) => {
        sizes.push(xs.length);
        await sleep(2);
        return xs.map((x) => x * 2);
      },
      { maxBatchSize: 16, maxQueueDelayMicros: 5000 },
    );
    const out = await Promise.all(Array.from({ length: 64 }, (_, i) => b.submit(i)));
    expect(out).toEqual(Array.from({ length: 64 }, (_, i) => 2 * i));
    expect(sizes).toEqual([16, 16, 16, 16]);
    const st = b.stats();
    expect(st.batches).toBe(4);
    expect(st.batchSizes).toEqual({ 16: 4 });
    expect(st.maxQueueDepthSeen).toBe(48); // the first 16 leave as soon as they form a full batch
    expect(st.completed).toBe(64);
  });

  it('waits at most maxQueueDelay for a batch to fill, and dispatches preferred sizes at once', async () => {
    const sizes: number[] = [];
    const b = new DynamicBatcher<number, number>(
      async (xs) => {
        sizes.push(xs.length);
        return xs;
      },
      {
        maxBatchSize: 32,
        maxQueueDelayMicros: 20_000,
        preferredBatchSizes: [4],
      },
    );
    const t0 = performance.now();
    await b.submit(1);
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(18);
    expect(waited).toBeLessThan(200);
    const t1 = performance.now();
    await Promise.all([1, 2, 3, 4].map((x) => b.submit(x)));
    expect(performance.now() - t1).toBeLessThan(15);
    expect(sizes).toEqual([1, 4]);
  });

  it('rejects with AEGLE_RUNTIME_QUEUE_FULL (503) when the queue is full', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new DynamicBatcher<number, number>(
      async (xs) => {
        await gate;
        return xs;
      },
      { maxBatchSize: 1, maxQueueDelayMicros: 0, maxQueueSize: 2 },
    );
    const first = b.submit(0); // executing
    const queued = [b.submit(1), b.submit(2)];
    await expect(b.submit(3)).rejects.toMatchObject({ code: 'AEGLE_RUNTIME_QUEUE_FULL', status: 503 });
    release();
    expect(await Promise.all([first, ...queued])).toEqual([0, 1, 2]);
    expect(b.stats().rejectedQueueFull).toBe(1);
  });

  it('times out queued and executing requests (504) without failing others', async () => {
    const b = new DynamicBatcher<number, number>(
      async (xs) => {
        await sleep(60);
        return xs;
      },
      { maxBatchSize: 1, maxQueueDelayMicros: 0 },
    );
    const a = b.submit(1, { timeoutMs: 20 }); // times out while executing
    const c = b.submit(2, { timeoutMs: 30 }); // times out while queued
    const d = b.submit(3);
    await expect(a).rejects.toMatchObject({
      code: 'AEGLE_RUNTIME_TIMEOUT',
      status: 504,
      details: { stage: 'executing' },
    });
    await expect(c).rejects.toMatchObject({ code: 'AEGLE_RUNTIME_TIMEOUT', details: { stage: 'queued' } });
    expect(await d).toBe(3);
    expect(b.stats().timedOut).toBe(2);
  });

  it('limits concurrency and fails a batch together when execute throws', async () => {
    let active = 0;
    let peak = 0;
    const b = new DynamicBatcher<number, number>(
      async (xs) => {
        active++;
        peak = Math.max(peak, active);
        await sleep(5);
        active--;
        if (xs.includes(13)) throw new Error('boom');
        return xs;
      },
      { maxBatchSize: 2, maxQueueDelayMicros: 0, maxConcurrency: 2 },
    );
    const res = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => b.submit(i)));
    expect(peak).toBe(2);
    expect(res.filter((r) => r.status === 'rejected').length).toBeGreaterThanOrEqual(1);
    expect(res[0]).toEqual({ status: 'fulfilled', value: 0 });
  });
});

describe('OnnxEndpoint batching', () => {
  it('64 concurrent Iris requests batched equal the unbatched answers', async () => {
    const batched = await OnnxEndpoint.create(`${DATA}iris-mlp-pytorch.onnx`, {
      batching: { maxBatchSize: 16, maxQueueDelayMicros: 3000 },
    });
    const single = await OnnxEndpoint.create(`${DATA}iris-mlp-pytorch.onnx`, { batching: false });
    const rows = Array.from({ length: 64 }, (_, i) =>
      Float32Array.from([4 + (i % 40) / 10, 2 + (i % 13) / 10, 1 + (i % 60) / 10, (i % 25) / 10]),
    );
    const feeds = rows.map((r) => ({ input: { dtype: 'float32' as const, shape: [1, 4], data: r } }));
    const a = await Promise.all(feeds.map((f) => batched.infer(f)));
    const b = [];
    for (const f of feeds) b.push(await single.infer(f));
    for (let i = 0; i < 64; i++) {
      expect(a[i].output.shape).toEqual([1, 3]);
      const x = a[i].output.data as Float32Array;
      const y = b[i].output.data as Float32Array;
      for (let k = 0; k < 3; k++) expect(Math.abs(x[k] - y[k])).toBeLessThan(1e-5);
    }
    const st = batched.stats();
    expect(st.batches).toBeLessThan(64);
    expect(Math.max(...Object.keys(st.batchSizes).map(Number))).toBeGreaterThan(1);
    expect(single.stats().batchSizes).toEqual({ 1: 64 });
    await batched.close();
    await single.close();
  });
});
