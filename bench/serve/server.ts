/** The Aegle server process of the serving benchmark: `npx tsx bench/serve/server.ts HOME PORT`. */
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/serve/index.js';

const [home, port] = process.argv.slice(2);
const config = loadConfig({ AEGLE_HOME: home, AEGLE_LOG_LEVEL: 'warn', AEGLE_PORT: port });
const server = await startServer(config, { handleSignals: true });
process.stdout.write(`READY ${server.url}\n`);
