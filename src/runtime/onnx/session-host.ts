/**
 * Where a model's onnxruntime sessions live and run. onnxruntime-node's `InferenceSession.run` computes
 * synchronously on the thread that calls it (its backend only defers the call with `setImmediate`), so
 * a session on the event loop's thread stalls every other request for the length of each batch. A
 * `WorkerHost` owns the sessions of one model instance on a worker thread of its own, as Triton runs
 * each model instance on its own thread
 * (https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md#instance-groups);
 * an `InThreadHost` keeps them on the calling thread (small models, tools, tests).
 *
 * Tensors cross to the worker as transferable ArrayBuffers (no JSON, no copy where the buffer can
 * move). Should the worker stop (an uncaught error), the requests it held fail with
 * AEGLE_RUNTIME_ONNX_WORKER and the next request starts a new worker, which reopens the sessions from
 * the bytes and settings they were opened with.
 *
 * A worker is never `terminate()`d: when its thread is stopped while onnxruntime-node is inside a
 * native run, the addon throws a C++ exception on return and the whole process aborts ("terminate
 * called after throwing an instance of 'Napi::Error'"). `close` asks the worker to exit after the
 * requests it already holds instead.
 */
import { Worker } from 'node:worker_threads';
import { createError, workerScript } from '../../core/index.js';
import {
  describeSession,
  firstLine,
  type OpenedSession,
  openOrtSession,
  runOrtSession,
  type SessionSettings,
  type TensorSpec,
} from './ort-session.js';
import type { TensorData } from './tensor.js';
import './errors.js';

type Feeds = Readonly<Record<string, TensorData>>;

/** An open session, wherever it runs. */
export interface HostedSession {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly executionProvider: 'cpu' | 'cuda';
  /** Why the CUDA provider was not used when it was asked for (null otherwise). */
  readonly cudaFallback: string | null;
  /**
   * Runs the session. With `transferFeeds` the feeds' buffers move to the worker (the caller's arrays
   * are detached afterwards); without it they are copied. Rejects with a plain Error carrying
   * onnxruntime's message, or AEGLE_RUNTIME_ONNX_WORKER when the worker stopped.
   */
  run(feeds: Feeds, names: readonly string[], transferFeeds: boolean): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

export interface SessionHost {
  readonly thread: 'main' | 'worker';
  /** Opens a session on `bytes`. Rejects with a plain Error carrying onnxruntime's reason. */
  open(bytes: Uint8Array, settings: SessionSettings): Promise<HostedSession>;
  /** Releases every session and, for a worker, ends the thread. */
  close(): Promise<void>;
}

/** Sessions on the calling thread: each run blocks it for the length of the compute. */
export class InThreadHost implements SessionHost {
  readonly thread = 'main' as const;
  private readonly open_ = new Set<OpenedSession>();

  async open(bytes: Uint8Array, settings: SessionSettings): Promise<HostedSession> {
    const opened = await openOrtSession(bytes, settings);
    this.open_.add(opened);
    const { inputs, outputs } = describeSession(opened.session);
    return {
      inputs,
      outputs,
      executionProvider: opened.executionProvider,
      cudaFallback: opened.cudaFallback,
      run: (feeds, names) => runOrtSession(opened.session, feeds, names),
      release: async () => {
        if (this.open_.delete(opened)) await opened.session.release();
      },
    };
  }

  async close(): Promise<void> {
    for (const s of [...this.open_]) {
      this.open_.delete(s);
      await s.session.release();
    }
  }
}

/** A tensor as it crosses the thread boundary. */
export interface WireTensor {
  readonly name: string;
  readonly dtype: TensorData['dtype'];
  readonly shape: readonly number[];
  readonly data: TensorData['data'];
}

/** Main thread → worker. */
export type WorkerRequest =
  | {
      readonly op: 'open';
      readonly id: number;
      readonly session: number;
      readonly bytes: Uint8Array;
      readonly settings: SessionSettings;
    }
  | {
      readonly op: 'run';
      readonly id: number;
      readonly session: number;
      readonly feeds: WireTensor[];
      readonly names: readonly string[];
    }
  | { readonly op: 'release'; readonly id: number; readonly session: number }
  | { readonly op: 'exit' };

/** Worker → main thread: the answer to request `id`. */
export type WorkerReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly opened?: {
        inputs: TensorSpec[];
        outputs: TensorSpec[];
        executionProvider: 'cpu' | 'cuda';
        cudaFallback: string | null;
      };
      readonly outputs?: WireTensor[];
    }
  | { readonly id: number; readonly ok: false; readonly message: string };

/**
 * The buffers a message may move rather than copy: those a typed array spans exactly. A view into a
 * larger buffer (a `subarray`, a Node Buffer from its pool) is not moved, or the rest would go too.
 */
export function transferables(tensors: readonly WireTensor[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const t of tensors) {
    const d = t.data;
    if (Array.isArray(d) || !(d.buffer instanceof ArrayBuffer)) continue;
    if (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && !out.includes(d.buffer))
      out.push(d.buffer);
  }
  return out;
}

/** Copies an array into a buffer of its own (so the copy can be transferred). */
function owned(t: TensorData): TensorData {
  return Array.isArray(t.data) ? t : { ...t, data: t.data.slice() };
}

/**
 * The worker script: the compiled `session-worker.js` beside this file, or, when running from the
 * TypeScript sources (tsx, vitest), a loader that registers tsx in the worker and imports the `.ts`
 * (about a second more per worker start; the compiled build starts in a few hundred milliseconds).
 */

