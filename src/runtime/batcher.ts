/**
 * A dynamic batcher in the manner of Triton's
 * (https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md#dynamic-batcher):
 * requests queue up; a batch is dispatched when it reaches `maxBatchSize` rows, or the largest
 * preferred size the queue can fill, or when the oldest request has waited `maxQueueDelayMicros`.
 * At most `maxConcurrency` batches execute at once; the queue holds at most `maxQueueSize` requests
 * and refuses more with AEGLE_RUNTIME_QUEUE_FULL (503); each request may carry a timeout
 * (AEGLE_RUNTIME_TIMEOUT, 504).
 *
 * The latency bound this gives: while at most `maxBatchSize` rows are in flight (e.g. closed-loop
 * clients ≤ maxBatchSize with maxConcurrency 1), a request waits at most `maxQueueDelay` (less when its
 * batch fills or reaches a preferred size) plus the compute of one batch. Three details keep it so:
 * - a full batch leaves at once, but a *late* batch leaves only from the deadline timer or after a
 *   batch completes, never in the middle of a synchronous burst of submits, so a burst that the OS
 *   preempts half-way still forms one batch instead of two that then run back to back;
 * - after a batch completes, the next dispatch waits until the promise jobs now queued have run
 *   (`process.nextTick` from a promise job runs once the microtask queue is empty), so callers the
 *   batch resolved and that submit again at once (closed-loop clients) join the next batch rather than
 *   queue behind it, and no event-loop turn (with its I/O) is spent on the way;
 * - Node timers count whole milliseconds, so the deadline timer is armed for the floor of the time
 *   left and a request within `TIMER_SLACK_MS` of its deadline counts as due: a batch leaves up to 1 ms
 *   early rather than up to 1 ms late.
 * With more rows in flight than `maxBatchSize`, a request can also wait for the batches ahead of it;
 * choose maxBatchSize ≥ the concurrency you expect when the bound matters.
 *
 * Generic over the item type: `execute` receives the items of one batch and returns one result per
 * item, in order. `rowsOf` tells how many rows a request holds (default 1).
 */
import { createError } from '../core/index.js';
import './onnx/errors.js';

export interface BatcherOptions {
  /** Name used in errors. */
  readonly name?: string;
  /** Rows per batch at most (1 = no batching). */
  readonly maxBatchSize: number;
  /** The longest the oldest request waits for a batch to fill, in µs (0 = dispatch at once). */
  readonly maxQueueDelayMicros: number;
  /** Batch sizes to prefer when the queue holds more than one of them but less than maxBatchSize. */
  readonly preferredBatchSizes?: readonly number[];
  /** Batches executing at the same time (default 1). */
  readonly maxConcurrency?: number;
  /** Requests waiting at most (default 1024). */
  readonly maxQueueSize?: number;
  /** Default per-request timeout in ms (default: none). */
  readonly timeoutMs?: number;
}

export interface SubmitOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Plain numbers for /metrics (the serve layer maps them to Prometheus counters/histograms). */
export interface BatcherStats {
  readonly requests: number;
  readonly completed: number;
  readonly failed: number;
  readonly rejectedQueueFull: number;
  readonly timedOut: number;
  readonly batches: number;
  /** Batch size (rows) → number of batches of that size. */
  readonly batchSizes: Readonly<Record<number, number>>;
  readonly queueDepth: number;
  readonly maxQueueDepthSeen: number;
  readonly executing: number;
  /** Sum of seconds requests spent queued / batches spent executing. */
  readonly queueSecondsSum: number;
  readonly computeSecondsSum: number;
}

/** Node timers fire on whole milliseconds: a request this close to its deadline counts as due. */
const TIMER_SLACK_MS = 1;

interface Pending<I, O> {
  readonly item: I;
  readonly rows: number;
  readonly enqueuedAt: number;
  resolve(o: O): void;
  reject(e: unknown): void;
  settled: boolean;
  timer?: NodeJS.Timeout;
  queued: boolean;
}

export class DynamicBatcher<I, O> {
  readonly options: Required<Omit<BatcherOptions, 'timeoutMs' | 'name' | 'preferredBatchSizes'>> & {
    readonly timeoutMs?: number;
    readonly name: string;
    readonly preferredBatchSizes: readonly number[];
  };
  private readonly queue: Array<Pending<I, O>> = [];
  private queuedRows = 0;
  private executing = 0;
  /** The deadline wake-up: a timer, or an immediate when less than a millisecond is left. */
  private timer: { cancel(): void } | null = null;
  private afterBatchPending = false;
  /** A microtask will dispatch a queue whose oldest request is past its delay (see pump). */
  private duePending = false;
  private closed = false;
  private readonly s = {
    requests: 0,
    completed: 0,
    failed: 0,
    rejectedQueueFull: 0,
    timedOut: 0,
    batches: 0,
    batchSizes: {} as Record<number, number>,
    maxQueueDepthSeen: 0,
    queueSecondsSum: 0,
    computeSecondsSum: 0,
  };
  /** Called after each batch with its size and compute seconds (for histograms). */
  onBatch?: (rows: number, computeSeconds: number) => void;
  /**
   * Called when a request's batch returns its result, with the seconds it queued and the seconds from
   * submit to result (what the latency bound speaks of).
   */
  onRequest?: (queueSeconds: number, totalSeconds: number) => void;

