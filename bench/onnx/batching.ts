/**
 * Throughput and p99 latency of 64 concurrent in-process clients through the dynamic batcher, with
 * batching on (maxBatchSize 32) and off (maxBatchSize 1), for the ONNX-zoo MNIST and SqueezeNet fp16.
 * Run: npx tsx bench/onnx/batching.ts [seconds-per-case]
 */
import { OnnxEndpoint, type TensorData, toFloat16Array } from '../../src/runtime/onnx/index.js';

const DATA = new URL('../../../shared/data/onnx/', import.meta.url).pathname;
const SECONDS = Number(process.argv[2] ?? 5);
const CLIENTS = 64;

async function bench(
  file: string,
  feed: () => Record<string, TensorData>,
  batching: boolean,
  delayMicros: number,
) {
  const ep = await OnnxEndpoint.create(`${DATA}${file}`, {
    intraOpThreads: 2,
    batching: batching ? { maxBatchSize: 32, maxQueueDelayMicros: delayMicros, maxQueueSize: 4096 } : false,
  });
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const f = feed();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await ep.infer(f);
        lat.push(performance.now() - t);
      }
    }),
  );
  const st = ep.stats();
  await ep.close();
  lat.sort((a, b) => a - b);
  const meanBatch = st.completed / st.batches;
  const batchMs = (st.computeSecondsSum / st.batches) * 1000;
  return {
    rps: lat.length / SECONDS,
    p50: lat[Math.floor(lat.length * 0.5)],
    p99: lat[Math.floor(lat.length * 0.99)],
    meanBatch,
    batchMs,
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

console.log(`| model | batching | req/s | p50 ms | p99 ms | mean batch | batch compute ms |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const [name, file, feed, delay] of [
  ['MNIST', 'mnist-cntk-opset7.onnx', mnist, 2000],
  ['SqueezeNet fp16', 'squeezenet1.0-fp16.onnx', squeeze, 5000],
] as const) {
  for (const on of [false, true]) {
    const r = await bench(file, feed, on, delay);
    console.log(
      `| ${name} | ${on ? `on (max 32, delay ${delay / 1000} ms)` : 'off'} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.meanBatch.toFixed(1)} | ${r.batchMs.toFixed(1)} |`,
    );
  }
}
