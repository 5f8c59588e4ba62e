/**
 * A small asynchronous write-behind queue: callers `push` synchronously (no await on the hot path);
 * items are handed to `write` in batches every `flushMs` or as soon as `batchSize` are waiting,
 * whichever comes first. One write runs at a time, in push order. A failed write keeps its items at
 * the head of the queue and is retried on the next flush, so nothing is dropped while the database is
 * briefly away. `close()` flushes everything.
 */
import type { Logger } from '../core/index.js';
import { silentLogger } from '../core/index.js';

export interface BatchQueueOptions<T> {
  readonly name: string;
  readonly flushMs: number;
  readonly batchSize: number;
  readonly write: (items: T[]) => Promise<void>;
  readonly logger?: Logger;
}

export class BatchQueue<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | null = null;
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

  push(item: T): void {
    if (this.closed) throw new Error(`${this.opts.name} queue is closed`);
    this.items.push(item);
    if (this.items.length >= this.opts.batchSize) this.kick();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.kick(), this.opts.flushMs);
      this.timer.unref();
    }
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
        this.timer = setTimeout(
          () => this.kick(),
          this.failures ? Math.min(5000, this.opts.flushMs * 2 ** this.failures) : 0,
        );
        this.timer.unref();
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.items.length) {
      const batch = this.items.slice(0, this.opts.batchSize);
      try {
        await this.opts.write(batch);
        this.items.splice(0, batch.length);
        this.failures = 0;
      } catch (e) {
        this.failures++;
        this.logger.error(
          { queue: this.opts.name, pending: this.items.length, err: (e as Error).message },
          'batch write failed; will retry',
        );
        if (this.closed) throw e;
        return;
      }
    }
  }

  /** Writes everything waiting now (and waits for a write in progress). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
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
