/**
 * CDS Hooks latency: `POST /cds-services/diabetes` (patient-view, full prefetch from a Synthea patient)
 * against the real service over loopback, 16 concurrent callers, every call with its own JWT
 * (signature via jku/kid from a loopback JWKS, aud, exp, jti replay check), audit chain and
 * prediction log on. The model: GBDT trained on the synthetic cohort as FHIR through the same code as
 * the end-to-end test (writeCohortFhir → ingestFhir → feature builder → runTrain). Target: p99 ≤ 50 ms.
 *
 * The service runs in its own process (as `aegle serve` does). The callers are wrk (`-t1 -c16`, a
 * 3 s warm-up then 10 s, bench/fhir/cds.lua; the serving benchmark's load generator) when it is
 * installed, else autocannon (`--client autocannon`: `requests` calls after 300 warm-up calls) —
 * both in their own process. Tokens are signed before timing starts, so a call costs the client a
 * header swap. Beside the latencies it prints the CPU the service and the client spent per call (from
 * /proc) and the load average: on 2 cores shared with the load generator the latencies say as much
 * about the machine as about the service.
 *
 *   npx tsx bench/fhir/cds.ts [requests=6000] [alg=ES384|RS384|ES256] [--client wrk|autocannon]
 *     [--wrk-threads N] [--dist]
 *
 * `--dist` runs the service from the built package (dist/, `npm run build` first) as `aegle serve`
 * does; by default it runs from the TypeScript sources through tsx.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { SERVER_MALLOC_ENV, SERVER_NODE_FLAGS } from '../../src/cli/relaunch.js';
import { runTrain } from '../../src/cli/commands/train.js';
import { silentLogger } from '../../src/core/index.js';
import { saveFeatures } from '../../src/dataset/index.js';
import { parseFeatureSpec } from '../../src/fhir/index.js';
import { ingestFhir } from '../../src/ingest/index.js';
import { loadConfig } from '../../src/config/index.js';
import { openDatasetStore } from '../../src/store/index.js';
import { generateCohort, NO_DEFECTS, writeCohortFhir } from '../../src/synth/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SYNTHEA = path.resolve(
  HERE,
  '../../../shared/data/fhir/synthea/Emery_Purdy_298c62e6-b204-4a14-8e21-73d5be0ce22e.json',
);
const positional = process.argv
  .slice(2)
  .filter(
    (a, i, all) =>
      !a.startsWith('--') &&
      all[i - 1] !== '--client' &&
      all[i - 1] !== '--wrk-threads' &&
      all[i - 1] !== '--rate',
  );
const N = Number(positional[0] ?? 6000);
const ALG = positional[1] ?? 'ES384';
const clientArg = process.argv.indexOf('--client');
const CLIENT =
  clientArg > 0 ? process.argv[clientArg + 1] : existsSync('/usr/bin/wrk') ? 'wrk' : 'autocannon';
/**
 * wrk's threads (`--wrk-threads N`, default 1): one thread drives the 16 connections at well under
 * its capacity (≈ 0.15 ms of its CPU per call), and a second only adds a runnable thread on the two
 * cores the service uses (measured: RS384 p99 44.7 / 48.7 ms with one, 51–62 ms with two).
 */
const wrkArg = process.argv.indexOf('--wrk-threads');
const WRK_THREADS = wrkArg > 0 ? Number(process.argv[wrkArg + 1]) : 1;
/** wrk: seconds of warm-up and of the measured run. */
const WARM_S = 3;
const RUN_S = 10;
/**
 * wrk: distinct tokens signed per second of the run (`--rate`, default 4,000). A thread that runs out
 * starts over, the service refuses the replays (401), and those fast refusals would count as calls:
 * a run with any non-2xx answer is reported as not valid.
 */
