/**
 * Tree-ensemble scoring of a large batch on two threads. The calling thread scores the first part of
 * the rows while a helper thread scores the rest from shared memory; the caller then waits for it
 * (`Atomics.wait`, so the API stays synchronous) and copies its part of the output back. Each row is
 * scored entirely by one thread, trees in the same order, so results are bit-for-bit those of
 * `predictCompiled` alone.
 *
 * Off unless a long-running process turns it on (`enableParallelPredict`: the model server does): a
 * helper thread per process, started on the first large batch, and only where the machine has a
 * second core. Batches under `PARALLEL_MIN_ROWS` rows stay on the calling thread (handing rows over
 * costs more than it saves). If the helper fails or does not answer within 10 s, the caller scores
 * the rest itself and stops using it.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../core/index.js';
import { type CompiledTrees, predictCompiled } from './predict.js';

/** Fewest rows worth splitting. */
export const PARALLEL_MIN_ROWS = 2048;

interface Helper {
  readonly worker: Worker;
  readonly ids: WeakMap<CompiledTrees, number>;
  /** Reused shared buffers (one call at a time per thread: the caller waits). */
  data: Float64Array;
  out: Float64Array;
  readonly flag: Int32Array;
  broken: boolean;
}

let enabled = false;
let helper: Helper | null = null;
/** Rows scored by the helper thread so far (for tests and diagnostics). */
let helperRows = 0;

/** How many rows the helper thread has scored in this process. */
export function parallelPredictRows(): number {
  return helperRows;
}

/** Turns two-thread scoring of large batches on (or off) for this process. */
export function enableParallelPredict(on = true): void {
  enabled = on && os.availableParallelism() > 1;
  if (!enabled && helper) {
    void helper.worker.terminate();
    helper = null;
  }
}

function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(8, 8 * n)));
}

function shared<T extends Float64Array | Int32Array>(a: T): T {
  const s = new (a.constructor as { new (b: SharedArrayBuffer): T })(
    new SharedArrayBuffer(Math.max(8, a.byteLength)),
  );
  s.set(a as never);
  return s;
}

function getHelper(): Helper | null {
  if (helper) return helper.broken ? null : helper;
  try {
    const { script, eval: isEval } = workerScript(new URL('./predict-worker.js', import.meta.url));
    const worker = new Worker(script, { eval: isEval });
    worker.unref();
    const h: Helper = {
      worker,
      ids: new WeakMap(),
      data: sharedF64(0),
      out: sharedF64(0),
      flag: new Int32Array(new SharedArrayBuffer(4)),
      broken: false,
    };
    worker.on('error', () => {
      h.broken = true;
    });
    worker.on('exit', () => {
      h.broken = true;
    });
    helper = h;
    return h;
  } catch {
    return null;
  }
}

/**
 * Model ids, unique in the process: a model collected after the helper was replaced sends its drop to
 * the new helper, which must not hold another model under the same id.
 */
let nextModelId = 1;
const release = new FinalizationRegistry<number>((id) => helper?.worker.postMessage({ op: 'drop', id }));

function modelId(h: Helper, c: CompiledTrees, value: Float64Array, dim: number, treeCol: Int32Array): number {
  let id = h.ids.get(c);
  if (id !== undefined) return id;
  id = nextModelId++;
  h.ids.set(c, id);
  release.register(c, id);
  h.worker.postMessage({
    op: 'model',
    id,
    dim,
    value: shared(value),
    treeCol: shared(treeCol),
    c: {
      feature: shared(c.feature),
      threshold: shared(c.threshold),
      left: shared(c.left),
      nanRight: shared(c.nanRight),
      treeRoot: shared(c.treeRoot),
      treeDepth: shared(c.treeDepth),
    },
  });
  return id;
}

/** `predictCompiled` over all rows, on two threads when enabled and the batch is large. */
export function predictCompiledParallel(
  c: CompiledTrees,
  value: Float64Array,
  dim: number,
  data: Float64Array,
  nRows: number,
  out: Float64Array,
  outStride: number,
  treeCol: Int32Array,
  scale = 1,
): void {
  const h = enabled && nRows >= PARALLEL_MIN_ROWS ? getHelper() : null;
  if (!h) {
    predictCompiled(c, value, dim, data, nRows, out, outStride, treeCol, scale);
    return;
  }
  // the helper takes the second half: its rows, column by column, into shared memory
  const split = Math.floor(nRows / 2);
  const m = nRows - split;
  const nCols = Math.floor(data.length / nRows);
  if (h.data.length < m * nCols) h.data = sharedF64(m * nCols);
  if (h.out.length < m * outStride) h.out = sharedF64(m * outStride);
  const d = h.data.subarray(0, m * nCols);
  const o = h.out.subarray(0, m * outStride);
  for (let f = 0; f < nCols; f++) d.set(data.subarray(f * nRows + split, (f + 1) * nRows), f * m);
  o.set(out.subarray(split * outStride, nRows * outStride));
  const id = modelId(h, c, value, dim, treeCol);
  Atomics.store(h.flag, 0, 0);
  h.worker.postMessage({ op: 'run', id, data: d, nRows: m, out: o, outStride, scale, flag: h.flag });
  predictCompiled(c, value, dim, data, nRows, out, outStride, treeCol, scale, 0, split);
  const waited = Atomics.wait(h.flag, 0, 0, 10_000);
  if (waited === 'timed-out' || Atomics.load(h.flag, 0) !== 1) {
    // no answer: score the helper's rows here, and stop using it
    h.broken = true;
    predictCompiled(c, value, dim, data, nRows, out, outStride, treeCol, scale, split, nRows);
    return;
  }
  out.set(o, split * outStride);
  helperRows += m;
}
