/**
 * The batching benchmark over HTTP: a real Aegle server (src/serve/testing.ts), the MNIST model
 * registered twice (dynamic batching on: max 32, 2 ms; off: max 1), 64 closed-loop clients posting
 * OIP v2 `infer` requests (one image each, JSON tensors) for N seconds per case.
 * Run: npx tsx bench/onnx/http.ts [seconds-per-case]
 */
import { readFileSync } from 'node:fs';
import { startTestServer } from '../../src/serve/testing.js';

const DATA = new URL('../../../shared/data/onnx/', import.meta.url).pathname;
const SECONDS = Number(process.argv[2] ?? 5);
const CLIENTS = 64;

async function main() {
  const srv = await startTestServer({ env: { AEGLE_RATE_LIMIT: '100000000' } });
  const register = async (name: string, batching: object) => {
    const form = new FormData();
    form.append('model', new Blob([readFileSync(`${DATA}mnist-cntk-opset7.onnx`)]), 'mnist.onnx');
    form.append('descriptor', new Blob([JSON.stringify({ task: 'classification', batching })]), 'd.json');
    const res = await srv.fetch(`/api/v1/models/${name}/versions`, { method: 'POST', body: form });
    if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${await res.text()}`);
  };
  await register('mnist-on', { maxBatchSize: 32, maxQueueDelayMicros: 2000, maxQueueSize: 4096 });
  await register('mnist-off', { maxBatchSize: 1, maxQueueDelayMicros: 0, maxQueueSize: 4096 });
  const pixels = Array.from(
    { length: 784 },
    (_, i) => ((i * 37) % 255) * (i % 28 > 8 && i % 28 < 20 ? 1 : 0),
  );
  const body = JSON.stringify({
    inputs: [{ name: 'Input3', shape: [1, 1, 28, 28], datatype: 'FP32', data: pixels }],
  });
  console.log('| model | batching | req/s | p50 ms | p99 ms | mean batch |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, label] of [
    ['mnist-off', 'off'],
    ['mnist-on', 'on (max 32, delay 2 ms)'],
  ] as const) {
    const send = () =>
      srv.fetch(`/v2/models/${name}/infer`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
    for (let i = 0; i < 50; i++) await (await send()).arrayBuffer(); // load + warm
    const before = srv.service.models.values().find((m) => 'endpoint' in m && m.ref.name === name);
    const s0 = before && 'endpoint' in before ? before.stats() : null;
    const lat: number[] = [];
    let errors = 0;
    const end = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          const res = await send();
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
          lat.push(performance.now() - t);
        }
      }),
    );
    const s1 = before && 'endpoint' in before ? before.stats() : null;
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
    const meanBatch =
      s0 && s1 ? ((s1.completed - s0.completed) / Math.max(1, s1.batches - s0.batches)).toFixed(1) : '?';
    console.log(
      `| MNIST | ${label} | ${(lat.length / SECONDS).toFixed(0)} | ${q(0.5)} | ${q(0.99)} | ${meanBatch} |${errors ? ` ${errors} errors` : ''}`,
    );
  }
  await srv.dispose();
}

await main();