const rateArg = process.argv.indexOf('--rate');
const RATE = rateArg > 0 ? Number(process.argv[rateArg + 1]) : 4000;
/** `--dist`: the service runs from the built package (as `aegle serve` does), not from sources via tsx. */
const FROM_DIST = process.argv.includes('--dist');
if (FROM_DIST && !existsSync(path.join(HERE, '../../dist/serve/index.js')))
  throw new Error('--dist needs the built package: npm run build');
const CONNECTIONS = 16;
const ISSUER = 'https://ehr.bench';

const dir = mkdtempSync(path.join(tmpdir(), 'aegle-bench-cds-'));
const kp = await generateKeyPair(ALG);
const pub = { ...(await exportJWK(kp.publicKey)), kid: 'k1', alg: ALG };
const jwks = createServer((_req, res) => res.end(JSON.stringify({ keys: [pub] })));
await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
const home = path.join(dir, 'home');
const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const child = spawn(
  process.execPath,
  [
    ...SERVER_NODE_FLAGS,
    ...(FROM_DIST ? [] : process.execArgv), // sources: the tsx loader this bench runs under
    ...prof,
    path.join(HERE, 'cds-serve.mjs'),
    FROM_DIST ? 'dist' : 'src',
    home,
    `${ISSUER}=${jwksUrl}`,
  ],
  // with the malloc settings and V8 flags `aegle serve` gives its server process (src/cli/relaunch.ts)
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...SERVER_MALLOC_ENV } },
);
const s = await new Promise<{ url: string; key: string }>((resolve, reject) => {
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += String(d);
    if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]));
  });
  child.on('exit', (code) => reject(new Error(`service exited ${code}`)));
});
const config = loadConfig({ AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'silent' });
const api = (p: string, json: unknown) =>
  fetch(`${s.url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.key}` },
    body: JSON.stringify(json),
  });
