import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxEndpoint, OnnxModel, type TensorData, toFloat16Array } from './index.js';

const DATA = new URL('../../../../shared/data/onnx/', import.meta.url).pathname;

/** The model's worker thread (internal: reached here only to kill it). */
const workerOf = (m: OnnxModel) => (m as unknown as { host: { worker: Worker | null } }).host.worker;

const squeezeFeed = (batch: number): Record<string, TensorData> => ({
  data_0: {
    dtype: 'float16',
    shape: [batch, 3, 224, 224],
    data: toFloat16Array(new Float32Array(batch * 3 * 224 * 224).map((_, i) => (i % 251) / 251)),
  },
});

const mnistFeed = (v: number): Record<string, TensorData> => ({
  Input3: { dtype: 'float32', shape: [1, 1, 28, 28], data: new Float32Array(784).fill(v) },
});

describe('ONNX sessions on a worker thread', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const m of opened) await m.close();
  });

  it('runs off the event loop: timers keep firing while a batch computes', async () => {
    const m = await OnnxModel.create(`${DATA}squeezenet1.0-fp16.onnx`, { intraOpThreads: 1 });
    opened.push(m);
    expect(m.thread).toBe('worker');
    const feeds = squeezeFeed(4);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    await m.run(feeds);
    const ms = performance.now() - t0;
    clearInterval(timer);
    // On the event loop's thread a run is one synchronous call: at most a tick or two get in.
    expect(ticks).toBeGreaterThan(Math.min(20, ms / 10));
    // the caller's arrays are copied, not moved: the feeds stay usable
    expect(feeds.data_0.data.length).toBe(4 * 3 * 224 * 224);
  });

  it('gives the answers of an in-thread session, single and batched', async () => {
    const w = await OnnxEndpoint.create(`${DATA}mnist-cntk-opset7.onnx`, {
      batching: { maxBatchSize: 8, maxQueueDelayMicros: 5000 },
    });
    const mainThread = await OnnxModel.create(`${DATA}mnist-cntk-opset7.onnx`, { thread: 'main' });
    opened.push(w, mainThread);
    expect(mainThread.thread).toBe('main');
    const values = [0, 10, 50, 100, 200, 255];
    const batched = await Promise.all(values.map((v) => w.infer(mnistFeed(v))));
    expect(w.stats().batches).toBeLessThan(values.length);
    for (let i = 0; i < values.length; i++) {
      const ref = await mainThread.run(mnistFeed(values[i]));
      const got = batched[i].Plus214_Output_0;
      expect(got.shape).toEqual([1, 10]);
      const want = ref.Plus214_Output_0.data as Float32Array;
      for (let j = 0; j < 10; j++) expect((got.data as Float32Array)[j]).toBeCloseTo(want[j], 3);
    }
  });

  it('runTransferringFeeds moves the feed buffers to the worker', async () => {
    const m = await OnnxModel.create(`${DATA}iris-mlp-pytorch.onnx`);
    opened.push(m);
    const feeds = { input: { dtype: 'float32' as const, shape: [2, 4], data: new Float32Array(8).fill(1) } };
    const out = await m.runTransferringFeeds(feeds, ['output']);
    expect(out.output.shape).toEqual([2, 3]);
    expect(feeds.input.data.length).toBe(0);
  });

  it('a crashed worker fails its in-flight requests with a clear error and restarts on the next one', async () => {
    const m = await OnnxModel.create(`${DATA}squeezenet1.0-fp16.onnx`, { intraOpThreads: 1 });
    opened.push(m);
    const first = workerOf(m)!;
    // an uncaught error in the worker (a malformed request) stops it before it takes the run
    first.postMessage(null);
    const inFlight = m.run(squeezeFeed(2));
    await expect(inFlight).rejects.toMatchObject({
      code: 'AEGLE_RUNTIME_ONNX_WORKER',
      message: expect.stringMatching(
        /squeezenet1\.0-fp16\.onnx' stopped \(uncaught error: .*malformed request.*restarts on the next request/,
      ),
    });
    const again = await m.run(squeezeFeed(1));
    expect(again.softmaxout_1.shape).toEqual([1, 1000, 1, 1]);
    const second = workerOf(m)!;
    expect(second).not.toBe(first);
    // a worker stopped while idle (terminate is safe only then: see session-host.ts) restarts too
    await second.terminate();
    expect((await m.run(squeezeFeed(1))).softmaxout_1.shape).toEqual([1, 1000, 1, 1]);
    expect(workerOf(m)).not.toBe(second);
  });

  it('close lets in-flight runs finish, then ends the worker; later requests fail as unloaded', async () => {
    const m = await OnnxModel.create(`${DATA}squeezenet1.0-fp16.onnx`, { warmup: false });
    const w = workerOf(m)!;
    let exited = false;
    w.once('exit', () => {
      exited = true;
    });
    const inFlight = m.run(squeezeFeed(2));
    await m.close();
    expect(exited).toBe(true);
    expect((await inFlight).softmaxout_1.shape).toEqual([2, 1000, 1, 1]);
    await expect(m.run(squeezeFeed(1))).rejects.toMatchObject({ code: 'AEGLE_RUNTIME_CLOSED' });
  });

  it('load errors keep their code', async () => {
    await expect(OnnxModel.create(new Uint8Array([1, 2, 3, 4]), { name: 'junk' })).rejects.toMatchObject({
      code: 'AEGLE_RUNTIME_ONNX_LOAD',
      message: expect.stringContaining("'junk'"),
    });
  });
});
