/**
 * The WAL checkpointer's thread (see `checkpointer.ts`): its own connection to the metadata
 * database, a PASSIVE checkpoint every `intervalMs` (copies committed WAL frames into the database
 * file and syncs it, without blocking the writer), and a stop on request.
 *
 * Under continuous writes a PASSIVE checkpoint never finds the WAL fully copied (new commits land
 * while it copies), and the writer restarts the WAL from its beginning only when it is: the file
 * would grow for as long as the load lasts (1.7 GB in 52 s of the serving benchmark). So once the
 * WAL holds `restartFrames` frames, the PASSIVE pass is followed by a second one and then a RESTART
 * checkpoint: it takes the write lock, copies the few frames committed since the second pass, waits
 * for readers to leave the WAL and starts it over. While it runs, a flag shared with the event loop tells the log writer there to
 * wait for it rather than meet the lock (see `WalCheckpointer.restartInProgress`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs, restartFrames, restarting } = workerData as {
  file: string;
  intervalMs: number;
  restartFrames: number;
  /** [0] is 1 while a restart runs: the event loop's log writer waits instead of meeting the lock */
  restarting: SharedArrayBuffer;
};
const flag = new Int32Array(restarting);
/** Never notified: `Atomics.wait` on it is a short sleep. */
const pause = new Int32Array(new SharedArrayBuffer(4));
const db = new Database(file);
db.pragma('busy_timeout = 1000');
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');

/** [busy, frames in the WAL, frames checkpointed] */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

let frames = 0;
let runs = 0;
let restarts = 0;
let restartMsMax = 0;
const timer = setInterval(() => {
  try {
    const r = passive.get() as CheckpointResult;
    runs++;
    frames += r.checkpointed;
    if (r.log >= restartFrames) {
      // a second pass copies what was committed during the first, so that the restart, which holds
      // the write lock, has only the last few milliseconds' frames left to copy
      frames += (passive.get() as CheckpointResult).checkpointed;
      const t0 = performance.now();
      Atomics.store(flag, 0, 1);
      let rr: CheckpointResult;
      // without a busy handler, retried every 0.1 ms for up to a second: SQLite's own handler sleeps
      // 1, 2, 5, 10 ms… between tries, far longer than the event loop's transactions take
      db.pragma('busy_timeout = 0');
      try {
        rr = restart.get() as CheckpointResult;
        for (let tries = 0; rr.busy && tries < 10_000; tries++) {
          Atomics.wait(pause, 0, 0, 0.1);
          rr = restart.get() as CheckpointResult;
        }
      } finally {
        db.pragma('busy_timeout = 1000');
        Atomics.store(flag, 0, 0);
        Atomics.notify(flag, 0);
      }
      // busy: a reader or writer kept it from finishing within the busy timeout; the next pass retries
      if (!rr.busy) {
        restarts++;
        restartMsMax = Math.max(restartMsMax, performance.now() - t0);
      }
    }
  } catch (e) {
    parentPort?.postMessage({ error: (e as Error).message });
  }
}, intervalMs);

parentPort?.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.postMessage({ stopped: true, runs, frames, restarts, restartMsMax });
  parentPort?.close();
});
parentPort?.postMessage({ ready: true });
