/**
 * An ONNX model loaded into onnxruntime-node: its input/output schema read from the model itself,
 * session options, warm-up at load, CPU by default and the CUDA execution provider when asked for and
 * present (falling back to CPU with a warning otherwise).
 *
 * By default the session lives on a worker thread of the model's own (session-host.ts), so a batch's
 * compute never holds up the event loop; `thread: 'main'` keeps it on the calling thread.
 *
 * onnxruntime-node's CUDA provider needs its GPU libraries, which this project's install skips
 * (`.npmrc`: `onnxruntime-node-install=skip`), so on a stock install `device: 'cuda'` logs the fallback.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createError, type Logger, silentLogger } from '../../core/index.js';
import { makeBatchDynamic } from './batch-rewrite.js';
import { firstLine, type GraphOptimization, type SessionSettings, type TensorSpec } from './ort-session.js';
import { type HostedSession, InThreadHost, type SessionHost, WorkerHost } from './session-host.js';
import {
  allocArray,
  elementCount,
  float16ToFloat32,
  toFloat16Array,
  type TensorArray,
  type TensorData,
  type TensorDType,
} from './tensor.js';
import './errors.js';

export type { GraphOptimization, TensorSpec } from './ort-session.js';

export interface OnnxModelOptions {
  /** Name used in errors and logs (default: the file name). */
  readonly name?: string;
  /**
   * Threads onnxruntime uses inside one operator (default: onnxruntime's choice, one per core). On a
   * machine whose cores are shared with the event loop and other processes, 1 avoids a thread pool
   * whose barrier waits on a descheduled thread.
   */
  readonly intraOpThreads?: number;
  readonly interOpThreads?: number;
  /**
   * Let onnxruntime's worker threads busy-wait for the next operator (default false; onnxruntime's own
   * default is true). Spinning saves microseconds on dedicated cores, but on shared cores spinning
   * threads take CPU from the event loop, the inference worker and other processes, and a batch's compute grows a long tail (bench/onnx/batching.ts: on 2 shared cores,
   * MNIST batch-of-64 compute p99 17–47 ms spinning vs 7–18 ms not).
   */
  readonly intraOpSpinning?: boolean;
  readonly graphOptimization?: GraphOptimization;
  /**
   * Where the session runs (default 'worker'): on a worker thread of this model's own, so the event
   * loop keeps serving while a batch computes, or on the calling thread ('main'), which saves the
   * worker's start (a few hundred ms; about a second more from the TypeScript sources) and the
   * tensors' hand-over, at the cost of blocking that thread for every run.
   */
  readonly thread?: 'worker' | 'main';
  /** 'cuda' tries the CUDA execution provider first (default 'cpu'). */
  readonly device?: 'cpu' | 'cuda';
  readonly cudaDeviceId?: number;
  /** Run one zero-filled inference at load so the first request pays no lazy-init cost (default true). */
  readonly warmup?: boolean;
  /**
   * When the model declares a fixed batch of 1, try rewriting it to a dynamic batch dim and keep the
   * rewrite only if batch-of-2 answers equal two single answers (default true).
   */
  readonly enableBatchRewrite?: boolean;
  readonly logger?: Logger;
}

export class OnnxModel {
  readonly name: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** The execution provider the session runs on. */
  readonly executionProvider: 'cpu' | 'cuda';
  /** True when every input and tensor output has a dynamic axis 0: requests can be batched. */
  readonly batchable: boolean;
  /** True when the fixed-batch model was rewritten to a dynamic batch (see batch-rewrite.ts). */
  readonly batchRewritten: boolean;
  readonly bytes: Uint8Array;
  /** Where the session runs: its own worker thread, or the calling thread. */
  readonly thread: 'worker' | 'main';
  private session: HostedSession | null;
  private readonly host: SessionHost;
  private readonly logger: Logger;