try {
  // model
  const spec = {
    source: 'synth',
    index: { kind: 'date', date: '2023-01-01' },
    features: [
      { kind: 'age' },
      { kind: 'sex' },
      { kind: 'observation', name: 'hba1c', loinc: ['4548-4'], stats: ['last', 'count'], lookbackDays: 5475 },
      {
        kind: 'observation',
        name: 'glucose',
        loinc: ['2345-7', '2339-0', '14749-6'],
        unit: 'mg/dL',
        stats: ['last'],
        lookbackDays: 5475,
      },
      { kind: 'observation', name: 'bmi', loinc: ['39156-5'], stats: ['last'], lookbackDays: 5475 },
      {
        kind: 'condition',
        name: 'hypertension',
        codes: [
          { system: 'icd10', prefixes: ['I10'] },
          { system: 'snomed', codes: ['38341003'] },
        ],
      },
      {
        kind: 'condition',
        name: 'prediabetes',
        codes: [
          { system: 'icd10', prefixes: ['R73'] },
          { system: 'snomed', codes: ['15777000'] },
        ],
      },
    ],
    outcome: { name: 'type_2_diabetes', codes: [{ system: 'icd10', prefixes: ['E11'] }], windowDays: 365 },
  };
  await writeCohortFhir(
    generateCohort({ patients: 1500, seed: 7, defects: NO_DEFECTS }),
    path.join(dir, 'cohort'),
    { format: 'ndjson' },
  );
  const db = await openDatasetStore({ home });
  try {
    await ingestFhir(db, [path.join(dir, 'cohort')], { name: 'synth' });
    await saveFeatures(db, parseFeatureSpec(spec), 'diabetes_features');
  } finally {
    db.close();
  }
  writeFileSync(
    path.join(dir, 'train.yaml'),
    'dataset: diabetes_features\ntarget: type_2_diabetes\npreprocess:\n  steps:\n    - impute: { strategy: median }\n    - onehot: { handleUnknown: ignore }\nsplit: { type: holdout, testSize: 0.25, stratify: true, seed: 0 }\nmodel:\n  type: gbdt\n  params: { nEstimators: 100, numLeaves: 31, learningRate: 0.1 }\nmetrics: [auroc, brier]\nthreshold: 0.3\n',
  );
  const trained = await runTrain(
    { config, logger: silentLogger, out: () => {}, json: () => {}, err: () => {} },
    path.join(dir, 'train.yaml'),
    { progress: false },
  );
  const reg = await api('/api/v1/models', { name: 'diabetes', artifactId: trained.id, alias: 'cds' });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);

  // the request: a Synthea patient with full prefetch
  const entries = (
    JSON.parse(readFileSync(SYNTHEA, 'utf8')) as { entry: Array<{ resource: Record<string, any> }> }
  ).entry.map((e) => e.resource);
  const patient = entries.find((r) => r.resourceType === 'Patient')!;
  const codes = new Set(['4548-4', '2345-7', '2339-0', '14749-6', '39156-5']);
  const bundle = (rs: unknown[]) => ({
    resourceType: 'Bundle',
    type: 'searchset',
    entry: rs.map((resource) => ({ resource })),
  });
  const body = JSON.stringify({
    hook: 'patient-view',
    hookInstance: 'bench',
    context: { userId: 'Practitioner/1', patientId: patient.id },
    prefetch: {
      patient,
      observations: bundle(
        entries.filter(
          (r) =>
            r.resourceType === 'Observation' &&
            r.code.coding.some((c: { code: string }) => codes.has(c.code)),
        ),
      ),
      conditions: bundle(entries.filter((r) => r.resourceType === 'Condition')),
    },
  });
  const aud = `${s.url}/cds-services/diabetes`;
  const sign = async (i: number) =>
    new SignJWT({})
      .setProtectedHeader({ alg: ALG, kid: 'k1', jku: jwksUrl, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(aud)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(`bench-${i}`)
      .sign(kp.privateKey);
  const warm = 300;
  // wrk runs for a time, not a count: enough distinct tokens for RATE calls/s over warm-up and run
  const nTokens = CLIENT === 'wrk' ? RATE * (WARM_S + RUN_S) : N + warm;
  const tokens = await Promise.all(Array.from({ length: nTokens }, (_, i) => sign(i)));
  const check = await fetch(aud, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` },
    body,
  });
  const card = ((await check.json()) as { cards: Array<{ summary: string }> }).cards[0];
  console.error(`card: ${card.summary}`);

  const runAutocannon = (amount: number, offset: number) => {
    let i = offset;
    return autocannon({
      url: aud,
      connections: CONNECTIONS,
      amount,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            headers: { ...req.headers, authorization: `Bearer ${tokens[i++]}` },
          }),
        },
      ],
    });
  };
  /** wrk -t2 -c16 over `toks` for `seconds`; its CPU seconds from /usr/bin/time. */
  const runWrk = (toks: string[], seconds: number) => {
    const tokFile = path.join(dir, 'tokens.txt');
    const bodyFile = path.join(dir, 'body.json');
    const timeFile = path.join(dir, 'wrk-time.txt');
    writeFileSync(tokFile, `${toks.join('\n')}\n`);
    writeFileSync(bodyFile, body);
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%U %S',
        '-o',
        timeFile,
        'wrk',
        `-t${WRK_THREADS}`,
        `-c${CONNECTIONS}`,
        `-d${seconds}s`,
        '--latency',
        '--timeout',
        '5s',
        '-s',
        path.join(HERE, 'cds.lua'),
        aud,
      ],
      {
        env: { ...process.env, CDS_TOKENS: tokFile, CDS_BODY: bodyFile, CDS_THREADS: String(WRK_THREADS) },
        encoding: 'utf8',
      },
    );
    const m = /WRKJSON (\{.*\})/.exec(r.stdout);
    if (!m) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
    const [u, sy] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    const w = JSON.parse(m[1]) as Record<string, number>;
    w.cpuS = u + sy;
    return w;
  };
  /** CPU seconds (user + system) the service process has used, from /proc (Linux); null elsewhere. */
  const serviceCpu = (): number | null => {
    try {
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
    } catch {
      return null;
    }
  };
  /** Minor page faults of the service process so far (first touches of fresh memory), from /proc. */
  const serviceFaults = (): number | null => {
    try {
      return Number(readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ')[7]);
    } catch {
      return null;
    }
  };
  let measured: {
    requests: number;
    non2xx: number;
    errors: number;
    rps: number;
    latencyMs: { p50: number; p90: number; p99: number; max: number };
    clientCpuS: number;
  };
  let load0: number;
  let svc0: number | null;
  let faults0: number | null = null;
  if (CLIENT === 'wrk') {
    const warmN = RATE * WARM_S;
    runWrk(tokens.slice(1, warmN), WARM_S);
    load0 = loadavg()[0];
    svc0 = serviceCpu();
    faults0 = serviceFaults();
    const w = runWrk(tokens.slice(warmN), RUN_S);
    const ms = (v: number) => Number(v.toFixed(1));
    measured = {
      requests: w.requests,
      non2xx: w.non2xx,
      errors: w.err_connect + w.err_read + w.err_write + w.err_timeout,
      rps: Math.round(w.req_per_s),
      latencyMs: {
        p50: ms(w.lat_p50_ms),
        p90: ms(w.lat_p90_ms),
        p99: ms(w.lat_p99_ms),
        max: ms(w.lat_max_ms),
      },
      clientCpuS: w.cpuS,
    };
  } else {
    await runAutocannon(warm - 1, 1);
    load0 = loadavg()[0];
    svc0 = serviceCpu();
    faults0 = serviceFaults();
    const cli0 = process.cpuUsage();
    const r = await runAutocannon(N, warm);
    const cli = process.cpuUsage(cli0);
    measured = {
      requests: r.requests.total,
      non2xx: r.non2xx,
      errors: r.errors,
      rps: Math.round(r.requests.average),
      latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
      clientCpuS: (cli.user + cli.system) / 1e6,
    };
  }
  const svc1 = serviceCpu();
  const faults1 = serviceFaults();
  const perCall = (sec: number) => Number(((sec * 1000) / measured.requests).toFixed(2));
  const out = {
    service: FROM_DIST ? 'dist (built package)' : 'sources via tsx',
    client:
      CLIENT === 'wrk'
        ? `wrk -t${WRK_THREADS} -c${CONNECTIONS} -d${RUN_S}s (after ${WARM_S} s warm-up)`
        : 'autocannon',
    requests: measured.requests,
    non2xx: measured.non2xx,
    errors: measured.errors,
    // every call answered 2xx (otherwise replayed tokens, or failures, are mixed into the figures)
    valid: measured.non2xx === 0 && measured.errors === 0,
    rps: measured.rps,
    latencyMs: measured.latencyMs,
    connections: CONNECTIONS,
    jwtAlg: ALG,
    cpuMsPerCall: {
      service: svc0 === null || svc1 === null ? null : perCall(svc1 - svc0),
      client: perCall(measured.clientCpuS),
    },
    // first touches of fresh memory: on a VM that backs guest memory lazily each costs microseconds
    pageFaultsPerCall:
      faults0 === null || faults1 === null
        ? null
        : Number(((faults1 - faults0) / measured.requests).toFixed(1)),
    cpus: cpus().length,
    loadAvg1m: { before: Number(load0.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
    target: { p99Ms: 50 },
  };
  console.log(JSON.stringify(out, null, 2));
  if (!out.valid)
    console.error(
      `NOT VALID: ${measured.non2xx} non-2xx answers and ${measured.errors} errors (out of tokens? raise --rate)`,
    );
  writeFileSync(path.join(HERE, `cds-results-${ALG}.json`), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  child.kill();
  jwks.close();
  rmSync(dir, { recursive: true, force: true });
}
