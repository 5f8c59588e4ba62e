/**
 * The only code that touches onnxruntime-node: opening an `InferenceSession` with the model's session
 * options, reading its input/output schema, and running it on `TensorData`. It runs wherever the
 * session lives: on the calling thread (`thread: 'main'`) or inside the model's inference worker
 * (session-worker.ts), so it imports nothing from the rest of Aegle but types, and throws plain
 * `Error`s that the caller turns into coded ones.
 */
import * as ort from 'onnxruntime-node';
import type { TensorArray, TensorData, TensorDType } from './tensor.js';

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

/** Session options as plain data (they cross to the worker by structured clone). */
export interface SessionSettings {
  readonly intraOpThreads?: number;
  readonly interOpThreads?: number;
  readonly intraOpSpinning?: boolean;
  readonly graphOptimization?: GraphOptimization;
  readonly device?: 'cpu' | 'cuda';
  readonly cudaDeviceId?: number;
}

export interface OpenedSession {
  readonly session: ort.InferenceSession;
  readonly executionProvider: 'cpu' | 'cuda';
  /** Why the CUDA provider was not used when it was asked for (null otherwise). */
  readonly cudaFallback: string | null;
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

/** The session's inputs and outputs as the model declares them. */
export function describeSession(session: ort.InferenceSession): {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
} {
  return { inputs: session.inputMetadata.map(specOf), outputs: session.outputMetadata.map(specOf) };
}

/**
 * Opens a session: the CUDA provider first when `device` is 'cuda' (falling back to CPU, with the
 * reason), else CPU. Spinning is off unless asked for (see OnnxModelOptions.intraOpSpinning).
 */
export async function openOrtSession(bytes: Uint8Array, s: SessionSettings): Promise<OpenedSession> {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: s.graphOptimization ?? 'all',
    logSeverityLevel: 3,
    ...(s.intraOpThreads ? { intraOpNumThreads: s.intraOpThreads } : {}),
    ...(s.interOpThreads ? { interOpNumThreads: s.interOpThreads } : {}),
    ...(s.intraOpSpinning === true
      ? {}
      : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }),
  };
  let cudaFallback: string | null = null;
  if (s.device === 'cuda') {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        ...base,
        executionProviders: [{ name: 'cuda', deviceId: s.cudaDeviceId ?? 0 }, 'cpu'],
      });
      return { session, executionProvider: 'cuda', cudaFallback: null };
    } catch (e) {
      cudaFallback = firstLine(e);
    }
  }
  const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
  return { session, executionProvider: 'cpu', cudaFallback };
}

/** Runs the session; outputs come back as TensorData whose arrays own their whole buffer. */
export async function runOrtSession(
  session: ort.InferenceSession,
  feeds: Readonly<Record<string, TensorData>>,
  names: readonly string[],
): Promise<Record<string, TensorData>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds))
    ortFeeds[k] = new ort.Tensor(t.dtype, t.data as never, [...t.shape]);
  const result = await session.run(ortFeeds, [...names]);
  const out: Record<string, TensorData> = {};
  for (const n of names) out[n] = fromOrt(result[n] as ort.Tensor);
  return out;
}

function fromOrt(t: ort.Tensor): TensorData {
  const dtype = t.type as TensorDType;
  let data = t.data as TensorArray;
  // onnxruntime-node ≥1.17 may hand float16 back as Float16Array where the runtime has it; keep raw bits.
  if (dtype === 'float16' && !(data instanceof Uint16Array))
    data = new Uint16Array((data as Float32Array).buffer, (data as Float32Array).byteOffset, data.length);
  return { dtype, shape: t.dims.map(Number), data };
}

/** The first line of an error's message (onnxruntime's messages carry stack-like detail after it). */
export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
