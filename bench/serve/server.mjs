// The serving benchmark's Aegle server, alone in its process: node [--import tsx]
// bench/serve/server.mjs dist|src HOME PORT — `dist` runs the built package (`npm run build` first) as
// `aegle serve` and `npm start` do, `src` the TypeScript sources (needs `--import tsx`). Prints READY
// and its URL, and stops gracefully on SIGTERM.
const [from, home, port] = process.argv.slice(2);
const base = from === 'dist' ? '../../dist' : '../../src';
const { loadConfig } = await import(`${base}/config/index.js`);
const { startServer } = await import(`${base}/serve/index.js`);

const config = loadConfig({ AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'warn', AEGLE_PORT: port });
const server = await startServer(config, { handleSignals: true });
process.stdout.write(`READY ${server.url}\n`);
