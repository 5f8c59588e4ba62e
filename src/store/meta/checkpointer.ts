/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits also
 * checkpoints every 1,000 WAL pages: it copies them into the database file and syncs it, inside a
 * request's commit (in the serving benchmark this was a tenth of a request's CPU and most of its p99).
 * A server's metadata store instead turns automatic checkpoints off on its connection and runs a
 * PASSIVE checkpoint from a worker thread with its own connection every `intervalMs`; the writer
 * restarts the WAL from the beginning once everything in it is checkpointed, so the file stays small.
 * Under continuous writes that moment never comes, so once the WAL holds `restartFrames` frames the
 * thread restarts it itself (a RESTART checkpoint, see `checkpoint-worker.ts`): the WAL stays under
 * about that size however long the load lasts.
 *
 * If the thread fails or cannot start, the connection's automatic checkpoints come back on: the WAL
 * never grows without bound.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../core/index.js';
import type { BetterSqlite3Database } from './meta-store.js';

const AUTO_PAGES = 1000;
/**
 * WAL frames (4 kB pages) from which the thread restarts the WAL while writes continue (64 MB: at
 * the serving benchmark's ~30 MB/s of WAL, one short wait of the writer every two seconds).
 */
const RESTART_FRAMES = 16_384;

/** `Atomics.waitAsync` (ES2024; in Node since 16), which the ES2023 library here does not declare. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/** What the thread did, reported when it stops. */
export interface CheckpointStats {
  /** PASSIVE passes. */
  readonly runs: number;
  /** Frames they copied into the database file. */
  readonly frames: number;
  /** WAL restarts under load (RESTART checkpoints that finished). */
  readonly restarts: number;
  /** The longest of them, in milliseconds (the write lock is held that long). */
  readonly restartMsMax: number;
}

export class WalCheckpointer {
  private stopped = false;

  private constructor(
    private readonly worker: Worker,
    private readonly db: BetterSqlite3Database,
    /** [0] is 1 while the thread restarts the WAL (it holds the write lock then). */
    private readonly restarting: Int32Array,
  ) {}

  /** Starts the thread; resolves once its connection is open. Null (and automatic checkpoints kept) if it cannot. */
  static async start(
    db: BetterSqlite3Database,
    file: string,
    intervalMs = 250,
    restartFrames = RESTART_FRAMES,
  ): Promise<WalCheckpointer | null> {
    const { script, eval: isEval } = workerScript(new URL('./checkpoint-worker.js', import.meta.url));
    const restarting = new Int32Array(new SharedArrayBuffer(4));
    let worker: Worker;
    try {
      worker = new Worker(script, {
        eval: isEval,
        workerData: { file, intervalMs, restartFrames, restarting: restarting.buffer },
      });
    } catch {
      return null;
    }
    const ok = await new Promise<boolean>((resolve) => {
      worker.once('message', (m: { ready?: boolean }) => resolve(m?.ready === true));
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    });
    if (!ok) {
      await worker.terminate().catch(() => {});
      return null;
    }
    const c = new WalCheckpointer(worker, db, restarting);
    db.pragma('wal_autocheckpoint = 0');
    worker.on('error', () => c.fallBack());
    worker.on('exit', () => c.fallBack());
    worker.on('message', (m: { error?: string }) => {
      if (m?.error) c.fallBack();
    });
    worker.unref();
    return c;
  }

  /** Whether the thread is checkpointing (false after a stop or a failure). */
  get running(): boolean {
    return !this.stopped;
  }

  /**
   * While the thread restarts the WAL (it holds the write lock for a few milliseconds): a promise
   * that resolves when it is done, so that a writer on the event loop can wait for it without
   * blocking the loop (SQLite's busy handler would sleep the whole thread, in steps of 1, 2, 5 ms…).
   * Null when no restart is running.
   */
  restartInProgress(): Promise<void> | null {
    if (this.stopped || Atomics.load(this.restarting, 0) === 0) return null;
    const w = waitAsync(this.restarting, 0, 1, 2000);
    return w.async ? w.value.then(() => undefined) : Promise.resolve();
  }

  /** Lets writers go (the thread stopped, possibly in the middle of a restart). */
  private release(): void {
    Atomics.store(this.restarting, 0, 0);
    Atomics.notify(this.restarting, 0);
  }

  /** The thread is gone or failing: the committing connection checkpoints again. */
  private fallBack(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.release();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_PAGES}`);
    void this.worker.terminate().catch(() => {});
  }

  /** Stops the thread (before the connection closes; closing then checkpoints what is left). */
  async stop(): Promise<CheckpointStats | null> {
    if (this.stopped) return null;
    this.stopped = true;
    let stats: CheckpointStats | null = null;
    this.worker.on('message', (m: CheckpointStats & { stopped?: boolean }) => {
      if (m?.stopped)
        stats = { runs: m.runs, frames: m.frames, restarts: m.restarts, restartMsMax: m.restartMsMax };
    });
    const done = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    const timeout = setTimeout(() => void this.worker.terminate(), 2000);
    await done;
    clearTimeout(timeout);
    this.release();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_PAGES}`);
    return stats;
  }
}
