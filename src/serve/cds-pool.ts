/**
 * The CDS Hooks services' scoring thread: one worker thread running cds-worker.ts, so parsing a 30 KB
 * prefetch, building the feature row and explaining the score do not hold the event loop while other
 * calls wait for it. Calls go to the thread in arrival order and come back in the same order (one
 * message each way); the thread keeps the models it loaded. It starts on first use, does not keep
 * the process alive when idle, is restarted after a crash (the calls in flight fail with the reason),
 * and is stopped with the server.
 */
import { Worker } from 'node:worker_threads';
import { AegleError, workerScript } from '../core/index.js';
import type { CdsModelRef, CdsScoreReply, CdsScoreResult, CdsScoreTask } from './cds-worker.js';

interface Pending {
  resolve(r: CdsScoreResult | null): void;
  reject(e: unknown): void;
}

export class CdsScoringPool {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closing = false;

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const { script, eval: isEval } = workerScript(new URL('./cds-worker.js', import.meta.url));
    const w = new Worker(script, { eval: isEval });
    w.unref();
    let crash: string | null = null;
    w.on('message', (m: { id: number; reply?: CdsScoreReply; warmed?: boolean }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.reply === undefined) {
        p.resolve(null);
        return;
      }
      const r = m.reply;
      if (r.ok) p.resolve(r.kind === 'scored' ? r.result : null);
      else if (r.error.code === null) p.reject(new Error(r.error.message));
      else p.reject(new AegleError(r.error.code, r.error.message, r.error.status, r.error.details as never));
    });
    w.on('error', (e) => {
      crash = e.message.split('\n')[0];
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = null;
      const err = new Error(
        this.closing
          ? 'the CDS scoring thread was stopped'
          : `the CDS scoring thread stopped (${crash ?? `exit code ${code}`})`,
      );
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
    this.worker = w;
    return w;
  }

  /** Scores one hook request; `null` when its prefetch is incomplete (the caller gathers and scores). */
  score(task: CdsScoreTask): Promise<CdsScoreResult | null> {
    return this.send({ task });
  }

  /** Loads a model in the thread and builds its TreeSHAP tables, so its first call does not pay. */
  async warm(ref: CdsModelRef): Promise<void> {
    await this.send({ warm: ref });
  }

  private send(msg: { task: CdsScoreTask } | { warm: CdsModelRef }): Promise<CdsScoreResult | null> {
    if (this.closing) return Promise.reject(new Error('the CDS scoring thread was stopped'));
    const w = this.ensure();
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      if (this.pending.size === 0) w.ref();
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, ...msg });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
