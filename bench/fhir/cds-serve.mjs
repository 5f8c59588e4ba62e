// The CDS benchmark's service from the built package (dist/, `npm run build` first), as `aegle serve`
// runs: node bench/fhir/cds-serve.mjs HOME ISSUERS — prints its URL and an admin key, runs until killed.
import { loadConfig } from '../../dist/config/index.js';
import { createApiKey, startServer } from '../../dist/serve/index.js';

const [home, issuers] = process.argv.slice(2);
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