  private constructor(args: {
    name: string;
    host: SessionHost;
    session: HostedSession;
    batchRewritten: boolean;
    bytes: Uint8Array;
    logger: Logger;
  }) {
    this.name = args.name;
    this.host = args.host;
    this.thread = args.host.thread;
    this.session = args.session;
    this.inputs = args.session.inputs;
    this.outputs = args.session.outputs;
    this.executionProvider = args.session.executionProvider;
    this.batchRewritten = args.batchRewritten;
    this.bytes = args.bytes;
    this.logger = args.logger;
    const tensorOutputs = this.outputs.filter((o) => o.isTensor);
    this.batchable =
      this.inputs.length > 0 &&
      [...this.inputs, ...tensorOutputs].every(
        (s) => s.isTensor && s.shape.length > 0 && s.dynamicAxes.includes(0),
      );
  }

  /** Loads a model from a file path or bytes. Throws AEGLE_RUNTIME_ONNX_LOAD. */
  static async create(source: string | Uint8Array, opts: OnnxModelOptions = {}): Promise<OnnxModel> {
    const name = opts.name ?? (typeof source === 'string' ? path.basename(source) : 'model');
    const logger = (opts.logger ?? silentLogger).child({ model: name });
    let bytes: Uint8Array;
    try {
      bytes = typeof source === 'string' ? new Uint8Array(readFileSync(source)) : source;
    } catch (e) {
      throw createError(
        'AEGLE_RUNTIME_ONNX_LOAD',
        { model: name, reason: 'file cannot be read' },
        { cause: e },
      );
    }
    const host: SessionHost = opts.thread === 'main' ? new InThreadHost() : new WorkerHost(name);
    try {
      const settings: SessionSettings = {
        intraOpThreads: opts.intraOpThreads,
        interOpThreads: opts.interOpThreads,
        intraOpSpinning: opts.intraOpSpinning,
        graphOptimization: opts.graphOptimization,
        device: opts.device,
        cudaDeviceId: opts.cudaDeviceId,
      };
      let session = await OnnxModel.openSession(host, name, bytes, settings, logger);
      let batchRewritten = false;
      const fixedOne = (s: TensorSpec) => s.isTensor && s.shape.length > 0 && s.shape[0] === 1;
      if (
        opts.enableBatchRewrite !== false &&
        session.inputs.length > 0 &&
        session.inputs.every(fixedOne) &&
        session.outputs.filter((o) => o.isTensor).every(fixedOne)
      ) {
        try {
          const rewritten = makeBatchDynamic(bytes);
          const candidate = await OnnxModel.openSession(host, name, rewritten.bytes, settings, logger);
          if (await batchEquivalent(session, candidate)) {
            await session.release();
            session = candidate;
            bytes = rewritten.bytes;
            batchRewritten = true;
            logger.info(
              { reshapesPatched: rewritten.reshapesPatched },
              'onnx model rewritten to a dynamic batch',
            );
          } else {
            await candidate.release();
            logger.info({}, 'onnx model keeps its fixed batch (rewrite changed its answers)');
          }
        } catch (e) {
          logger.info({ reason: firstLine(e) }, 'onnx model keeps its fixed batch');
        }
      }
      const model = new OnnxModel({ name, host, session, batchRewritten, bytes, logger });
      if (opts.warmup !== false) await model.warmup();
      logger.info(
        { executionProvider: model.executionProvider, batchable: model.batchable, thread: host.thread },
        'onnx model loaded',
      );
      return model;
    } catch (e) {
      await host.close();
      throw e;
    }
  }

  private static async openSession(
    host: SessionHost,
    name: string,
    bytes: Uint8Array,
    settings: SessionSettings,
    logger: Logger,
  ): Promise<HostedSession> {
    let session: HostedSession;
    try {
      session = await host.open(bytes, settings);
    } catch (e) {
      if ((e as { code?: string }).code) throw e;
      throw createError('AEGLE_RUNTIME_ONNX_LOAD', { model: name, reason: firstLine(e) }, { cause: e });
    }
    if (session.cudaFallback !== null)
      logger.warn(
        { reason: session.cudaFallback },
        'CUDA execution provider unavailable; falling back to CPU',
      );
    return session;
  }

