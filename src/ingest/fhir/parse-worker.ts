/** Worker entry of `ParsePool`: maps the chunks it is sent, one at a time, and sends the results back. */
import { parentPort } from 'node:worker_threads';
import { type ChunkTask, mapChunkSync } from './map-chunk.js';

const port = parentPort!;
port.on('message', (m: { id: number; task: ChunkTask }) => {
  try {
    const result = mapChunkSync(m.task);
    // the chunk's bytes go back too, in case the caller must map it again (see map-chunk.ts)
    const transfer = result.csv
      .filter((c): c is Uint8Array => c !== null)
      .map((c) => c.buffer as ArrayBuffer);
    transfer.push(m.task.bytes.buffer as ArrayBuffer);
    port.postMessage({ id: m.id, result, bytes: m.task.bytes }, transfer);
  } catch (e) {
    port.postMessage({ id: m.id, error: e instanceof Error ? e : new Error(String(e)) });
  }
});
port.postMessage({ ready: true });
