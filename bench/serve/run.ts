/**
 * Serving benchmark: single-row predict of the breast-cancer GBDT over loopback with 16 connections,
 * beside the FastAPI peer (../shared/peers/serve/) measured in the same run with the same load
 * generator (wrk -t2 -c16 -d10s after a 3 s warm-up), audit chain and prediction log on (each
 * response waits for its group commit). Two Aegle runs: `?factors=0` does the peer's work
 * (probability + label), the default adds the top 5 TreeSHAP factors. Then a 10,000-row batch
 * predict (7.6 MB of JSON rows, sent as bytes), with and without factors: time to the answer's last
 * byte, as wrk measures it — from Node's fetch (15 requests each: 200 ms apart, and back to back),
 * then from wrk on one connection for 10 s. Server CPU per request (from /proc) and the load average are recorded
 * beside every figure: the machine is shared. Writes bench/serve/results.json.
 *
 *   npx tsx bench/serve/run.ts [--peer-configs async_omp1,async_h11] [--skip-peer]
 *                              [--phases single,factors,batch]   (default: all three)
 *                              [--src]   (the server from the TypeScript sources; default: dist/,
 *                                         as `aegle serve` runs it — `npm run build` first)
 *                              [--keep-home]   (keep the temporary home, with its logs, afterwards)
 *                              [--rounds N]   (N single-row pairs, Aegle then the peer; median ratio)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_MALLOC_ENV, SERVER_NODE_FLAGS } from '../../src/cli/relaunch.js';
import { loadConfig } from '../../src/config/index.js';
import { makeFrame, numericColumn } from '../../src/core/index.js';
import { modelKind } from '../../src/learn/index.js';
import { writeArtifact } from '../../src/registry/index.js';
import { createApiKey } from '../../src/serve/index.js';
import { Service } from '../../src/serve/service.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const PEER = path.resolve(ROOT, '../shared/peers/serve');
const args = process.argv.slice(2);
const peerConfigs = (
  args[args.indexOf('--peer-configs') + 1] && args.includes('--peer-configs')
    ? args[args.indexOf('--peer-configs') + 1]
    : 'async_omp1'
).split(',');
const skipPeer = args.includes('--skip-peer');
const roundsWanted = args.includes('--rounds')
  ? Math.max(1, Number(args[args.indexOf('--rounds') + 1]) || 1)
  : 1;
/** One wrk run as post.lua's summary line reports it, plus the server figures added here. */
type WrkResult = Record<string, number>;
const fromDist = !args.includes('--src');
if (fromDist && !existsSync(path.join(ROOT, 'dist/serve/index.js'))) {
  throw new Error('dist/ is missing: run `npm run build` first (or pass --src)');
}
const phases = new Set(
  (args.includes('--phases') ? (args[args.indexOf('--phases') + 1] ?? '') : 'single,factors,batch').split(
    ',',
  ),
);

// 1. The data and split the peer uses: sklearn's breast cancer, stratified 70/30, random_state=0.
const py = `
import json, numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
d = load_breast_cancer(); X, y = d.data, d.target
idx = np.arange(len(y)); tr, te = train_test_split(idx, test_size=0.3, stratify=y, random_state=0)
names = [n.replace(' ', '_') for n in d.feature_names]
print(json.dumps({"names": names, "Xtr": X[tr].tolist(), "ytr": y[tr].tolist(), "Xte": X[te].tolist()}))`;
const data = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { maxBuffer: 64 << 20 }).toString()) as {
  names: string[];
  Xtr: number[][];
  ytr: number[];
  Xte: number[][];
};
const F = data.names.length;
const n = data.Xtr.length;
const X = { data: new Float64Array(n * F), nRows: n, nCols: F, columns: data.names };
for (let j = 0; j < F; j++) for (let i = 0; i < n; i++) X.data[j * n + i] = data.Xtr[i][j];
const t0 = performance.now();
const model = await modelKind('gbdt')
  .create({})
  .fit(X, Float64Array.from(data.ytr), { task: 'binary', classes: ['0', '1'] });
const fitMs = performance.now() - t0;

// 2. A home with the model registered as champion and a key for the load generator.
const home = mkdtempSync(path.join(os.tmpdir(), 'aegle-bench-serve-'));
const cols = data.names.map((name, j) =>
  numericColumn(
    name,
    data.Xtr.map((r) => r[j]),
  ),
);
writeArtifact(path.join(home, 'artifacts', 'bc'), {
  model,
  pipeline: null,
  trainingFrame: makeFrame([...cols, numericColumn('benign', data.ytr)]),
  target: 'benign',
});
const service = await Service.create({ config: loadConfig({ AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'silent' }) });
await service.registry.register({
  artifactDir: path.join(home, 'artifacts', 'bc'),
  name: 'breast-cancer',
  alias: 'champion',
});
const { key } = await createApiKey(service.meta, { role: 'clinician', rateLimit: 1e9, label: 'bench' });
await service.close(0);

