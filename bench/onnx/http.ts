/**
 * The batching benchmark over HTTP: a real Aegle server (src/serve/testing.ts), the MNIST model
 * registered twice (dynamic batching on: max 64 = the clients, 2 ms; off: max 1), 64 closed-loop clients
 * posting OIP v2 `infer` requests (one image each, JSON tensors) for N seconds per case.
 *
 * Two latencies per case: end to end (what the client sees: HTTP, JSON, auth, audit and the batcher)
 * and in the batcher (submit → result, what the Triton bound speaks of). The bound printed is
 * maxQueueDelay + the median compute of a full batch of 64, measured on the served endpoint just
 * before the case. End to end, 64 closed-loop clients keep the server saturated, so by Little's law
 * the end-to-end latency is 64 / throughput whatever the batcher does; only the in-batcher part can
 * be held to the bound.
 *
 * The clients are wrk (`wrk`, the default when installed: `-t2 -c64`, its own process, the serving
 * benchmark's post.lua), or fetch loops on the server's event loop (`loop`) or on a worker thread
 * of the server's process (`thread`). Either way the case also reports the server event loop's
 * delay (p99 and max, `monitorEventLoopDelay`): a timer or a worker's answer waits that long for the
 * loop, so it shows how much of the in-batcher time is the loop's HTTP work rather than the batcher.
 * Run: npx tsx bench/onnx/http.ts [seconds-per-case] [wrk|loop|thread]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { OnnxServedModel } from '../../src/runtime/index.js';
import { startTestServer } from '../../src/serve/testing.js';

const DATA = new URL('../../../shared/data/onnx/', import.meta.url).pathname;
const SECONDS = Number(process.argv[2] ?? 5);
const CLIENTS = 64;
const DELAY_MICROS = 2000;
const CLIENT_MODE = process.argv[3] ?? (existsSync('/usr/bin/wrk') ? 'wrk' : 'thread');
const CLIENTS_ON_THREAD = CLIENT_MODE === 'thread';
const CLIENTS_WRK = CLIENT_MODE === 'wrk';

/** The closed-loop clients as a worker script (plain JS: it only fetches). */
const CLIENT_SCRIPT = `
const { parentPort, workerData: w } = require('node:worker_threads');
(async () => {
  const lat = [];
  let errors = 0;
  const end = performance.now() + w.seconds * 1000;
  const headers = { 'content-type': 'application/json', authorization: 'Bearer ' + w.key };
  await Promise.all(Array.from({ length: w.clients }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const res = await fetch(w.url, { method: 'POST', body: w.body, headers });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      lat.push(performance.now() - t);
    }
  }));
  parentPort.postMessage({ lat, errors });
})();
`;

/** Runs the clients on a worker thread; resolves with their latencies (ms) and error count. */
function clientsOnThread(url: string, key: string, body: string): Promise<{ lat: number[]; errors: number }> {
  const w = new Worker(CLIENT_SCRIPT, {
    eval: true,
    workerData: { url, key, body, seconds: SECONDS, clients: CLIENTS },
  });
  return new Promise((resolve, reject) => {
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

/** wrk (-t2, 64 connections) in its own process; resolves with its summary (latencies in ms). */
function clientsWrk(
  url: string,
  key: string,
  body: string,
): Promise<{ lat: number[]; errors: number; wrk: Record<string, number> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aegle-bench-onnx-'));
  const bodyFile = path.join(dir, 'body.json');
  writeFileSync(bodyFile, body);
  const lua = new URL('../../../shared/peers/serve/post.lua', import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    const p = spawn(
      'wrk',
      [
        '-t2',
        `-c${CLIENTS}`,
        `-d${SECONDS}s`,
        '--latency',
        '--timeout',
        '5s',
        '-s',
        lua,
        '-H',
        `Authorization: Bearer ${key}`,
        url,
      ],
      { env: { ...process.env, WRK_BODY: bodyFile } },
    );
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', () => {
      const m = /WRKJSON (\{.*\})/.exec(out);
      if (!m) return reject(new Error(`wrk failed: ${out}`));
      const w = JSON.parse(m[1]) as Record<string, number>;
      resolve({
        lat: [],
        errors: w.non2xx + w.err_connect + w.err_read + w.err_write + w.err_timeout,
        wrk: w,
      });
    });
  });
}

const quantile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

