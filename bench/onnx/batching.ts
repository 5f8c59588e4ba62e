/**
 * Throughput and p99 latency of 64 closed-loop in-process clients through `OnnxEndpoint`, dynamic
 * batching off (maxBatchSize 1) and on, for the ONNX-zoo MNIST and SqueezeNet fp16 models, with the
 * latency bound checked in the same run.
 *
 * The bound (Triton's dynamic batcher, and src/runtime/batcher.ts): with at most maxBatchSize rows in
 * flight, a request takes at most maxQueueDelay plus one batch's compute. Batching runs with
 * maxBatchSize = the 64 clients, and the bound is checked per request: each request's latency minus
 * the compute of the batch it rode in (the batch's round trip to the model thread, as the batcher
 * times it) must stay within maxQueueDelay — its p99 and maximum are printed. Since one batch's
 * compute varies (2–3× between median and p99 on a shared 2-core machine), the row also compares
 * the p99 latency with maxQueueDelay + the median compute of a full batch, a stricter reading that
 * holds only where compute is steady. With batching off no such bound applies (each request queues
 * behind the other 63); the row shows 64 × the median one-row compute for reference.
 *
 * Each case warms up (new batch shapes cost onnxruntime an allocation the first time), then measures
 * for `seconds` and at least `minBatches` batches (SqueezeNet's full batch takes seconds).
 *
 * Sessions run on the model's worker thread (`worker`, the default) or on the event loop's (`main`).
 *
 * Run: npx tsx bench/onnx/batching.ts [seconds-per-case] [intra-op threads] [spin|nospin] [worker|main]
 */
import { loadavg } from 'node:os';
import { OnnxEndpoint, type TensorData, toFloat16Array } from '../../src/runtime/onnx/index.js';

const DATA = new URL('../../../shared/data/onnx/', import.meta.url).pathname;
const SECONDS = Number(process.argv[2] ?? 5);
const THREADS = process.argv[3] ? Number(process.argv[3]) : undefined;
const SPINNING = process.argv[4] === 'spin';
const THREAD = process.argv[5] === 'main' ? 'main' : 'worker';
const CLIENTS = 64;

interface Case {
  readonly name: string;
  readonly file: string;
  readonly feed: () => Record<string, TensorData>;
  readonly delayMicros: number;
  readonly minBatches: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const quantile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function bench(c: Case, batching: boolean) {
  const maxBatchSize = batching ? CLIENTS : 1;
  const ep = await OnnxEndpoint.create(`${DATA}${c.file}`, {
    ...(THREADS ? { intraOpThreads: THREADS } : {}),
    intraOpSpinning: SPINNING,
    thread: THREAD,
    batching: batching ? { maxBatchSize, maxQueueDelayMicros: c.delayMicros, maxQueueSize: 4096 } : false,
  });
  const f = c.feed();
  let lat: number[] = [];
  let compute: number[] = [];
  let queued: number[] = [];
  let excess: number[] = [];
  let batches = 0;
  // the batch that just finished: its callers' continuations run after onBatch and before the next
  // batch can finish (one batch executes at a time), so each request is paired with its own batch
  let lastBatchMs = 0;
  ep.onBatch = (rows, secs) => {
    batches++;
    lastBatchMs = secs * 1000;
    if (rows === maxBatchSize) compute.push(secs * 1000);
  };
  ep.onRequest = (queueSecs) => queued.push(queueSecs * 1000);
  const loop = async (until: () => boolean) =>
    Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (!until()) {
          const t = performance.now();
          await ep.infer(f);
          const l = performance.now() - t;
          lat.push(l);
          excess.push(l - lastBatchMs);
        }
      }),
    );
  // warm-up: two full rounds
  await loop(() => batches >= (batching ? 2 : 2 * CLIENTS));
  lat = [];
  compute = [];
  queued = [];
  excess = [];
  batches = 0;
  const load0 = loadavg()[0];
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  const minBatches = batching ? c.minBatches : c.minBatches * CLIENTS;
  await loop(() => performance.now() >= end && batches >= minBatches);
  const wall = (performance.now() - t0) / 1000;
  const st = ep.stats();
  await ep.close();
  lat.sort((a, b) => a - b);
  queued.sort((a, b) => a - b);
  excess.sort((a, b) => a - b);
  const computeMs = median(compute);
  compute.sort((a, b) => a - b);
  return {
    rps: lat.length / wall,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    meanBatch: st.completed / st.batches,
    computeMs,
    computeP99: quantile(compute, 0.99),
    queueP99: quantile(queued, 0.99),
    excessP99: quantile(excess, 0.99),
    excessMax: excess[excess.length - 1],
    bound: batching ? c.delayMicros / 1000 + computeMs : CLIENTS * computeMs,
    batches,
    load: (load0 + loadavg()[0]) / 2,
  };
}

const mnist = () => ({
  Input3: { dtype: 'float32' as const, shape: [1, 1, 28, 28], data: new Float32Array(784).fill(10) },
});
const squeeze = () => ({
  data_0: {
    dtype: 'float16' as const,
    shape: [1, 3, 224, 224],
    data: toFloat16Array(new Float32Array(3 * 224 * 224).fill(0.5)),
  },
});
const CASES: Case[] = [
  { name: 'MNIST', file: 'mnist-cntk-opset7.onnx', feed: mnist, delayMicros: 2000, minBatches: 50 },
  {
    name: 'SqueezeNet fp16',
    file: 'squeezenet1.0-fp16.onnx',
    feed: squeeze,
    delayMicros: 5000,
    minBatches: 8,
  },
];

console.log(
  `${CLIENTS} closed-loop clients, ${SECONDS} s per case, intra-op threads ${THREADS ?? 'default'}, spinning ${SPINNING ? 'on' : 'off'}, sessions on the ${THREAD === 'main' ? 'event loop thread' : 'model worker thread'}`,
);
console.log(
  '| model | batching | req/s | p50 ms | p99 ms | beyond own batch p99 / max ms | ≤ delay (p99) | p99 vs delay + median full batch ms | queue-wait p99 ms | full-batch compute median / p99 ms | mean batch | batches | load |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const c of CASES) {
  let offRps = 0;
  for (const on of [false, true]) {
    const r = await bench(c, on);
    if (!on) offRps = r.rps;
    const mode = on ? `on (max ${CLIENTS}, delay ${c.delayMicros / 1000} ms)` : 'off';
    const delayMs = c.delayMicros / 1000;
    const vsMedian = on
      ? `${r.p99.toFixed(1)} ${r.p99 <= r.bound ? '≤' : '>'} ${r.bound.toFixed(1)} (${delayMs} + ${r.computeMs.toFixed(1)})`
      : `— (64 × ${r.computeMs.toFixed(2)} = ${r.bound.toFixed(0)})`;
    const beyond = `${r.excessP99.toFixed(1)} / ${r.excessMax.toFixed(1)}`;
    const met = on ? (r.excessP99 <= delayMs ? 'yes' : 'NO') : '—';
    const speedup = on ? ` (${(r.rps / offRps).toFixed(2)}×)` : '';
    console.log(
      `| ${c.name} | ${mode} | ${r.rps.toFixed(0)}${speedup} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${beyond} | ${met} | ${vsMedian} | ${r.queueP99.toFixed(1)} | ${r.computeMs.toFixed(1)} / ${r.computeP99.toFixed(1)} | ${r.meanBatch.toFixed(1)} | ${r.batches} | ${r.load.toFixed(1)} |`,
    );
  }
}
