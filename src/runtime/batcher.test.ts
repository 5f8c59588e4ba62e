import { afterEach, describe, expect, it, vi } from 'vitest';
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

  it('keeps a synchronous burst in one batch even when the burst outlasts maxQueueDelay', async () => {
    const sizes: number[] = [];
    const b = new DynamicBatcher<number, number>(
      async (xs) => {
        sizes.push(xs.length);
        return xs;
      },
      { maxBatchSize: 64, maxQueueDelayMicros: 2000 },
    );
    const done: Array<Promise<number>> = [];
    for (let i = 0; i < 10; i++) done.push(b.submit(i));
    const t = performance.now();
    while (performance.now() - t < 5); // the process is descheduled mid-burst, past the deadline
    for (let i = 10; i < 64; i++) done.push(b.submit(i));
    await Promise.all(done);
    expect(sizes).toEqual([64]);
  });

  it('dispatches a due queue after the callback that finds it due, not when a busy loop reaches timers', async () => {
    const log: string[] = [];
    const b = new DynamicBatcher<number, number>(
      async (xs) => {
        log.push(`batch ${xs.join(',')}`);
        return xs;
      },
      { maxBatchSize: 64, maxQueueDelayMicros: 2000 },
    );
    const done: Array<Promise<number>> = [];
    // three callbacks of one busy loop turn (as three HTTP requests would be; immediates queued
    // together run in one check phase, before any timer): the first submits request 0 and blocks
    // past its deadline, so its timer cannot fire before all three have run
    setImmediate(() => {
      done.push(b.submit(0));
      const t = performance.now();
      while (performance.now() - t < 5);
    });
    setImmediate(() => {
      done.push(b.submit(1));
      log.push('callback 1 done');
    });
    setImmediate(() => {
      log.push('callback 2');
      done.push(b.submit(2));
    });
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all(done);
    // requests 0 and 1 leave as soon as callback 1 ends; request 2 waits for its own deadline
    expect(log).toEqual(['callback 1 done', 'batch 0,1', 'callback 2', 'batch 2']);
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

/**
 * The latency bound on a deterministic fake workload: fake timers and a fake clock, a batch "computes"
 * for a fixed number of fake milliseconds, clients submit again as soon as they get their answer.
 */
describe('DynamicBatcher latency bound (fake clock)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function closedLoop(opts: {
    clients: number;
    rounds: number;
    maxBatchSize: number;
    delayMs: number;
    computeMs: (rows: number) => number;
    /** When each client first submits (fake ms; default 0). */
    startAt?: (client: number) => number;
  }) {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'],
    });
    const sizes: number[] = [];
    const b = new DynamicBatcher<number, number>(
      async (xs) => {
        sizes.push(xs.length);
        await sleep(opts.computeMs(xs.length));
        return xs;
      },
      { maxBatchSize: opts.maxBatchSize, maxQueueDelayMicros: opts.delayMs * 1000 },
    );
    const latencies: number[] = [];
    const clients = Array.from({ length: opts.clients }, async (_, c) => {
      const start = opts.startAt?.(c) ?? 0;
      if (start > 0) await sleep(start);
      for (let r = 0; r < opts.rounds; r++) {
        const t = performance.now();
        await b.submit(c);
        latencies.push(performance.now() - t);
      }
    });
    let finished = false;
    const all = Promise.all(clients).then(() => {
      finished = true;
    });
    while (!finished) await vi.advanceTimersByTimeAsync(1);
    await all;
    return { sizes, latencies, stats: b.stats() };
  }

  it('64 closed-loop clients, maxBatchSize 64: every request within maxQueueDelay + one batch', async () => {
    const computeMs = (rows: number) => 3 + Math.ceil(rows / 16); // 7 ms for a full batch of 64
    const { sizes, latencies } = await closedLoop({
      clients: 64,
      rounds: 20,
      maxBatchSize: 64,
      delayMs: 2,
      computeMs,
    });
    expect(sizes).toEqual(Array(20).fill(64)); // the batch fills at once: no request waits for the delay
    expect(latencies).toHaveLength(64 * 20);
    const bound = 2 + computeMs(64);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(bound);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(computeMs(64) + 1); // full batches skip the delay
  });

  it('clients that start apart merge into one batch after the first round (no alternating split)', async () => {
    // 10 clients start at 0 and leave after the 2 ms delay; 54 start at 3 ms, while those 10 compute,
    // and are overdue when they finish. The 10 submit again in the same tick: the next batch is all 64,
    // rather than 54 now and 10 behind them, round after round.
    const computeMs = (rows: number) => 3 + Math.ceil(rows / 16);
    const { sizes, latencies } = await closedLoop({
      clients: 64,
      rounds: 10,
      maxBatchSize: 64,
      delayMs: 2,
      computeMs,
      startAt: (c) => (c < 10 ? 0 : 3),
    });
    expect(sizes).toEqual([10, ...Array(9).fill(64), 54]); // the 54 have one round left at the end
    // Their first round, the 54 also wait for the batch in flight when they arrive; after it, the bound.
    expect(Math.max(...latencies.slice(0, 64))).toBeLessThanOrEqual(computeMs(10) + computeMs(64));
    expect(Math.max(...latencies.slice(64))).toBeLessThanOrEqual(2 + computeMs(64));
  });

  it('fewer clients than maxBatchSize: the delay is waited, still within maxQueueDelay + one batch', async () => {
    const computeMs = (rows: number) => 3 + Math.ceil(rows / 16);
    const { sizes, latencies } = await closedLoop({
      clients: 40,
      rounds: 10,
      maxBatchSize: 64,
      delayMs: 2,
      computeMs,
    });
    expect(sizes).toEqual(Array(10).fill(40));
    expect(Math.max(...latencies)).toBeLessThanOrEqual(2 + computeMs(40));
  });

  it('64 clients through maxBatchSize 32: requests also wait for the batch ahead (bound delay + 2 batches)', async () => {
    const computeMs = () => 5;
    const { sizes, latencies } = await closedLoop({
      clients: 64,
      rounds: 10,
      maxBatchSize: 32,
      delayMs: 2,
      computeMs,
    });
    expect(new Set(sizes)).toEqual(new Set([32]));
    const worst = Math.max(...latencies);
    expect(worst).toBeGreaterThan(2 + 5); // the one-batch bound does not hold when undersized…
    expect(worst).toBeLessThanOrEqual(2 + 2 * 5); // …one more batch's compute does
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