  constructor(
    private readonly execute: (items: I[]) => Promise<O[]>,
    options: BatcherOptions,
    private readonly rowsOf: (item: I) => number = () => 1,
  ) {
    const bad = (param: string, expected: string, got: unknown) =>
      createError('AEGLE_CORE_INVALID_PARAM', { param, owner: 'DynamicBatcher', expected, got });
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1)
      throw bad('maxBatchSize', 'an integer ≥ 1', options.maxBatchSize);
    if (!(options.maxQueueDelayMicros >= 0))
      throw bad('maxQueueDelayMicros', 'a number ≥ 0', options.maxQueueDelayMicros);
    const pref = [...(options.preferredBatchSizes ?? [])].sort((a, b) => a - b);
    for (const p of pref)
      if (!Number.isInteger(p) || p < 1 || p > options.maxBatchSize)
        throw bad('preferredBatchSizes', `integers in [1, ${options.maxBatchSize}]`, p);
    const maxConcurrency = options.maxConcurrency ?? 1;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)
      throw bad('maxConcurrency', 'an integer ≥ 1', maxConcurrency);
    const maxQueueSize = options.maxQueueSize ?? 1024;
    if (!Number.isInteger(maxQueueSize) || maxQueueSize < 1)
      throw bad('maxQueueSize', 'an integer ≥ 1', maxQueueSize);
    this.options = {
      name: options.name ?? 'model',
      maxBatchSize: options.maxBatchSize,
      maxQueueDelayMicros: options.maxQueueDelayMicros,
      preferredBatchSizes: pref,
      maxConcurrency,
      maxQueueSize,
      timeoutMs: options.timeoutMs,
    };
  }

  /** Queues one request; resolves with its result. */
  submit(item: I, opts: SubmitOptions = {}): Promise<O> {
    this.s.requests++;
    if (this.closed) return Promise.reject(createError('AEGLE_RUNTIME_CLOSED', { model: this.options.name }));
    if (this.queue.length >= this.options.maxQueueSize) {
      this.s.rejectedQueueFull++;
      return Promise.reject(
        createError('AEGLE_RUNTIME_QUEUE_FULL', {
          model: this.options.name,
          capacity: this.options.maxQueueSize,
        }),
      );
    }
    return new Promise<O>((resolve, reject) => {
      const p: Pending<I, O> = {
        item,
        rows: Math.max(1, this.rowsOf(item)),
        enqueuedAt: performance.now(),
        resolve,
        reject,
        settled: false,
        queued: true,
      };
      const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
      if (timeoutMs !== undefined && timeoutMs > 0) {
        p.timer = setTimeout(() => {
          const stage = p.queued ? 'queued' : 'executing';
          if (p.queued) this.removeQueued(p);
          this.s.timedOut++;
          this.settle(
            p,
            undefined,
            createError('AEGLE_RUNTIME_TIMEOUT', { model: this.options.name, timeoutMs, stage }),
          );
        }, timeoutMs);
      }
      if (opts.signal) {
        const onAbort = () => {
          if (p.queued) this.removeQueued(p);
          this.settle(p, undefined, createError('AEGLE_CORE_ABORTED', { what: 'Inference request' }));
        };
        if (opts.signal.aborted) return onAbort();
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
      this.queue.push(p);
      this.queuedRows += p.rows;
      if (this.queue.length > this.s.maxQueueDepthSeen) this.s.maxQueueDepthSeen = this.queue.length;
      this.pump('submit');
    });
  }

  stats(): BatcherStats {
    return {
      ...this.s,
      batchSizes: { ...this.s.batchSizes },
      queueDepth: this.queue.length,
      executing: this.executing,
    };
  }

  /** Refuses new requests and fails queued ones; executing batches finish. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    for (const p of this.queue.splice(0)) {
      p.queued = false;
      this.settle(p, undefined, createError('AEGLE_RUNTIME_CLOSED', { model: this.options.name }));
    }
    this.queuedRows = 0;
  }

  private removeQueued(p: Pending<I, O>): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.queuedRows -= p.rows;
    }
    p.queued = false;
  }

  private settle(p: Pending<I, O>, value: O | undefined, error?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    if (error !== undefined) {
      this.s.failed++;
      p.reject(error);
    } else {
      this.s.completed++;
      p.resolve(value as O);
    }
  }

  /**
   * How many rows to dispatch now, or 0 to wait. `deadlines` is false on the submit path: there only a
   * full batch or a preferred size leaves, so one synchronous burst of submits coalesces.
   */
  private readyRows(now: number, deadlines: boolean): number {
    const { maxBatchSize, preferredBatchSizes } = this.options;
    const rows = Math.min(this.queuedRows, maxBatchSize);
    if (rows >= maxBatchSize) return maxBatchSize;
    // Triton dispatches the largest preferred size the queue can fill as soon as it forms.
    const largestPref = preferredBatchSizes[preferredBatchSizes.length - 1];
    if (largestPref !== undefined && rows >= largestPref) return largestPref;
    if (deadlines && now >= this.deadline() - TIMER_SLACK_MS) return rows;
    return 0;
  }

  /** When the oldest queued request is due (performance.now() ms). */
  private deadline(): number {
    return this.queue[0].enqueuedAt + this.options.maxQueueDelayMicros / 1000;
  }

  private pump(reason: 'submit' | 'deadline' | 'batch-done'): void {
    if (reason !== 'submit') {
      this.timer?.cancel();
      this.timer = null;
    }
    while (this.executing < this.options.maxConcurrency && this.queue.length > 0) {
      const now = performance.now();
      const want = this.readyRows(now, reason !== 'submit');
      if (want === 0) {
        if (reason === 'submit' && now >= this.deadline() - TIMER_SLACK_MS) {
          // The oldest request is due but its timer has not fired: the event loop is busy (an HTTP
          // server under load runs many requests' callbacks before timers). Dispatch once the
          // current synchronous burst of submits ends — as a microtask, not after the loop gets to
          // timers — so a busy loop does not stretch the queue delay.
          if (!this.duePending) {
            this.duePending = true;
            queueMicrotask(() => {
              this.duePending = false;
              if (!this.closed && this.queue.length > 0) this.pump('deadline');
            });
          }
          return;
        }
        if (!this.timer) this.timer = this.wakeAt(this.deadline() - now);
        return;
      }
      this.timer?.cancel();
      this.timer = null;
      const batch: Array<Pending<I, O>> = [];
      let rows = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0];
        if (batch.length > 0 && rows + next.rows > want) break;
        this.queue.shift();
        this.queuedRows -= next.rows;
        next.queued = false;
        batch.push(next);
        rows += next.rows;
        if (rows >= want) break;
      }
      void this.run(batch, rows, now);
    }
  }

  /**
   * Calls pump('deadline') in `ms`: a timer for whole milliseconds, rounded down (see TIMER_SLACK_MS);
   * under 1 ms an immediate, after the current burst of submits (Node runs a 0 ms timer after ≈1 ms).
   */
  private wakeAt(ms: number): { cancel(): void } {
    const fire = () => {
      this.timer = null;
      this.pump('deadline');
    };
    if (ms < 1) {
      const h = setImmediate(fire);
      return { cancel: () => clearImmediate(h) };
    }
    const h = setTimeout(fire, Math.floor(ms));
    return { cancel: () => clearTimeout(h) };
  }

  private async run(batch: Array<Pending<I, O>>, rows: number, startedAt: number): Promise<void> {
    this.executing++;
    this.s.batches++;
    this.s.batchSizes[rows] = (this.s.batchSizes[rows] ?? 0) + 1;
    for (const p of batch) this.s.queueSecondsSum += (startedAt - p.enqueuedAt) / 1000;
    // requests that timed out while queued were removed; ones that time out now are skipped on return
    try {
      const results = await this.execute(batch.map((p) => p.item));
      if (results.length !== batch.length)
        throw new Error(`batch execute returned ${results.length} results for ${batch.length} requests`);
      const done = performance.now();
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i];
        if (!p.settled && this.onRequest)
          this.onRequest((startedAt - p.enqueuedAt) / 1000, (done - p.enqueuedAt) / 1000);
        this.settle(p, results[i]);
      }
    } catch (e) {
      for (const p of batch) this.settle(p, undefined, e);
    } finally {
      const secs = (performance.now() - startedAt) / 1000;
      this.s.computeSecondsSum += secs;
      this.onBatch?.(rows, secs);
      this.executing--;
      // Once the promise jobs now queued have run: the callers this batch resolved may submit again
      // first and join the next batch (a full one leaves at once from their submits) instead of
      // queueing behind it.
      if (!this.afterBatchPending) {
        this.afterBatchPending = true;
        process.nextTick(() => {
          this.afterBatchPending = false;
          if (!this.closed) this.pump('batch-done');
        });
      }
    }
  }
}
