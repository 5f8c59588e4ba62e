/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits also
 * checkpoints every 1,000 WAL pages: it copies them into the database file and syncs it, inside a
 * request's commit (in the serving benchmark this was a tenth of a request's CPU and most of its p99).
 * A server's metadata store instead turns automatic checkpoints off on its connection and runs a
 * PASSIVE checkpoint from a worker thread with its own connection every `intervalMs`; the writer
 * restarts the WAL from the beginning once everything in it is checkpointed, so the file stays small.
 *
 * If the thread fails or cannot start, the connection's automatic checkpoints come back on: the WAL
 * never grows without bound.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../core/index.js';
import type { BetterSqlite3Database } from './meta-store.js';

const AUTO_PAGES = 1000;

export class WalCheckpointer {
  private stopped = false;

  private constructor(
    private readonly worker: Worker,
    private readonly db: BetterSqlite3Database,
  ) {}

  /** Starts the thread; resolves once its connection is open. Null (and automatic checkpoints kept) if it cannot. */
  static async start(
    db: BetterSqlite3Database,
    file: string,
    intervalMs = 250,
  ): Promise<WalCheckpointer | null> {
    const { script, eval: isEval } = workerScript(new URL('./checkpoint-worker.js', import.meta.url));
    let worker: Worker;
    try {
      worker = new Worker(script, { eval: isEval, workerData: { file, intervalMs } });
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
    const c = new WalCheckpointer(worker, db);
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

  /** The thread is gone or failing: the committing connection checkpoints again. */
  private fallBack(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_PAGES}`);
    void this.worker.terminate().catch(() => {});
  }

  /** Stops the thread (before the connection closes; closing then checkpoints what is left). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const done = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    const timeout = setTimeout(() => void this.worker.terminate(), 2000);
    await done;
    clearTimeout(timeout);
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_PAGES}`);
  }
}
