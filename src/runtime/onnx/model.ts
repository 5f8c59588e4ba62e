/**
 * An ONNX model loaded into onnxruntime-node: its input/output schema read from the model itself,
 * session options, warm-up at load, CPU by default and the CUDA execution provider when asked for and
 * present (falling back to CPU with a warning otherwise).
 *
 * onnxruntime-node's CUDA provider needs its GPU libraries, which this project's install skips
 * (`.npmrc`: `onnxruntime-node-install=skip`), so on a stock install `device: 'cuda'` logs the fallback.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { createError, type Logger, silentLogger } from '../../core/index.js';
import { makeBatchDynamic } from './batch-rewrite.js';
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

/** One input or output as the model declares it. */
export interface TensorSpec {
  readonly name: string;
  /** False for maps/sequences (e.g. skl2onnx probability maps), which onnxruntime-node cannot return. */
  readonly isTensor: boolean;
  readonly dtype: TensorDType | null;
  /** Dims: a number when fixed, a string (symbol, or '?' when unnamed) when dynamic. */
  readonly shape: ReadonlyArray<number | string>;
  /** Indices of the dynamic axes. */
  readonly dynamicAxes: readonly number[];
}

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

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
   * default is true). Spinning saves microseconds on dedicated cores, but here the session runs on the
   * event loop's thread and shares its cores: spinning workers take CPU from the event loop and other
   * processes, and a batch's compute grows a long tail (bench/onnx/batching.ts: on 2 shared cores,
   * MNIST batch-of-64 compute p99 17–47 ms spinning vs 7–18 ms not).
   */
  readonly intraOpSpinning?: boolean;
  readonly graphOptimization?: GraphOptimization;
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

const DTYPES: readonly string[] = [
  'float32',
  'float16',
  'float64',
  'int32',
  'int64',
  'uint8',
  'bool',
  'string',
];

function specOf(m: ort.InferenceSession.ValueMetadata): TensorSpec {
  if (!m.isTensor) return { name: m.name, isTensor: false, dtype: null, shape: [], dynamicAxes: [] };
  const shape = m.shape.map((d) =>
    typeof d === 'number' && d >= 0 ? d : typeof d === 'string' && d !== '' ? d : '?',
  );
  const dynamicAxes = shape.flatMap((d, i) => (typeof d === 'number' ? [] : [i]));
  const dtype = DTYPES.includes(m.type) ? (m.type as TensorDType) : null;
  return { name: m.name, isTensor: true, dtype, shape, dynamicAxes };
}

function toOrt(t: TensorData): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data as never, [...t.shape]);
}

