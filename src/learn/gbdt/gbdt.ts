/**
 * Histogram gradient-boosted decision trees — the algorithm of LightGBM (Ke et al. 2017), XGBoost
 * `tree_method=hist` (Chen & Guestrin 2016) and scikit-learn's HistGradientBoosting.
 *
 * Pieces, as LightGBM separates them (STYLE rule 6): binning once (`compute/trees/binning.ts`),
 * histogram kernels on worker threads (`compute/trees/hist.ts`, `compute/pool.ts`), split search
 * (`split.ts`), the tree learner (`grow.ts`), the objective (`objective.ts`) and this boosting loop.
 *
 * Missing values are handled natively (NaN gets its own bin; each split learns where it goes);
 * `categoricalFeatures` get many-vs-many categorical splits; `monotoneConstraints` are enforced by
 * LightGBM's basic method. Results are identical for a seed whatever the thread count.
 */
import {
  type FeatureBins,
  type HistBackend,
  MISSING_BIN,
  type TreeArrays,
  TreeBuilder,
  accumulateTrees,
  type CompiledTrees,
  compileTrees,
  predictCompiledParallel,
  binMatrix,
  fitFeatureBins,
  resolveThreads,
  serialHistBackend,
  threadedHistBackend,
  treeArraysFromRecord,
  treeArraysToRecord,
} from '../../compute/index.js';
import { type Matrix, type ParamSchema, Rng, createError } from '../../core/index.js';
import {
  CLASS_WEIGHT_PARAM,
  EstimatorBase,
  type FitArgs,
  FittedBase,
  checkSerialized,
  resolveTarget,
  rowWeights,
  throwIfAborted,
  yieldToEventLoop,
} from '../base.js';
import type { FittedModel, SerializedModel, Task } from '../estimator.js';
import { registerModelKind } from '../registry.js';
import { type GrowData, HistTreeGrower } from './grow.js';
import { objectiveFor } from './objective.js';
import type { FeatureMeta } from './split.js';

export interface GbdtParams {
  nEstimators: number;
  learningRate: number;
  growth: 'leafwise' | 'depthwise';
  numLeaves: number | null;
  maxDepth: number | null;
  maxBins: number;
  minChildSamples: number;
  minChildWeight: number;
  lambda: number;
  minSplitGain: number;
  subsample: number;
  colsampleBytree: number;
  categoricalFeatures: number[];
  monotoneConstraints: number[];
  catSmooth: number;
  earlyStoppingRounds: number | null;
  classWeight: null | 'balanced' | Record<string, number>;
  seed: number;
}

export const GBDT_SCHEMA: ParamSchema = {
  nEstimators: {
    type: 'number',
    integer: true,
    min: 1,
    max: 100_000,
    default: 100,
    description: 'Boosting iterations (trees per class).',
  },
  learningRate: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 1,
    default: 0.1,
    description: 'Shrinkage applied to every leaf value.',
  },
  growth: {
    type: 'enum',
    values: ['leafwise', 'depthwise'],
    default: 'leafwise',
    description:
      'leafwise: split the leaf with the largest gain next (LightGBM); depthwise: level by level (XGBoost).',
  },
  numLeaves: {
    type: 'optionalNumber',
    integer: true,
    min: 2,
    max: 131_072,
    default: null,
    description: 'Maximum leaves per tree (null: 31 leaf-wise, 2^maxDepth depth-wise).',
  },
  maxDepth: {
    type: 'optionalNumber',
    integer: true,
    min: 1,
    max: 64,
    default: null,
    description: 'Maximum tree depth (null: unlimited leaf-wise, 6 depth-wise).',
  },
  maxBins: {
    type: 'number',
    integer: true,
    min: 2,
    max: 255,
    default: 255,
    description: 'Value bins per feature (missing values get one more bin).',
  },
  minChildSamples: {
    type: 'number',
    integer: true,
    min: 1,
    default: 20,
    description: 'Minimum training rows in a leaf.',
  },
  minChildWeight: { type: 'number', min: 0, default: 1e-3, description: 'Minimum hessian sum in a leaf.' },
  lambda: { type: 'number', min: 0, default: 0, description: 'L2 regularisation of leaf values.' },
  minSplitGain: {
    type: 'number',
    min: 0,
    default: 0,
    description: 'Minimum loss reduction to make a split.',
  },
  subsample: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 1,
    default: 1,
    description: 'Fraction of rows sampled (without replacement) for each iteration.',
  },
  colsampleBytree: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 1,
    default: 1,
    description: 'Fraction of features sampled for each tree.',
  },
  categoricalFeatures: {
    type: 'numbers',
    integer: true,
    min: 0,
    default: [],
    description: 'Indices of categorical features (non-negative integer codes; NaN = missing).',
  },
  monotoneConstraints: {
    type: 'numbers',
    integer: true,
    min: -1,
    max: 1,
    default: [],
    description: 'Per feature −1 (decreasing), 0 (none) or +1 (increasing); empty = none.',
  },
  catSmooth: {
    type: 'number',
    min: 0,
    default: 10,
    description: 'Smoothing of the gradient/hessian ratio that orders categories.',
  },
  earlyStoppingRounds: {
    type: 'optionalNumber',
    integer: true,
    min: 1,
    default: null,
    description: 'Stop when the evalSet loss has not improved for this many iterations (keeps the best).',
  },
  classWeight: CLASS_WEIGHT_PARAM,
  seed: {
    type: 'number',
    integer: true,
    min: 0,
    default: 0,
    description: 'Seed for row and feature sampling.',
  },
};

