/**
 * Loads every stage's error definitions (each registers its codes on import) and renders the
 * docs/ERRORS.md table. `npm run docs:errors` rewrites the file; a test checks it is up to date.
 */
import './config/index.js';
import './store/index.js';
import './ingest/index.js';
import './dataset/index.js';
import './transform/index.js';
import './learn/index.js';
import './evaluate/index.js';
import './registry/index.js';
import './synth/index.js';
import './analysis/index.js';
import './privacy/index.js';
import './runtime/onnx/index.js';
import './explain/index.js';
import './report/index.js';
import './runtime/llm/index.js';
import './runtime/index.js';
import './jobs/index.js';
import './monitor/index.js';
import './serve/index.js';
import { errorCatalog } from './core/index.js';

export function renderErrorDocs(): string {
  const rows = errorCatalog().map(
    ([code, d]) =>
      `| \`${code}\` | ${d.status} | ${d.message.replace(/\|/g, '\\|')} | ${d.fix.replace(/\|/g, '\\|')} |`,
  );
  return [
    '# Error codes',
    '',
    'Every error Aegle raises on purpose has a stable code `AEGLE_<STAGE>_<WHAT>` (never reused), an HTTP',
    'status (what the API answers), a message template (`{…}` are filled in) and a fix. The CLI prints',
    '`error CODE: message` on stderr and exits 1; the API answers RFC 9457 problem+json with the code.',
    'This file is generated from the catalog: `npm run docs:errors`.',
    '',
    '| code | status | message | how to fix |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