  /** The model's input schema (what the API validates and documents). */
  inputSchema(): { inputs: readonly TensorSpec[]; outputs: readonly TensorSpec[]; batchable: boolean } {
    return { inputs: this.inputs, outputs: this.outputs, batchable: this.batchable };
  }

  /** Outputs the runtime can return (tensor outputs). */
  tensorOutputNames(): string[] {
    return this.outputs.filter((o) => o.isTensor).map((o) => o.name);
  }

  /** Checks feeds against the schema: every input present, dtype equal, fixed dims equal. */
  validateFeeds(feeds: Readonly<Record<string, TensorData>>): void {
    for (const spec of this.inputs) {
      const t = feeds[spec.name];
      const bad = (reason: string) =>
        createError('AEGLE_RUNTIME_ONNX_INPUT', { input: spec.name, model: this.name, reason });
      if (!t) throw bad('missing');
      if (t.dtype !== spec.dtype) throw bad(`dtype must be ${spec.dtype}, got ${t.dtype}`);
      if (t.shape.length !== spec.shape.length)
        throw bad(
          `shape must have rank ${spec.shape.length} ${JSON.stringify(spec.shape)}, got ${JSON.stringify(t.shape)}`,
        );
      spec.shape.forEach((d, i) => {
        if (typeof d === 'number' && t.shape[i] !== d) throw bad(`dim ${i} must be ${d}, got ${t.shape[i]}`);
      });
      if (t.data.length !== elementCount(t.shape))
        throw bad(
          `shape ${JSON.stringify(t.shape)} needs ${elementCount(t.shape)} values, got ${t.data.length}`,
        );
    }
    for (const k of Object.keys(feeds)) {
      if (!this.inputs.some((s) => s.name === k)) {
        throw createError('AEGLE_RUNTIME_ONNX_INPUT', {
          input: k,
          model: this.name,
          reason: `not an input of the model (inputs: ${this.inputs.map((s) => s.name).join(', ')})`,
        });
      }
    }
  }

  /** Runs the model. `outputNames` defaults to every tensor output. */
  async run(
    feeds: Readonly<Record<string, TensorData>>,
    outputNames?: readonly string[],
  ): Promise<Record<string, TensorData>> {
    if (!this.session) throw createError('AEGLE_RUNTIME_CLOSED', { model: this.name });
    const names = outputNames ?? this.tensorOutputNames();
    for (const o of names) {
      const spec = this.outputs.find((s) => s.name === o);
      if (!spec)
        throw createError('AEGLE_RUNTIME_ONNX_OUTPUT', {
          output: o,
          model: this.name,
          reason: 'not an output of the model',
        });
      if (!spec.isTensor)
        throw createError('AEGLE_RUNTIME_ONNX_OUTPUT', {
          output: o,
          model: this.name,
          reason: 'not a tensor (maps/sequences cannot be returned); request another output',
        });
    }
    this.validateFeeds(feeds);
    return this.execute(feeds, names, false);
  }

  /**
   * `run` for feeds the caller built for this one call (a batch it concatenated): on a worker thread,
   * their buffers move there instead of being copied, and the caller's arrays are detached (empty)
   * afterwards. The feeds must already have passed `validateFeeds`; outputs must be tensor outputs.
   */
  runTransferringFeeds(
    feeds: Readonly<Record<string, TensorData>>,
    outputNames: readonly string[],
  ): Promise<Record<string, TensorData>> {
    if (!this.session) return Promise.reject(createError('AEGLE_RUNTIME_CLOSED', { model: this.name }));
    return this.execute(feeds, outputNames, true);
  }

  private async execute(
    feeds: Readonly<Record<string, TensorData>>,
    names: readonly string[],
    transferFeeds: boolean,
  ): Promise<Record<string, TensorData>> {
    const session = this.session;
    if (!session) throw createError('AEGLE_RUNTIME_CLOSED', { model: this.name });
    try {
      return await session.run(feeds, names, transferFeeds);
    } catch (e) {
      if ((e as { code?: string }).code) throw e;
      throw createError('AEGLE_RUNTIME_ONNX_RUN', { model: this.name, reason: firstLine(e) }, { cause: e });
    }
  }