const TASKS: readonly Task[] = ['binary', 'multiclass', 'regression'];
const OWNER = 'GbdtEstimator';

export class GbdtEstimator extends EstimatorBase<GbdtParams> {
  readonly kind = 'gbdt';
  readonly owner = OWNER;
  readonly tasks = TASKS;
  readonly schema = GBDT_SCHEMA;

  protected clone(params: Partial<GbdtParams>): GbdtEstimator {
    return new GbdtEstimator(params);
  }

  async fit(X: Matrix, y: Float64Array, options: FitArgs = {}): Promise<FittedGbdt> {
    const p = this.resolve();
    const target = resolveTarget(OWNER, TASKS, X, y, options);
    const w = rowWeights(y, target, options.sampleWeight, p.classWeight, OWNER);
    const nF = X.nCols;
    const n = X.nRows;
    for (const c of p.categoricalFeatures) {
      if (c >= nF)
        throw createError('AEGLE_CORE_INVALID_PARAM', {
          param: 'categoricalFeatures',
          owner: OWNER,
          expected: `feature indices in [0, ${nF - 1}]`,
          got: c,
        });
    }
    if (p.monotoneConstraints.length !== 0 && p.monotoneConstraints.length !== nF) {
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'monotoneConstraints',
        owner: OWNER,
        expected: `an empty list or one of -1|0|1 per feature (${nF})`,
        got: `${p.monotoneConstraints.length} values`,
      });
    }
    const evalSet = options.evalSet;
    if (evalSet && evalSet.X.nCols !== nF)
      throw createError('AEGLE_LEARN_FEATURE_MISMATCH', {
        owner: `${OWNER} evalSet`,
        expected: nF,
        got: evalSet.X.nCols,
      });
    const signal = options.signal;
    throwIfAborted(signal, OWNER);

    const threads = resolveThreads(options.threads);
    const backend: HistBackend =
      threads > 1 && n * nF >= 20_000 ? threadedHistBackend(threads) : serialHistBackend();

    // 1. Bin once.
    const isCat = new Uint8Array(nF);
    for (const c of p.categoricalFeatures) isCat[c] = 1;
    const featureBins: FeatureBins[] = [];
    for (let j = 0; j < nF; j++)
      featureBins.push(
        fitFeatureBins(X.data.subarray(j * n, (j + 1) * n), p.maxBins, isCat[j] === 1, p.seed + j),
      );
    const bins = binMatrix(X.data, n, nF, featureBins, backend.allocUint8(n * nF));
    const meta: FeatureMeta = {
      nBins: Int32Array.from(featureBins, (b) => b.nBins),
      categorical: isCat,
      monotone: Int8Array.from(p.monotoneConstraints.length ? p.monotoneConstraints : new Array(nF).fill(0)),
    };
    for (let j = 0; j < nF; j++) if (isCat[j]) meta.monotone[j] = 0;

    // 2. Objective, base score.
    const obj = objectiveFor(target.task, target.nClasses);
    const K = obj.nOutputs;
    const base = obj.baseScore(y, w);
    const F = new Float64Array(n * K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) F[i * K + k] = base[k];
    let Fe: Float64Array | null = null;
    if (evalSet) {
      Fe = new Float64Array(evalSet.X.nRows * K);
      for (let i = 0; i < evalSet.X.nRows; i++) for (let k = 0; k < K; k++) Fe[i * K + k] = base[k];
    }

    const depthwise = p.growth === 'depthwise';
    const maxDepth = p.maxDepth ?? (depthwise ? 6 : 1_000_000);
    const maxLeaves = p.numLeaves ?? (depthwise ? 2 ** Math.min(maxDepth, 17) : 31);
    const ghs = Array.from({ length: K }, () => backend.alloc(2 * n));
    const rows = backend.allocInt32(n);
    const binValues = featureBins.map((b) => b.thresholds);
    const dataFor = (k: number): GrowData => ({ bins, nRows: n, gh: ghs[k], rows, meta, binValues });
    const grower = new HistTreeGrower(dataFor(0), backend, {
      lambda: p.lambda,
      minChildSamples: p.minChildSamples,
      minChildWeight: p.minChildWeight,
      minSplitGain: p.minSplitGain,
      catSmooth: p.catSmooth,
      maxLeaves,
      maxDepth,
      depthwise,
      learningRate: p.learningRate,
    });
    const builder = new TreeBuilder(1);
    const rng = new Rng(p.seed);
    const nColSample = Math.max(1, Math.round(p.colsampleBytree * nF));
    const allFeatures = Int32Array.from({ length: nF }, (_, j) => j);
    const inSample = new Uint8Array(n);

    let bestLoss = Number.POSITIVE_INFINITY;
    let bestIter = -1;
    let done = 0;
    for (let it = 0; it < p.nEstimators; it++) {
      throwIfAborted(signal, OWNER);
      for (let k = 0; k < K; k++) obj.gradients(F, y, w, k, ghs[k]);
      // Row sample for this iteration (shared by the K trees).
      let m = n;
      const sampled = p.subsample < 1;
      if (sampled) {
        m = 0;
        for (let i = 0; i < n; i++) {
          inSample[i] = rng.uniform() < p.subsample ? 1 : 0;
          m += inSample[i];
        }
        if (m === 0) inSample[rng.int(n)] = 1;
        m = Math.max(m, 1);
      }
      for (let k = 0; k < K; k++) {
        if (sampled) {
          let c = 0;
          for (let i = 0; i < n; i++) if (inSample[i]) rows[c++] = i;
        } else for (let i = 0; i < n; i++) rows[i] = i;
        let features: Int32Array = allFeatures;
        if (nColSample < nF) features = rng.permutation(nF).subarray(0, nColSample).sort();
        const treeIdx = builder.treeRoot.length;
        const leaves = await grower.grow(builder, dataFor(k), m, !sampled, features);
        if (!sampled) {
          for (const l of leaves) for (let i = l.start; i < l.end; i++) F[rows[i] * K + k] += l.value;
        } else addTreeBinned(builder, treeIdx, bins, n, binValues, F, K, k);
        if (Fe && evalSet) addTreeRaw(builder, treeIdx, evalSet.X, Fe, K, k);
      }
      done = it + 1;
      let validLoss: number | undefined;
      if (Fe && evalSet) {
        validLoss = obj.loss(Fe, evalSet.y, null);
        if (validLoss < bestLoss - 1e-12) {
          bestLoss = validLoss;
          bestIter = it;
        }
      }
      if (options.onProgress) {
        options.onProgress({
          iteration: it + 1,
          totalIterations: p.nEstimators,
          trainLoss: obj.loss(F, y, w),
          validLoss,
        });
      }
      if (p.earlyStoppingRounds !== null && Fe && it - bestIter >= p.earlyStoppingRounds) break;
      if (signal) await yieldToEventLoop();
    }
    let trees = builder.freeze();
    let nIter = done;
    if (p.earlyStoppingRounds !== null && Fe && bestIter >= 0 && bestIter + 1 < done) {
      nIter = bestIter + 1;
      trees = truncateTrees(trees, nIter * K);
    }
    return new FittedGbdt(target.task, { ...this.params }, X.columns, target.classes, {
      trees,
      baseScore: Array.from(base),
      nOutputs: K,
      objective: obj.name,
      nIterations: nIter,
      bestIteration: Fe ? bestIter + 1 : null,
    });
  }
}