interface Call {
  resolve(r: WorkerReply & { ok: true }): void;
  reject(e: unknown): void;
}

interface SessionRecord {
  readonly bytes: Uint8Array;
  readonly settings: SessionSettings;
  /** The worker this session is open in (a restarted worker reopens it before its first run). */
  openIn: Worker | null;
}

/**
 * One worker thread owning the sessions of one model instance. Requests run in the order they are
 * sent. The thread does not keep the process alive while no request is in flight.
 */
export class WorkerHost implements SessionHost {
  readonly thread = 'worker' as const;
  private worker: Worker | null = null;
  private readonly calls = new Map<number, Call>();
  private readonly sessions = new Map<number, SessionRecord>();
  private nextId = 1;
  private closed = false;
  /** Workers that `close` is ending (their exit is no crash). */
  private readonly ending = new WeakSet<Worker>();

  /** @param model name used in errors */
  constructor(private readonly model: string) {}

  async open(bytes: Uint8Array, settings: SessionSettings): Promise<HostedSession> {
    const session = this.nextId++;
    const worker = this.ensureWorker();
    const rec: SessionRecord = { bytes, settings, openIn: worker };
    const reply = await this.call(worker, { op: 'open', id: this.nextId++, session, bytes, settings });
    this.sessions.set(session, rec);
    const o = reply.opened!;
    return {
      inputs: o.inputs,
      outputs: o.outputs,
      executionProvider: o.executionProvider,
      cudaFallback: o.cudaFallback,
      run: (feeds, names, transferFeeds) => this.run(session, feeds, names, transferFeeds),
      release: () => this.release(session),
    };
  }

  /** Ends the worker once the runs it holds are done (they finish); later requests fail as closed. */
  async close(): Promise<void> {
    this.closed = true;
    this.sessions.clear();
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    this.ending.add(w);
    const exited = new Promise((resolve) => w.once('exit', resolve));
    w.ref();
    w.postMessage({ op: 'exit' } satisfies WorkerRequest);
    await exited;
  }

  private async run(
    session: number,
    feeds: Feeds,
    names: readonly string[],
    transferFeeds: boolean,
  ): Promise<Record<string, TensorData>> {
    const rec = this.sessions.get(session);
    if (!rec) throw createError('AEGLE_RUNTIME_CLOSED', { model: this.model });
    const worker = this.ensureWorker();
    if (rec.openIn !== worker) {
      // a restarted worker: reopen the session from its bytes before the first run
      try {
        await this.call(worker, {
          op: 'open',
          id: this.nextId++,
          session,
          bytes: rec.bytes,
          settings: rec.settings,
        });
      } catch (e) {
        if ((e as { code?: string }).code) throw e;
        throw createError(
          'AEGLE_RUNTIME_ONNX_WORKER',
          { model: this.model, reason: `the restarted worker could not reopen the model: ${firstLine(e)}` },
          { cause: e },
        );
      }
      rec.openIn = worker;
    }
    const wire: WireTensor[] = Object.entries(feeds).map(([name, t]) => {
      const moved = transferFeeds ? t : owned(t);
      return { name, dtype: moved.dtype, shape: moved.shape, data: moved.data };
    });
    const reply = await this.call(
      worker,
      { op: 'run', id: this.nextId++, session, feeds: wire, names },
      wire,
    );
    const out: Record<string, TensorData> = {};
    for (const t of reply.outputs!) out[t.name] = { dtype: t.dtype, shape: t.shape, data: t.data };
    return out;
  }

  private async release(session: number): Promise<void> {
    const rec = this.sessions.get(session);
    if (!rec) return;
    this.sessions.delete(session);
    const w = this.worker;
    if (w && rec.openIn === w) await this.call(w, { op: 'release', id: this.nextId++, session });
  }

  private call(
    worker: Worker,
    req: Exclude<WorkerRequest, { op: 'exit' }>,
    moved: readonly WireTensor[] = [],
  ): Promise<WorkerReply & { ok: true }> {
    return new Promise((resolve, reject) => {
      if (this.calls.size === 0) worker.ref();
      this.calls.set(req.id, { resolve, reject });
      worker.postMessage(req, transferables(moved));
    });
  }

  private ensureWorker(): Worker {
    if (this.closed) throw createError('AEGLE_RUNTIME_CLOSED', { model: this.model });
    if (this.worker) return this.worker;
    const { script, eval: isEval } = workerScript(new URL('./session-worker.js', import.meta.url));
    const worker = new Worker(script, { eval: isEval });
    worker.unref();
    let crash: string | null = null;
    worker.on('message', (r: WorkerReply) => {
      const c = this.calls.get(r.id);
      if (!c) return;
      this.calls.delete(r.id);
      if (this.calls.size === 0) worker.unref();
      if (r.ok) c.resolve(r);
      else c.reject(new Error(r.message));
    });
    worker.on('error', (e) => {
      crash = firstLine(e);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      if (this.ending.has(worker)) {
        this.failCalls(createError('AEGLE_RUNTIME_CLOSED', { model: this.model }));
        return;
      }
      this.failCalls(
        createError('AEGLE_RUNTIME_ONNX_WORKER', {
          model: this.model,
          reason: crash ? `uncaught error: ${crash}` : `exit code ${code}`,
        }),
      );
    });
    this.worker = worker;
    return worker;
  }

  private failCalls(error: Error): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const c of calls) c.reject(error);
  }
}
