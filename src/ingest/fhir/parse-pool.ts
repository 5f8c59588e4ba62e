/**
 * Worker threads that run `mapChunkSync` for FHIR imports. A worker takes tasks only once it has
 * started (`tryRun` answers null before), so the calling thread maps chunks itself meanwhile instead of
 * queueing them behind a worker's start-up. Chunk bytes are transferred, not copied; so is the CSV
 * that comes back.
 *
 * One pool serves the process (like the tree and TreeSHAP pools): its workers outlive an import by
 * `IDLE_MS`, so that imports in a row pay for starting them once, and they never keep the process
 * alive while idle.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../core/index.js';
import type { ChunkResult, ChunkTask } from './map-chunk.js';

/** Tasks a worker holds at once: one running, one waiting, so that it never idles between two. */
const DEPTH = 2;
/** A pool with no task for this long stops its workers. */
export const IDLE_MS = 2000;

interface Lane {
  readonly worker: Worker;
  ready: boolean;
  held: number;
}

/** A chunk mapped by a worker, with its bytes back. */
export interface PooledResult {
  readonly result: ChunkResult;
  readonly bytes: Uint8Array;
}

type Settle = { resolve(r: PooledResult): void; reject(e: unknown): void };
type Message = { ready?: true; id?: number; result?: ChunkResult; bytes?: Uint8Array; error?: Error };

export class ParsePool {
  private readonly lanes: Lane[] = [];
  private readonly settles = new Map<number, Settle>();
  private waiters: Array<() => void> = [];
  private nextId = 0;
  private failure: Error | null = null;
  private closed = false;
  private idle: NodeJS.Timeout | null = null;
  private users = 0;

  private constructor(
    readonly size: number,
    private readonly onClose: () => void,
  ) {
    const { script, eval: isEval } = workerScript(new URL('./parse-worker.js', import.meta.url));
    for (let i = 0; i < size; i++) {
      // A larger young generation: mapping makes many short-lived objects, and fewer scavenges pay off.
      const worker = new Worker(script, { eval: isEval, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
      worker.unref();
      const lane: Lane = { worker, ready: false, held: 0 };
      worker.on('message', (m: Message) => this.receive(lane, m));
      worker.on('error', (e) => this.fail(e));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`FHIR parse worker exited with code ${code}`));
      });
      this.lanes.push(lane);
    }
    this.maybeIdle();
  }

  /** Starts a pool of `workers` threads (without waiting for them). */
  static create(workers: number, onClose: () => void = () => {}): ParsePool {
    return new ParsePool(workers, onClose);
  }

  /** True while the pool can take tasks. */
  get usable(): boolean {
    return !this.closed && !this.failure;
  }

  private receive(lane: Lane, m: Message): void {
    if (m.ready) lane.ready = true;
    else {
      if (--lane.held === 0) lane.worker.unref();
      const s = this.settles.get(m.id!);
      this.settles.delete(m.id!);
      if (m.error) s?.reject(m.error);
      else s?.resolve({ result: m.result!, bytes: m.bytes! });
      this.maybeIdle();
    }
    this.notify();
  }

  /** Starts the idle countdown when nobody uses the pool and no task is in flight. */
  private maybeIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (this.users > 0 || this.settles.size > 0 || this.closed) return;
    this.idle = setTimeout(() => void this.close(), IDLE_MS);
    this.idle.unref();
  }

  /** Keeps the pool from stopping for idleness until the returned function is called. */
  lease(): () => void {
    this.users++;
    this.maybeIdle();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.users--;
      this.maybeIdle();
    };
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const s of this.settles.values()) s.reject(e);
    this.settles.clear();
    this.notify();
    void this.close();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when every worker has started (e.g. to warm the pool up before an import). */
  async ready(): Promise<void> {
    while (!this.lanes.every((l) => l.ready)) {
      if (this.failure) throw this.failure;
      if (this.closed) throw new Error('the FHIR parse pool was closed');
      await this.changed();
    }
  }

  /** Resolves at the next change: a worker started, a task settled, or the pool failed. */
  changed(): Promise<void> {
    return new Promise((res) => this.waiters.push(res));
  }

  /**
   * Sends the task to the least busy started worker, transferring its bytes; null when every started
   * worker is full (or none has started yet).
   */
  tryRun(task: ChunkTask): Promise<PooledResult> | null {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return null;
    let best: Lane | null = null;
    for (const l of this.lanes) if (l.ready && l.held < DEPTH && (!best || l.held < best.held)) best = l;
    if (!best) return null;
    const id = this.nextId++;
    if (best.held++ === 0) best.worker.ref(); // a task in flight keeps the process alive
    const p = new Promise<PooledResult>((resolve, reject) => this.settles.set(id, { resolve, reject }));
    this.maybeIdle();
    best.worker.postMessage({ id, task }, [task.bytes.buffer as ArrayBuffer]);
    return p;
  }

  /** Stops the workers (tasks in flight are dropped). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.idle) clearTimeout(this.idle);
    this.onClose();
    const stopped = new Error('the FHIR parse pool was closed');
    for (const s of this.settles.values()) s.reject(stopped);
    this.settles.clear();
    this.notify();
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }
}

let shared: ParsePool | null = null;

/** The process-wide pool of `workers` threads, started on first use (or when the size changes). */
export function fhirParsePool(workers: number): ParsePool {
  if (shared?.usable && shared.size === workers) return shared;
  void shared?.close();
  const pool = ParsePool.create(workers, () => {
    if (shared === pool) shared = null;
  });
  shared = pool;
  return pool;
}

/** Stops the process-wide pool now (tests, CLI exit); it would stop by itself after `IDLE_MS`. */
export async function closeFhirParsePool(): Promise<void> {
  await shared?.close();
}