/** Keeps the first `nTrees` trees (they occupy a prefix of the node arrays). */
function truncateTrees(t: TreeArrays, nTrees: number): TreeArrays {
  if (nTrees >= t.treeRoot.length) return t;
  const end = t.treeRoot[nTrees];
  let words = 0;
  for (let i = 0; i < end; i++) words = Math.max(words, t.catStart[i] + t.catLen[i]);
  return {
    feature: t.feature.slice(0, end),
    threshold: t.threshold.slice(0, end),
    thresholdBin: t.thresholdBin.slice(0, end),
    left: t.left.slice(0, end),
    right: t.right.slice(0, end),
    defaultLeft: t.defaultLeft.slice(0, end),
    catStart: t.catStart.slice(0, end),
    catLen: t.catLen.slice(0, end),
    catBits: t.catBits.slice(0, words),
    value: t.value.slice(0, end * t.valueDim),
    cover: t.cover.slice(0, end),
    count: t.count.slice(0, end),
    gain: t.gain.slice(0, end),
    treeRoot: t.treeRoot.slice(0, nTrees),
    valueDim: t.valueDim,
  };
}

function builderCatLeft(b: TreeBuilder, nd: number, code: number): boolean {
  const w = code >>> 5;
  if (w >= b.catLen[nd]) return false;
  return ((b.catBits[b.catStart[nd] + w] >>> (code & 31)) & 1) === 1;
}

