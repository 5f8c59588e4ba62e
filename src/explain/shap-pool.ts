/**
 * TreeSHAP on worker threads (piscina): rows are cut into one block per thread; the column-major data
 * sits in a SharedArrayBuffer that every worker reads without a copy, and so do the leaf weight
 * tables (Fast TreeSHAP v2), built once on this thread. Results are identical to the single-threaded
 * `treeShap` (each row is computed by the same code, with the same tables, in the same order of trees).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { FittedModel, Matrix } from './deps.js';
import type { ShapJob } from './shap-worker.js';
import { type ShapValues, leafWeightsFor, treeModelView, treeShapView } from './tree-shap.js';
import { expectedValue, nodeMeanValues } from './tree-shap-kernel.js';
import type { LeafWeights } from './leaf-weights.js';

let pool: Piscina | null = null;

function shapPool(threads: number): Piscina {
  if (pool && pool.options.maxThreads >= threads) return pool;
  void pool?.destroy();
  const js = new URL('./shap-worker.js', import.meta.url);
  let filename = js.href;
  let execArgv: string[] = [];
  if (!existsSync(fileURLToPath(js))) {
    filename = new URL('./shap-worker.ts', import.meta.url).href;
    execArgv = process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv] : ['--import', 'tsx'];
  }
  pool = new Piscina({ filename, execArgv, minThreads: 0, maxThreads: threads, idleTimeout: 2000 });
  return pool;
}

/** A copy of `a` in a SharedArrayBuffer (workers read it without a copy of their own). */
function shareArray<A extends Int32Array | Uint8Array | Float64Array>(a: A): A {
  const C = a.constructor as new (b: SharedArrayBuffer) => A;
  const out = new C(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

const sharedWeights = new WeakMap<LeafWeights, LeafWeights>();

/** The leaf weights with every array in shared memory, copied once per weights object. */
function shareWeights(t: LeafWeights): LeafWeights {
  let s = sharedWeights.get(t);
  if (!s) {
    s = Object.fromEntries(Object.entries(t).map(([k, a]) => [k, shareArray(a)])) as unknown as LeafWeights;
    sharedWeights.set(t, s);
  }
  return s;
}

/** Shuts the TreeSHAP worker pool down (tests, CLI exit). */
export async function closeShapPool(): Promise<void> {
  const p = pool;
  pool = null;
  if (p) await p.destroy();
}

/** TreeSHAP of every row, on `threads` worker threads (default: all cores; small inputs stay on this thread). */
export async function treeShapAsync(
  model: FittedModel,
  X: Matrix,
  opts: { threads?: number } = {},
): Promise<ShapValues> {
  const view = treeModelView(model);
  const threads = Math.max(1, opts.threads ?? availableParallelism());
  const work = X.nRows * view.trees.feature.length;
  if (threads === 1 || work < 200_000) return treeShapView(view, X, model.featureNames);
  const n = X.nRows;
  const p = X.nCols;
  const K = view.outputs.length;
  const stride = p + 1;
  const shared = new Float64Array(new SharedArrayBuffer(X.data.byteLength));
  shared.set(X.data);
  const values = new Float64Array(n * K * stride);
  const ev = new Float64Array(K);
  const workers = shapPool(threads);
  const built = leafWeightsFor(view.trees, n);
  const tables = built && shareWeights(built);
  const blocks = Math.min(n, threads * 4);
  await Promise.all(
    view.outputs.flatMap((output, k) => {
      const means = nodeMeanValues(view.trees, output.valueCol);
      ev[k] = expectedValue(view.trees, output, means);
      return Array.from({ length: blocks }, async (_, b) => {
        const i0 = Math.floor((b * n) / blocks);
        const i1 = Math.floor(((b + 1) * n) / blocks);
        const job: ShapJob = {
          trees: view.trees,
          output,
          means,
          data: shared,
          nRows: n,
          nFeatures: p,
          i0,
          i1,
          tables,
        };
        const phi = (await workers.run(job)) as Float64Array;
        for (let i = i0; i < i1; i++)
          values.set(phi.subarray((i - i0) * stride, (i - i0 + 1) * stride), (i * K + k) * stride);
      });
    }),
  );
  return {
    values,
    nRows: n,
    nFeatures: p,
    nOutputs: K,
    featureNames: model.featureNames,
    outputNames: view.outputNames,
    expectedValue: ev,
    space: view.space,
  };
}