// rows from the training split: the artifact declares the training min/max as each feature's allowed
// range, and a few held-out rows fall outside it (they would be rejected with 400)
const row = Object.fromEntries(data.names.map((nm, j) => [nm, data.Xtr[0][j]]));
const bodyFile = path.join(home, 'body.json');
writeFileSync(bodyFile, JSON.stringify({ rows: [row] }));

// 3. Aegle in its own process; wrk from the peer's folder (its post.lua), same flags.
const PORT = 8791;
const server = spawn(
  process.execPath,
  [
    ...SERVER_NODE_FLAGS,
    ...(fromDist ? [] : ['--import', 'tsx']),
    // BENCH_CPU_PROF=DIR: a CPU profile of the server (written when it exits)
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    path.join(HERE, 'server.mjs'),
    fromDist ? 'dist' : 'src',
    home,
    String(PORT),
  ],
  // with the malloc settings and V8 flags `aegle serve` gives its server process (src/cli/relaunch.ts)
  { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...SERVER_MALLOC_ENV } },
);
await new Promise<void>((resolve, reject) => {
  server.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
  server.on('exit', (c) => reject(new Error(`server exited ${c}`)));
});
process.on('exit', () => server.kill('SIGKILL'));
const url = `http://127.0.0.1:${PORT}/api/v1/models/breast-cancer/predict`;
const check = await (
  await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: readFileSync(bodyFile),
  })
).json();
/** utime + stime of the server process, in seconds. */
const serverCpu = () => {
  const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
/** Minor page faults of the server process so far (a first touch of fresh memory). */
const serverFaults = () =>
  Number(readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ')[7]);
const load = () => Number(os.loadavg()[0].toFixed(2));
const wrk = (d: string, query = '', opts: { connections?: number; body?: string } = {}) => {
  const c0 = serverCpu();
  const f0 = serverFaults();
  const connections = opts.connections ?? 16;
  const r = spawnSync(
    'wrk',
    [
      `-t${Math.min(2, connections)}`,
      `-c${connections}`,
      `-d${d}`,
      '--latency',
      '--timeout',
      '5s',
      '-s',
      'post.lua',
      '-H',
      `Authorization: Bearer ${key}`,
      url + query,
    ],
    { cwd: PEER, env: { ...process.env, WRK_BODY: opts.body ?? bodyFile }, encoding: 'utf8' },
  );
  const m = /WRKJSON (\{.*\})/.exec(r.stdout);
  if (!m) return null;
  const out = JSON.parse(m[1]) as Record<string, number>;
  out.server_cpu_s = Number((serverCpu() - c0).toFixed(2));
  out.server_cpu_us_per_req = Math.round((out.server_cpu_s * 1e6) / out.requests);
  out.server_page_faults_per_req = Math.round((serverFaults() - f0) / out.requests);
  out.load1 = load();
  return out;
};
// 3b. The peer, in the same run, right after each single-row measurement of Aegle (the machine's
// speed drifts over minutes: the pair is taken under the same conditions; the Aegle server idles
// meanwhile). With --rounds N the pair is taken N times and the median ratio is reported.
const runPeer = (): Record<string, WrkResult> | null => {
  if (skipPeer || !existsSync(path.join(PEER, 'run_serve_bench.sh'))) return null;
  spawnSync('bash', [path.join(PEER, 'run_serve_bench.sh'), ...peerConfigs], { cwd: PEER, stdio: 'inherit' });
  const f = path.join(PEER, 'serve_bench.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')).runs : null;
};
const bestOf = (p: Record<string, WrkResult> | null) =>
  p ? Object.values(p).reduce((a, b) => (b.req_per_s > a.req_per_s ? b : a)) : null;
// like for like with the peer (probability and label), then the default answer (with top factors)
const rounds: { aegle: WrkResult | null; peer: Record<string, WrkResult> | null; ratio: number | null }[] =
  [];
for (let r = 0; r < (phases.has('single') ? roundsWanted : 0); r++) {
  wrk('3s', '?factors=0');
  const a = wrk('10s', '?factors=0');
  const p = runPeer();
  const b = bestOf(p);
  rounds.push({ aegle: a, peer: p, ratio: a && b ? Number((a.req_per_s / b.req_per_s).toFixed(2)) : null });
}
// the round with the median ratio stands for the run (every round is kept in `rounds`)
const ranked = rounds.filter((r) => r.ratio !== null).sort((x, y) => x.ratio! - y.ratio!);
const median = ranked.length ? ranked[Math.floor((ranked.length - 1) / 2)] : (rounds[0] ?? null);
const aegle = median?.aegle ?? null;
let peer = median?.peer ?? null;
if (phases.has('factors')) wrk('3s');
const aegleFactors = phases.has('factors') ? wrk('10s') : null;

// 4. The 10,000-row batch: time to the answer's last byte per request (median of 15), with the
// server's CPU (all threads) and page faults per request from /proc.
const big = JSON.stringify({
  rows: Array.from({ length: 10_000 }, (_, i) =>
    Object.fromEntries(data.names.map((nm, j) => [nm, data.Xtr[i % data.Xtr.length][j]])),
  ),
});
const bigBytes = Buffer.from(big);
let shed = 0;
const batchRun = async (pauseMs: number, query = '') => {
  const times: number[] = [];
  let cpu0 = 0;
  let faults0 = 0;
  for (let k = 0; k < 17; k++) {
    if (k === 2) {
      cpu0 = serverCpu();
      faults0 = serverFaults();
    }
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    const t = performance.now();
    const r = await fetch(url + query, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      // the encoded bytes, as a client holding the request would send them (a string body is
      // re-encoded by fetch on every call: 7.5 MB of fresh client memory, which this bench is not about)
      body: bigBytes,
    });
    // time to the last byte of the answer (as wrk measures); the client's own parse of it comes after
    const answer = Buffer.from(await r.arrayBuffer());
    const ms = performance.now() - t;
    const j = JSON.parse(answer.toString('utf8')) as { predictions?: unknown[] };
    if (r.status === 503) {
      // load shedding (event loop behind): retry after the Retry-After second, untimed
      shed++;
      await new Promise((res) => setTimeout(res, 1000));
      k--;
      continue;
    }
    if (r.status !== 200 || j.predictions?.length !== 10_000) throw new Error(`batch failed: ${r.status}`);
    if (k >= 2) times.push(ms);
  }
  const cpuMs = ((serverCpu() - cpu0) * 1000) / times.length;
  const faults = (serverFaults() - faults0) / times.length;
  times.sort((a, b) => a - b);
  return {
    medianMs: Math.round(times[Math.floor(times.length / 2)]),
    // server CPU per request (all its threads), beside the client's wall time
    serverCpuMs: Math.round(cpuMs),
    serverPageFaults: Math.round(faults),
    minMs: Math.round(times[0]),
    maxMs: Math.round(times[times.length - 1]),
    load1: load(),
  };
};
// isolated (200 ms apart) and back to back; each response waits for its own prediction-log record
// and audit entry to be committed
const batchNoFactors = phases.has('batch') ? await batchRun(200, '?factors=0') : null;
const batchIsolated = phases.has('batch') ? await batchRun(200) : null;
const batchBackToBack = phases.has('batch') ? await batchRun(0) : null;
// the same batch from wrk on one connection (a request as soon as the last answer ends), as the
// single-row figures are taken: latency percentiles over 10 s, with a client that costs the
// machine next to nothing (Node's fetch above spends milliseconds of the shared 2 cores per request)
const bigFile = path.join(home, 'big.json');
writeFileSync(bigFile, bigBytes);
const wrkBatch = (query: string) => {
  const r = wrk('10s', query, { connections: 1, body: bigFile });
  return r && { ...r, non2xx_or_errors: r.non2xx + r.err_read + r.err_write + r.err_timeout };
};
const batchWrkNoFactors = phases.has('batch') ? wrkBatch('?factors=0') : null;
const batchWrkFactors = phases.has('batch') ? wrkBatch('') : null;
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
// the home holds every logged request (2.4 MB of inputs per 10,000-row batch: over 1 GB a run)
if (!args.includes('--keep-home')) rmSync(home, { recursive: true, force: true });