function fromOrt(t: ort.Tensor): TensorData {
  const dtype = t.type as TensorDType;
  let data = t.data as TensorArray;
  // onnxruntime-node ≥1.17 may hand float16 back as Float16Array where the runtime has it; keep raw bits.
  if (dtype === 'float16' && !(data instanceof Uint16Array))
    data = new Uint16Array((data as Float32Array).buffer, (data as Float32Array).byteOffset, data.length);
  return { dtype, shape: t.dims.map(Number), data };
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
  private session: ort.InferenceSession | null;
  private readonly logger: Logger;

  private constructor(args: {
    name: string;
    session: ort.InferenceSession;
    inputs: TensorSpec[];
    outputs: TensorSpec[];
    ep: 'cpu' | 'cuda';
    batchRewritten: boolean;
    bytes: Uint8Array;
    logger: Logger;
  }) {
    this.name = args.name;
    this.session = args.session;
    this.inputs = args.inputs;
    this.outputs = args.outputs;
    this.executionProvider = args.ep;
    this.batchRewritten = args.batchRewritten;
    this.bytes = args.bytes;
    this.logger = args.logger;
    const tensorOutputs = args.outputs.filter((o) => o.isTensor);
    this.batchable =
      args.inputs.length > 0 &&
      [...args.inputs, ...tensorOutputs].every(
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
    let { session, ep } = await OnnxModel.openSession(name, bytes, opts, logger);
    let inputs = session.inputMetadata.map(specOf);
    let outputs = session.outputMetadata.map(specOf);
    let batchRewritten = false;
    const fixedOne = (s: TensorSpec) => s.isTensor && s.shape.length > 0 && s.shape[0] === 1;
    if (
      opts.enableBatchRewrite !== false &&
      inputs.length > 0 &&
      inputs.every(fixedOne) &&
      outputs.filter((o) => o.isTensor).every(fixedOne)
    ) {
      try {
        const rewritten = makeBatchDynamic(bytes);
        const candidate = await OnnxModel.openSession(name, rewritten.bytes, opts, logger);
        if (await batchEquivalent(session, candidate.session, inputs, outputs)) {
          await session.release();
          session = candidate.session;
          ep = candidate.ep;
          bytes = rewritten.bytes;
          inputs = session.inputMetadata.map(specOf);
          outputs = session.outputMetadata.map(specOf);
          batchRewritten = true;
          logger.info(
            { reshapesPatched: rewritten.reshapesPatched },
            'onnx model rewritten to a dynamic batch',
          );
        } else {
          await candidate.session.release();
          logger.info({}, 'onnx model keeps its fixed batch (rewrite changed its answers)');
        }
      } catch (e) {
        logger.info({ reason: (e as Error).message.split('\n')[0] }, 'onnx model keeps its fixed batch');
      }
    }
    const model = new OnnxModel({ name, session, inputs, outputs, ep, batchRewritten, bytes, logger });
    if (opts.warmup !== false) await model.warmup();
    logger.info({ executionProvider: ep, batchable: model.batchable }, 'onnx model loaded');
    return model;
  }

  private static async openSession(name: string, bytes: Uint8Array, opts: OnnxModelOptions, logger: Logger) {
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: opts.graphOptimization ?? 'all',
      logSeverityLevel: 3,
      ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads } : {}),
      ...(opts.interOpThreads ? { interOpNumThreads: opts.interOpThreads } : {}),
      ...(opts.intraOpSpinning === true
        ? {}
        : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }),
    };
    if (opts.device === 'cuda') {
      try {
        const session = await ort.InferenceSession.create(bytes, {
          ...base,
          executionProviders: [{ name: 'cuda', deviceId: opts.cudaDeviceId ?? 0 }, 'cpu'],
        });
        return { session, ep: 'cuda' as const };
      } catch (e) {
        logger.warn(
          { reason: (e as Error).message.split('\n')[0] },
          'CUDA execution provider unavailable; falling back to CPU',
        );
      }
    }
    try {
      const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
      return { session, ep: 'cpu' as const };
    } catch (e) {
      throw createError(
        'AEGLE_RUNTIME_ONNX_LOAD',
        { model: name, reason: (e as Error).message.split('\n')[0] },
        { cause: e },
      );
    }
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
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = toOrt(t);
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = await this.session.run(ortFeeds, [...names]);
    } catch (e) {
      throw createError(
        'AEGLE_RUNTIME_ONNX_RUN',
        { model: this.name, reason: (e as Error).message.split('\n')[0] },
        { cause: e },
      );
    }
    const out: Record<string, TensorData> = {};
    for (const n of names) out[n] = fromOrt(result[n] as ort.Tensor);
    return out;
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

  async close(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await s.release();
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
function probeFeeds(inputs: readonly TensorSpec[], batch: number, seed: number): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
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
    out[spec.name] = new ort.Tensor(dtype, data as never, shape);
  }
  return out;
}

async function batchEquivalent(
  original: ort.InferenceSession,
  rewritten: ort.InferenceSession,
  inputs: readonly TensorSpec[],
  outputs: readonly TensorSpec[],
): Promise<boolean> {
  const names = outputs.filter((o) => o.isTensor).map((o) => o.name);
  const a = probeFeeds(inputs, 1, 1);
  const b = probeFeeds(inputs, 1, 2);
  const both: Record<string, ort.Tensor> = {};
  for (const spec of inputs) {
    const ta = a[spec.name];
    const tb = b[spec.name];
    const data = allocArray(ta.type as TensorDType, ta.size * 2) as Float32Array;
    data.set(ta.data as Float32Array, 0);
    data.set(tb.data as Float32Array, ta.size);
    both[spec.name] = new ort.Tensor(ta.type, data as never, [2, ...ta.dims.slice(1)]);
  }
  const ra = await original.run(a, names);
  const rb = await original.run(b, names);
  const r2 = await rewritten.run(both, names);
  for (const n of names) {
    const x = ra[n] as ort.Tensor;
    const y = rb[n] as ort.Tensor;
    const z = r2[n] as ort.Tensor;
    if (z.dims[0] !== 2 || z.size !== x.size + y.size) return false;
    const num = (t: ort.Tensor, i: number) => {
      const v = Number((t.data as Float32Array)[i]);
      return t.type === 'float16' ? float16ToFloat32(v) : v;
    };
    const tol = x.type === 'float16' ? 2e-3 : 1e-4;
    for (let i = 0; i < x.size; i++)
      if (Math.abs(num(z, i) - num(x, i)) > tol * (1 + Math.abs(num(x, i)))) return false;
    for (let i = 0; i < y.size; i++)
      if (Math.abs(num(z, x.size + i) - num(y, i)) > tol * (1 + Math.abs(num(y, i)))) return false;
  }
  return true;
}
