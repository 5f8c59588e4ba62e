/**
 * The WAL checkpointer's thread (see `checkpointer.ts`): its own connection to the metadata
 * database, a PASSIVE checkpoint every `intervalMs` (copies committed WAL frames into the database
 * file and syncs it, without blocking the writer), and a TRUNCATE-free stop on request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma('busy_timeout = 1000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

let frames = 0;
let runs = 0;
const timer = setInterval(() => {
  try {
    // [busy, frames in the WAL, frames checkpointed]
    const r = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    runs++;
    frames += r.checkpointed;
  } catch (e) {
    parentPort?.postMessage({ error: (e as Error).message });
  }
}, intervalMs);

parentPort?.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.postMessage({ stopped: true, runs, frames });
  parentPort?.close();
});
parentPort?.postMessage({ ready: true });