// without the single-row phase, the peer alone (for the factors ratio)
if (!phases.has('single') && phases.has('factors')) peer = runPeer();
const best = bestOf(peer)?.req_per_s ?? null;
const results = {
  machine: { cpus: os.cpus().length, node: process.version },
  server: fromDist ? 'dist (built package)' : 'sources via tsx',
  model: { kind: 'gbdt (defaults)', features: F, trainRows: n, fitMs: Math.round(fitMs) },
  check,
  aegle,
  aegleFactors,
  batch10k: {
    bodyBytes: big.length,
    noFactors: batchNoFactors,
    isolated: batchIsolated,
    backToBack: batchBackToBack,
    shed503: shed,
    wrkOneConnection: { noFactors: batchWrkNoFactors, withFactors: batchWrkFactors },
  },
  peer,
  ratio: best && aegle ? Number((aegle.req_per_s / best).toFixed(2)) : null,
  rounds: rounds.map((r) => ({
    aegleReqPerS: r.aegle?.req_per_s ?? null,
    aegleP99Ms: r.aegle?.lat_p99_ms ?? null,
    aegleCpuUsPerReq: r.aegle?.server_cpu_us_per_req ?? null,
    peerReqPerS: bestOf(r.peer)?.req_per_s ?? null,
    ratio: r.ratio,
  })),
  ratioWithFactors: best && aegleFactors ? Number((aegleFactors.req_per_s / best).toFixed(2)) : null,
  // server CPU per request, peer's best configuration over Aegle's (less sensitive to the other
  // processes sharing the machine than requests/s)
  cpuRatio: (() => {
    const b = bestOf(peer);
    return b?.server_cpu_s && aegle
      ? Number(((b.server_cpu_s * 1e6) / b.requests / aegle.server_cpu_us_per_req).toFixed(2))
      : null;
  })(),
};
writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