  /** Zero-filled feeds with dynamic dims set to 1 (warm-up, self-checks). */
  zeroFeeds(batch = 1): Record<string, TensorData> {
    return zeroFeedsFor(this.inputs, batch);
  }

  async warmup(): Promise<void> {
    const t0 = performance.now();
    await this.run(this.zeroFeeds());
    this.logger.debug({ ms: performance.now() - t0 }, 'onnx warm-up done');
  }

  /** Releases the session and ends the model's worker thread once the runs it holds finish. */
  async close(): Promise<void> {
    if (!this.session) return;
    this.session = null;
    await this.host.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function zeroFeedsFor(inputs: readonly TensorSpec[], batch: number): Record<string, TensorData> {
  const feeds: Record<string, TensorData> = {};
  for (const s of inputs) {
    const shape = s.shape.map((d, i) =>
      typeof d === 'number' ? (i === 0 && batch > 1 ? batch : d) : i === 0 ? batch : 1,
    );
    const dtype = s.dtype ?? 'float32';
    feeds[s.name] = { dtype, shape, data: allocArray(dtype, elementCount(shape)) };
  }
  return feeds;
}

/** Pseudo-random (deterministic) feeds of a given batch for the equivalence check. */
function probeFeeds(inputs: readonly TensorSpec[], batch: number, seed: number): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  let s = seed;
  for (const spec of inputs) {
    const shape = spec.shape.map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : 1));
    const n = elementCount(shape);
    const vals = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      vals[i] = (s % 1000) / 1000;
    }
    const dtype = spec.dtype ?? 'float32';
    let data: TensorArray;
    if (dtype === 'float16') data = toFloat16Array(vals);
    else if (dtype === 'float32') data = vals;
    else if (dtype === 'float64') data = Float64Array.from(vals);
    else data = allocArray(dtype, n);
    out[spec.name] = { dtype, shape, data };
  }
  return out;
}

/** True when the rewritten session answers a batch of 2 as the original answers each row alone. */
async function batchEquivalent(original: HostedSession, rewritten: HostedSession): Promise<boolean> {
  const names = original.outputs.filter((o) => o.isTensor).map((o) => o.name);
  const a = probeFeeds(original.inputs, 1, 1);
  const b = probeFeeds(original.inputs, 1, 2);
  const both: Record<string, TensorData> = {};
  for (const spec of original.inputs) {
    const ta = a[spec.name];
    const tb = b[spec.name];
    const data = allocArray(ta.dtype as TensorDType, ta.data.length * 2) as Float32Array;
    data.set(ta.data as Float32Array, 0);
    data.set(tb.data as Float32Array, ta.data.length);
    both[spec.name] = { dtype: ta.dtype, shape: [2, ...ta.shape.slice(1)], data };
  }
  const ra = await original.run(a, names, false);
  const rb = await original.run(b, names, false);
  const r2 = await rewritten.run(both, names, true);
  for (const n of names) {
    const x = ra[n];
    const y = rb[n];
    const z = r2[n];
    if (z.shape[0] !== 2 || z.data.length !== x.data.length + y.data.length) return false;
    const num = (t: TensorData, i: number) => {
      const v = Number((t.data as Float32Array)[i]);
      return t.dtype === 'float16' ? float16ToFloat32(v) : v;
    };
    const tol = x.dtype === 'float16' ? 2e-3 : 1e-4;
    const xs = x.data.length;
    for (let i = 0; i < xs; i++)
      if (Math.abs(num(z, i) - num(x, i)) > tol * (1 + Math.abs(num(x, i)))) return false;
    for (let i = 0; i < y.data.length; i++)
      if (Math.abs(num(z, xs + i) - num(y, i)) > tol * (1 + Math.abs(num(y, i)))) return false;
  }
  return true;
}
