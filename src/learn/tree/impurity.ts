/**
 * Shared fitting and prediction of impurity trees (CART and random forest): binning, task set-up,
 * growing trees on the calling thread or on the tree worker pool, and averaging tree outputs.
 */
import {
  type Criterion,
  type ImpurityTreeResult,
  type ImpurityTreeTask,
  type TreeArrays,
  accumulateTrees,
  binMatrix,
  chunks,
  compileTrees,
  concatTrees,
  fitFeatureBins,
  growImpurityTree,
  predictCompiledParallel,
  treePool,
} from '../../compute/index.js';
import { type Matrix, createError } from '../../core/index.js';
import { throwIfAborted } from '../base.js';

export interface ImpurityFitSpec {
  readonly criterion: Criterion;
  readonly maxDepth: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  readonly maxFeatures: number;
  readonly bootstrap: boolean;
  readonly seeds: readonly number[];
  readonly oob: boolean;
  readonly maxBins: number;
  readonly nClasses: number;
  readonly threads: number;
  readonly signal?: AbortSignal;
  /** Name used in error messages. */
  readonly owner: string;
  readonly onTreesDone?: (done: number) => void;
}

/** Bins X and grows one tree per seed (on workers when threads > 1 and there is more than one tree). */
export async function fitImpurityTrees(
  X: Matrix,
  y: Float64Array,
  w: Float64Array | null,
  spec: ImpurityFitSpec,
): Promise<ImpurityTreeResult> {
  const n = X.nRows;
  const nF = X.nCols;
  const parallel = spec.threads > 1 && spec.seeds.length > 1;
  const alloc = (bytes: number) => (parallel ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const featureBins = [];
  for (let j = 0; j < nF; j++)
    featureBins.push(fitFeatureBins(X.data.subarray(j * n, (j + 1) * n), spec.maxBins, false, j));
  const bins = binMatrix(X.data, n, nF, featureBins, new Uint8Array(alloc(n * nF)));
  const thrOffset = new Int32Array(nF + 1);
  for (let j = 0; j < nF; j++) thrOffset[j + 1] = thrOffset[j] + featureBins[j].thresholds.length;
  const thresholds = new Float64Array(thrOffset[nF]);
  for (let j = 0; j < nF; j++) thresholds.set(featureBins[j].thresholds, thrOffset[j]);
  const yS = new Float64Array(alloc(n * 8));
  yS.set(y);
  let wS: Float64Array | null = null;
  if (w) {
    wS = new Float64Array(alloc(n * 8));
    wS.set(w);
  }
  const base = {
    bins,
    nRows: n,
    nFeatures: nF,
    thresholds,
    thrOffset,
    y: yS,
    w: wS,
    nClasses: spec.nClasses,
    criterion: spec.criterion,
    maxDepth: spec.maxDepth,
    minSamplesSplit: spec.minSamplesSplit,
    minSamplesLeaf: spec.minSamplesLeaf,
    minImpurityDecrease: 0,
    maxFeatures: spec.maxFeatures,
    bootstrap: spec.bootstrap,
    oob: spec.oob,
  };
  // Batches of a few trees: enough work per task to hide the dispatch, small enough to balance and to
  // let an abort land between batches.
  const batchSize = Math.max(1, Math.min(8, Math.ceil(spec.seeds.length / (4 * spec.threads))));
  const batches = chunks(spec.seeds.length, Math.ceil(spec.seeds.length / batchSize)).map(([a, b]) =>
    spec.seeds.slice(a, b),
  );
  const results: ImpurityTreeResult[] = new Array(batches.length);
  let done = 0;
  const abortIf = () => throwIfAborted(spec.signal, spec.owner);
  if (!parallel) {
    for (let b = 0; b < batches.length; b++) {
      abortIf();
      results[b] = growImpurityTree({ ...base, seeds: batches[b] } satisfies ImpurityTreeTask);
      done += batches[b].length;
      spec.onTreesDone?.(done);
      if (spec.signal) await new Promise((r) => setImmediate(r));
    }
  } else {
    const pool = treePool(spec.threads);
    await Promise.all(
      batches.map(async (seeds, b) => {
        abortIf();
        results[b] = (await pool.run({ ...base, seeds }, { name: 'forestTree' })) as ImpurityTreeResult;
        abortIf();
        done += seeds.length;
        spec.onTreesDone?.(done);
      }),
    );
  }
  const trees = concatTrees(results.map((r) => r.trees));
  let oobSum: Float64Array | null = null;
  let oobCount: Int32Array | null = null;
  if (spec.oob) {
    const dim = spec.nClasses > 0 ? spec.nClasses : 1;
    oobSum = new Float64Array(n * dim);
    oobCount = new Int32Array(n);
    for (const r of results) {
      for (let i = 0; i < oobSum.length; i++) oobSum[i] += r.oobSum![i];
      for (let i = 0; i < n; i++) oobCount[i] += r.oobCount![i];
    }
  }
  return { trees, oobSum, oobCount };
}

/** Mean of the trees' outputs (class proportions or values), row-major n × valueDim. */
export function averageTrees(
  trees: TreeArrays,
  X: Matrix,
  cache: { compiled?: ReturnType<typeof compileTrees> },
): Float64Array {
  const dim = trees.valueDim;
  const n = X.nRows;
  const out = new Float64Array(n * dim);
  const T = trees.treeRoot.length;
  if (cache.compiled === undefined) cache.compiled = compileTrees(trees);
  if (cache.compiled)
    predictCompiledParallel(cache.compiled, trees.value, dim, X.data, n, out, dim, new Int32Array(T), 1 / T);
  else accumulateTrees(trees, X.data, n, out, dim, () => 0, 1 / T);
  return out;
}

/** Resolves scikit-learn's `max_features` ('sqrt', 'log2', a fraction in (0, 1], an int, null = all). */
export function resolveMaxFeatures(v: unknown, nF: number): number {
  if (v === null || v === undefined) return nF;
  if (v === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(nF)));
  if (v === 'log2') return Math.max(1, Math.floor(Math.log2(nF)));
  if (typeof v === 'number') {
    // 1 means all features (scikit-learn's 1.0); JSON cannot tell the int 1 from the float 1.0
    if (v === 1) return nF;
    if (v < 1) return Math.max(1, Math.floor(v * nF));
    return Math.min(nF, Math.floor(v));
  }
  return nF;
}

/** Param check of maxFeatures. */
export function checkMaxFeatures(v: unknown): string | null {
  if (v === null || v === 'sqrt' || v === 'log2') return null;
  if (typeof v === 'number' && v > 0 && (v <= 1 || Number.isInteger(v))) return null;
  return "null (all), 'sqrt', 'log2', a fraction in (0, 1] or a positive integer";
}

/**
 * The split criterion for a task: `auto` means gini for classification and squared error for
 * regression; a criterion that does not fit the task is a coded parameter error.
 */
export function resolveCriterion(owner: string, criterion: Criterion | 'auto', classify: boolean): Criterion {
  const c: Criterion = criterion === 'auto' ? (classify ? 'gini' : 'squared_error') : criterion;
  if (classify === (c === 'squared_error')) {
    throw createError('AEGLE_CORE_INVALID_PARAM', {
      param: 'criterion',
      owner,
      expected: classify ? 'gini|entropy for classification' : 'squared_error for regression',
      got: `'${c}'`,
    });
  }
  return c;
}