/** Adds a just-grown tree's output to F (column k) routing rows over the bin matrix. */
function addTreeBinned(
  b: TreeBuilder,
  tree: number,
  bins: Uint8Array,
  n: number,
  binValues: readonly Float64Array[],
  F: Float64Array,
  K: number,
  k: number,
): void {
  const root = b.treeRoot[tree];
  for (let i = 0; i < n; i++) {
    let nd = root;
    while (b.feature[nd] >= 0) {
      const f = b.feature[nd];
      const bin = bins[f * n + i];
      let left: boolean;
      if (bin === MISSING_BIN) left = b.defaultLeft[nd] === 1;
      else if (b.catLen[nd] > 0) left = builderCatLeft(b, nd, binValues[f][bin]);
      else left = bin <= b.thresholdBin[nd];
      nd = left ? b.left[nd] : b.right[nd];
    }
    F[i * K + k] += b.value[nd];
  }
}

/** Adds a just-grown tree's output to F (column k) routing raw values (the eval set). */
function addTreeRaw(b: TreeBuilder, tree: number, X: Matrix, F: Float64Array, K: number, k: number): void {
  const root = b.treeRoot[tree];
  const n = X.nRows;
  for (let i = 0; i < n; i++) {
    let nd = root;
    while (b.feature[nd] >= 0) {
      const x = X.data[b.feature[nd] * n + i];
      let left: boolean;
      if (b.catLen[nd] > 0)
        left = x >= 0 && Number.isInteger(x) ? builderCatLeft(b, nd, x) : b.defaultLeft[nd] === 1;
      else left = x <= b.threshold[nd] || (Number.isNaN(x) && b.defaultLeft[nd] === 1);
      nd = left ? b.left[nd] : b.right[nd];
    }
    F[i * K + k] += b.value[nd];
  }
}

interface GbdtState {
  readonly trees: TreeArrays;
  readonly baseScore: number[];
  readonly nOutputs: number;
  readonly objective: 'binary' | 'multiclass' | 'squared_error';
  readonly nIterations: number;
  readonly bestIteration: number | null;
}