async function main() {
  const srv = await startTestServer({ env: { AEGLE_RATE_LIMIT: '100000000' } });
  const register = async (name: string, batching: object) => {
    const form = new FormData();
    form.append('model', new Blob([readFileSync(`${DATA}mnist-cntk-opset7.onnx`)]), 'mnist.onnx');
    form.append('descriptor', new Blob([JSON.stringify({ task: 'classification', batching })]), 'd.json');
    const res = await srv.fetch(`/api/v1/models/${name}/versions`, { method: 'POST', body: form });
    if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${await res.text()}`);
  };
  await register('mnist-on', {
    maxBatchSize: CLIENTS,
    maxQueueDelayMicros: DELAY_MICROS,
    maxQueueSize: 4096,
  });
  await register('mnist-off', { maxBatchSize: 1, maxQueueDelayMicros: 0, maxQueueSize: 4096 });
  const pixels = Array.from(
    { length: 784 },
    (_, i) => ((i * 37) % 255) * (i % 28 > 8 && i % 28 < 20 ? 1 : 0),
  );
  const body = JSON.stringify({
    inputs: [{ name: 'Input3', shape: [1, 1, 28, 28], datatype: 'FP32', data: pixels }],
  });
  const feed = {
    Input3: { dtype: 'float32' as const, shape: [1, 1, 28, 28], data: Float32Array.from(pixels) },
  };
  console.log(
    `${CLIENTS} closed-loop HTTP clients, ${SECONDS} s per case, clients ${CLIENTS_WRK ? "from wrk -t2 (its own process, the serving benchmark's post.lua)" : CLIENTS_ON_THREAD ? "on a thread of the server's process" : "on the server's event loop"}`,
  );
  console.log(
    '| model | batching | req/s | p50 ms | p99 ms | in-batcher p99 ms | bound ms (delay + median compute of 64) | in-batcher p99 ≤ bound | queue-wait p99 ms | mean batch | loop delay p99 / max ms | load |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  let offRps = 0;
  for (const [name, label] of [
    ['mnist-off', 'off'],
    ['mnist-on', `on (max ${CLIENTS}, delay ${DELAY_MICROS / 1000} ms)`],
  ] as const) {
    const send = () =>
      srv.fetch(`/v2/models/${name}/infer`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
    for (let i = 0; i < 50; i++) await (await send()).arrayBuffer(); // load + warm
    const served = srv.service.models
      .values()
      .find((m): m is OnnxServedModel => m instanceof OnnxServedModel && m.ref.name === name);
    if (!served) throw new Error(`${name} is not loaded`);
    const ep = served.endpoint;
    // One batch's compute: full batches of 64 straight into the served endpoint (batching on only).
    const compute: number[] = [];
    const metricsHook = ep.onBatch;
    ep.onBatch = (rows, secs) => {
      metricsHook?.(rows, secs);
      if (rows === CLIENTS) compute.push(secs * 1000);
    };
    if (label !== 'off')
      for (let i = 0; i < 30; i++) await Promise.all(Array.from({ length: CLIENTS }, () => ep.infer(feed)));
    const computeMs = compute.length ? quantile(sorted(compute), 0.5) : Number.NaN;
    const inBatcher: number[] = [];
    const queued: number[] = [];
    ep.onRequest = (q, total) => {
      queued.push(q * 1000);
      inBatcher.push(total * 1000);
    };
    const s0 = served.stats();
    const load0 = loadavg()[0];
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    let lat: number[] = [];
    let errors = 0;
    let wrkSummary: Record<string, number> | null = null;
    const t0 = performance.now();
    const end = t0 + SECONDS * 1000;
    if (CLIENTS_WRK)
      ({
        lat,
        errors,
        wrk: wrkSummary,
      } = await clientsWrk(`${srv.url}/v2/models/${name}/infer`, srv.keys.admin, body));
    else if (CLIENTS_ON_THREAD)
      ({ lat, errors } = await clientsOnThread(`${srv.url}/v2/models/${name}/infer`, srv.keys.admin, body));
    else
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
    const wall = (performance.now() - t0) / 1000;
    loopDelay.disable();
    const loopMs = `${(loopDelay.percentile(99) / 1e6).toFixed(1)} / ${(loopDelay.max / 1e6).toFixed(1)}`;
    ep.onRequest = undefined;
    ep.onBatch = metricsHook;
    const s1 = served.stats();
    const load = (load0 + loadavg()[0]) / 2;
    const e2e = sorted(lat);
    const inB = sorted(inBatcher);
    const rps = wrkSummary ? wrkSummary.req_per_s : lat.length / wall;
    const p50 = wrkSummary ? wrkSummary.lat_p50_ms : quantile(e2e, 0.5);
    const p99 = wrkSummary ? wrkSummary.lat_p99_ms : quantile(e2e, 0.99);
    if (label === 'off') offRps = rps;
    const meanBatch = (s1.completed - s0.completed) / Math.max(1, s1.batches - s0.batches);
    const bound = DELAY_MICROS / 1000 + computeMs;
    const inP99 = quantile(inB, 0.99);
    const on = label !== 'off';
    console.log(
      `| MNIST | ${label} | ${rps.toFixed(0)}${on ? ` (${(rps / offRps).toFixed(2)}×)` : ''} | ${p50.toFixed(1)} | ${p99.toFixed(1)} | ${inP99.toFixed(1)} | ${on ? `${bound.toFixed(1)} (${DELAY_MICROS / 1000} + ${computeMs.toFixed(1)})` : '—'} | ${on ? (inP99 <= bound ? 'yes' : 'NO') : '—'} | ${quantile(sorted(queued), 0.99).toFixed(1)} | ${meanBatch.toFixed(1)} | ${loopMs} | ${load.toFixed(1)} |${errors ? ` ${errors} errors` : ''}`,
    );
  }
  await srv.dispose();
}

await main();
