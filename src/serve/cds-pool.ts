/**
 * The CDS Hooks services' scoring threads: worker threads running cds-worker.ts, so parsing a 30 KB
 * prefetch, building the feature row and explaining the score do not hold the event loop while other
 * calls wait for it. Each call goes to the thread with the fewest calls in flight; a thread answers
 * its calls in the order it got them (one message each way) and keeps the models it loaded. Threads
 * start on first use, do not keep the process alive when idle, are restarted after a crash (the
 * calls in flight on that thread fail with the reason), and are stopped with the server.
 *
 * How many: `threads`, by default one per core beyond the event loop's, at least one and at most
 * four (on 2 cores, one: a second would only take CPU from the event loop and the load's other work).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fromWireError, workerScript } from '../core/index.js';
import type { CdsModelRef, CdsScoreReply, CdsScoreResult, CdsScoreTask } from './cds-worker.js';

interface Pending {
  resolve(r: CdsScoreResult | null): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker | null;
  readonly pending: Map<number, Pending>;
}

export function defaultCdsThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

export class CdsScoringPool {
  private readonly slots: Slot[];
  private nextId = 0;
  private closing = false;

  constructor(threads = defaultCdsThreads()) {
    this.slots = Array.from({ length: Math.max(1, threads) }, () => ({ worker: null, pending: new Map() }));
  }

  private ensure(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const { script, eval: isEval } = workerScript(new URL('./cds-worker.js', import.meta.url));
    const w = new Worker(script, { eval: isEval });
    w.unref();
    let crash: string | null = null;
    w.on('message', (m: { id: number; reply?: CdsScoreReply; warmed?: boolean }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (slot.pending.size === 0) w.unref();
      if (m.reply === undefined) {
        p.resolve(null);
        return;
      }
      const r = m.reply;
      if (r.ok) p.resolve(r.kind === 'scored' ? r.result : null);
      else p.reject(fromWireError(r.error));
    });
    w.on('error', (e) => {
      crash = e.message.split('\n')[0];
    });
    w.on('exit', (code) => {
      if (slot.worker === w) slot.worker = null;
      const err = new Error(
        this.closing
          ? 'the CDS scoring thread was stopped'
          : `the CDS scoring thread stopped (${crash ?? `exit code ${code}`})`,
      );
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    });
    slot.worker = w;
    return w;
  }

  /** Scores one hook request; `null` when its prefetch is incomplete (the caller gathers and scores). */
  score(task: CdsScoreTask): Promise<CdsScoreResult | null> {
    let slot = this.slots[0];
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    return this.send(slot, { task });
  }

  /** Loads a model in every thread and builds its TreeSHAP tables, so its first calls do not pay. */
  async warm(ref: CdsModelRef): Promise<void> {
    await Promise.all(this.slots.map((s) => this.send(s, { warm: ref })));
  }

  private send(
    slot: Slot,
    msg: { task: CdsScoreTask } | { warm: CdsModelRef },
  ): Promise<CdsScoreResult | null> {
    if (this.closing) return Promise.reject(new Error('the CDS scoring thread was stopped'));
    const w = this.ensure(slot);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      if (slot.pending.size === 0) w.ref();
      slot.pending.set(id, { resolve, reject });
      w.postMessage({ id, ...msg });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async (s) => {
        const w = s.worker;
        s.worker = null;
        if (w) await w.terminate();
      }),
    );
  }
}
