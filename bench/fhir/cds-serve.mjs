// The CDS benchmark's service, alone in its process: node [--import tsx] bench/fhir/cds-serve.mjs
// dist|src HOME ISSUERS — `dist` runs the built package (`npm run build` first) as `aegle serve` does,
// `src` the TypeScript sources (needs `--import tsx`). Prints its URL and an admin key, runs until killed.
const [from, home, issuers] = process.argv.slice(2);
const base = from === 'dist' ? '../../dist' : '../../src';
const { loadConfig } = await import(`${base}/config/index.js`);
const { createApiKey, startServer } = await import(`${base}/serve/index.js`);

const config = loadConfig({ AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'silent', AEGLE_CDS_ISSUERS: issuers });
const server = await startServer(config, {
  httpLogger: false,
  port: 0,
  host: '127.0.0.1',
  defaultMetrics: false,
});
const { key } = await createApiKey(server.service.meta, { role: 'admin', label: 'bench' });
console.log(JSON.stringify({ url: server.url, key }));
// exit (not die) on SIGTERM so that --cpu-prof (BENCH_CPU_PROF) writes its profile
process.on('SIGTERM', () => process.exit(0));