/** A fitted GBDT: trees as flat typed arrays (`trees`), tree t predicts output t mod nOutputs. */
export class FittedGbdt extends FittedBase {
  readonly kind = 'gbdt';
  readonly owner = 'FittedGbdt';
  readonly trees: TreeArrays;
  readonly baseScore: readonly number[];
  readonly nOutputs: number;
  readonly nIterations: number;
  readonly bestIteration: number | null;
  private readonly objective: GbdtState['objective'];
  /** Branch-free prediction layout, built on first use (null when trees have categorical splits). */
  private compiled: CompiledTrees | null | undefined = undefined;
  /** Output column of each tree (tree t adds to output t mod K), built once. */
  private treeCols: Int32Array | undefined = undefined;

  constructor(
    task: Task,
    params: Record<string, unknown>,
    featureNames: readonly string[],
    classes: readonly string[] | null,
    s: GbdtState,
  ) {
    super(task, params, featureNames, classes);
    this.trees = s.trees;
    this.baseScore = Object.freeze([...s.baseScore]);
    this.nOutputs = s.nOutputs;
    this.objective = s.objective;
    this.nIterations = s.nIterations;
    this.bestIteration = s.bestIteration;
  }

  /** Raw scores (log-odds / softmax logits / values), row-major n × nOutputs. */
  predictRaw(X: Matrix): Float64Array {
    const K = this.nOutputs;
    const n = X.nRows;
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) out[i * K + k] = this.baseScore[k];
    if (this.compiled === undefined) this.compiled = compileTrees(this.trees);
    if (this.compiled) {
      if (!this.treeCols) {
        this.treeCols = new Int32Array(this.trees.treeRoot.length);
        for (let t = 0; t < this.treeCols.length; t++) this.treeCols[t] = t % K;
      }
      predictCompiledParallel(this.compiled, this.trees.value, 1, X.data, n, out, K, this.treeCols);
    } else accumulateTrees(this.trees, X.data, n, out, K, (t) => t % K);
    return out;
  }

  protected compute(X: Matrix): Float64Array {
    const raw = this.predictRaw(X);
    return objectiveFor(this.task, this.nOutputs).transform(raw, X.nRows);
  }

  /** Total split gain per feature (LightGBM's importance_type='gain'). */
  featureImportance(): Float64Array {
    const imp = new Float64Array(this.featureNames.length);
    const t = this.trees;
    for (let i = 0; i < t.feature.length; i++) if (t.feature[i] >= 0) imp[t.feature[i]] += t.gain[i];
    return imp;
  }

  toJSON(): SerializedModel {
    return this.serialised(
      {
        baseScore: [...this.baseScore],
        nOutputs: this.nOutputs,
        objective: this.objective,
        nIterations: this.nIterations,
        bestIteration: this.bestIteration,
      },
      treeArraysToRecord(this.trees),
    );
  }

  static fromJSON(s: SerializedModel): FittedGbdt {
    checkSerialized(s, 'gbdt', ['tree.feature', 'tree.value']);
    const st = s.state as Record<string, unknown>;
    const trees = treeArraysFromRecord(s.arrays, 1);
    if (
      !trees ||
      !Array.isArray(st.baseScore) ||
      typeof st.nOutputs !== 'number' ||
      st.baseScore.length !== st.nOutputs
    ) {
      throw createError('AEGLE_LEARN_BAD_STATE', {
        kind: 'gbdt',
        reason: 'the tree arrays or the base score are inconsistent',
      });
    }
    return new FittedGbdt(s.task, s.params, s.featureNames, s.classes, {
      trees,
      baseScore: st.baseScore as number[],
      nOutputs: st.nOutputs,
      objective: st.objective as GbdtState['objective'],
      nIterations: st.nIterations as number,
      bestIteration: (st.bestIteration as number | null) ?? null,
    });
  }
}

registerModelKind({
  kind: 'gbdt',
  description:
    'Histogram gradient-boosted trees (LightGBM / XGBoost hist): missing values, categorical splits, monotone constraints.',
  tasks: TASKS,
  schema: GBDT_SCHEMA,
  create: (params = {}) => new GbdtEstimator(params as Partial<GbdtParams>),
  fromJSON: (s) => FittedGbdt.fromJSON(s) as FittedModel,
});
