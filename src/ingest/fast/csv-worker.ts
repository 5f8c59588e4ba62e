/** Worker thread of the fast CSV path: converts one byte range per message (see csv-scan.ts). */
import { parentPort } from 'node:worker_threads';
import { convertRange, type RangeTask } from './csv-scan.js';

parentPort?.on('message', (task: RangeTask) => {
  try {
    parentPort?.postMessage({ result: convertRange(task) });
  } catch (e) {
    parentPort?.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
