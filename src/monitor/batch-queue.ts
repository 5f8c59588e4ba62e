/**
 * A batching writer with group commit. Two ways in:
 * - `commit(item)` resolves once the item is written (what a request waits for before it answers, so
 *   that whatever was acknowledged is in the log). Items arriving while a write runs, or in the same
 *   turn of the event loop, share the next write — one transaction for all of them — which is started
 *   as soon as the previous one ends (no timer);
 * - `push(item)` returns at once; the item is written with the next batch, at the latest `flushMs`
 *   later (write-behind, for callers that do not wait).
 * One write runs at a time, in arrival order, at most `batchSize` items each. A failed write rejects
 * the commits waiting on it, keeps its items at the head of the queue and is retried (with back-off),
 * so nothing is dropped while the database is briefly away. `close()` writes everything.
 */
import type { Logger } from '../core/index.js';
import { silentLogger } from '../core/index.js';

export interface BatchQueueOptions<T> {
  readonly name: string;
  readonly flushMs: number;
  readonly batchSize: number;
  readonly write: (items: T[]) => Promise<void> | void;
  readonly logger?: Logger;
}

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}

export class BatchQueue<T> {
  private items: T[] = [];
  /** Aligned with `items`: who waits for each (undefined: nobody). */
  private waiters: (Waiter | undefined)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private failures = 0;
  private readonly logger: Logger;

  constructor(private readonly opts: BatchQueueOptions<T>) {
    this.logger = opts.logger ?? silentLogger;
  }

  /** Items waiting to be written. */
  get depth(): number {
    return this.items.length;
  }

  /** Queues an item for the next batch (write-behind: returns at once). */
  push(item: T): void {
    if (this.closed) throw new Error(`${this.opts.name} queue is closed`);
    this.items.push(item);
    this.waiters.push(undefined);
    if (this.items.length >= this.opts.batchSize) this.kickSoon();
    else if (!this.timer && !this.soon && !this.running) {
      this.timer = setTimeout(() => this.kick(), this.opts.flushMs);
      this.timer.unref();
    }
  }

  /** Queues an item and resolves when the write holding it has committed (group commit). */
  commit(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.opts.name} queue is closed`));
    return new Promise<void>((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      this.kickSoon();
    });
  }

  /** Starts a write after the current turn of the event loop (so that its arrivals join it). */
  private kickSoon(): void {
    if (this.soon || this.running) return; // a running drain picks the new items up when it ends
    this.soon = setImmediate(() => {
      this.soon = null;
      this.kick();
    });
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.items.length && !this.closed) {
        if (this.failures) {
          this.timer = setTimeout(() => this.kick(), Math.min(5000, this.opts.flushMs * 2 ** this.failures));
          this.timer.unref();
        } else this.kickSoon();
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.items.length) {
      const batch = this.items.slice(0, this.opts.batchSize);
      try {
        await this.opts.write(batch);
      } catch (e) {
        this.failures++;
        this.logger.error(
          { queue: this.opts.name, pending: this.items.length, err: (e as Error).message },
          'batch write failed; will retry',
        );
        // the waiting requests fail; their items stay queued and are written on a retry
        const err = new Error(`${this.opts.name}: write failed: ${(e as Error).message}`);
        for (let i = 0; i < batch.length; i++) {
          this.waiters[i]?.reject(err);
          this.waiters[i] = undefined;
        }
        if (this.closed) throw e;
        return;
      }
      this.items.splice(0, batch.length);
      const done = this.waiters.splice(0, batch.length);
      this.failures = 0;
      for (const w of done) w?.resolve();
    }
  }

  /** Writes everything waiting now (and waits for a write in progress). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.soon) {
      clearImmediate(this.soon);
      this.soon = null;
    }
    while (this.running) await this.running;
    if (this.items.length) {
      this.running = this.drain().finally(() => {
        this.running = null;
      });
      await this.running;
    }
    if (this.items.length)
      throw new Error(`${this.opts.name}: ${this.items.length} entries could not be written`);
  }

  /** Flushes and refuses further pushes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
