/**
 * Random forest (Breiman 2001) for classification and regression, with scikit-learn's parameters:
 * bootstrap samples, `maxFeatures` features tried per split, `maxDepth`, `minSamplesSplit`,
 * `minSamplesLeaf`, out-of-bag score. Class probabilities are the mean of the trees' leaf class
 * proportions (as `RandomForestClassifier.predict_proba`).
 *
 * Difference from scikit-learn: split search runs on features binned into ≤ 255 bins (like
 * LightGBM's `rf` mode) instead of on sorted raw values — identical candidate splits when a feature has
 * ≤ 255 distinct values, quantile thresholds otherwise. Trees grow in parallel on the tree worker pool;
 * tree i is grown from a seed derived from `seed` and i only, so the forest is the same for any
 * thread count.
 */
import {
  type Criterion,
  type TreeArrays,
  resolveThreads,
  treeArraysFromRecord,
  treeArraysToRecord,
} from '../compute/index.js';
import { type Matrix, type ParamSchema, Rng, createError } from '../core/index.js';
import {
  CLASS_WEIGHT_PARAM,
  EstimatorBase,
  type FitArgs,
  FittedBase,
  checkSerialized,
  resolveTarget,
  rowWeights,
  throwIfAborted,
} from './base.js';
import type { FittedModel, SerializedModel, Task } from './estimator.js';
import { registerModelKind } from './registry.js';
import {
  averageTrees,
  checkMaxFeatures,
  fitImpurityTrees,
  resolveCriterion,
  resolveMaxFeatures,
} from './tree/impurity.js';

export interface ForestParams {
  nEstimators: number;
  criterion: 'auto' | Criterion;
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxFeatures: 'sqrt' | 'log2' | number | null | 'auto';
  bootstrap: boolean;
  oobScore: boolean;
  maxBins: number;
  classWeight: null | 'balanced' | Record<string, number>;
  seed: number;
}

export const FOREST_SCHEMA: ParamSchema = {
  nEstimators: {
    type: 'number',
    integer: true,
    min: 1,
    max: 100_000,
    default: 100,
    description: 'Number of trees.',
  },
  criterion: {
    type: 'enum',
    values: ['auto', 'gini', 'entropy', 'squared_error'],
    default: 'auto',
    description: 'Split criterion (auto: gini for classification, squared_error for regression).',
  },
  maxDepth: {
    type: 'optionalNumber',
    integer: true,
    min: 1,
    max: 1000,
    default: null,
    description: 'Maximum depth (null: grow until pure or minSamples*).',
  },
  minSamplesSplit: {
    type: 'number',
    integer: true,
    min: 2,
    default: 2,
    description: 'Minimum rows in a node to split it.',
  },
  minSamplesLeaf: {
    type: 'number',
    integer: true,
    min: 1,
    default: 1,
    description: 'Minimum rows in each child of a split.',
  },
  maxFeatures: {
    type: 'any',
    default: 'auto',
    description:
      "Features tried per split: 'sqrt', 'log2', a fraction in (0, 1] (1 = all), an integer > 1, null = all; 'auto': sqrt (classification), all (regression), as scikit-learn.",
    check: (v) => (v === 'auto' ? null : checkMaxFeatures(v)),
  },
  bootstrap: { type: 'boolean', default: true, description: 'Grow each tree on a bootstrap sample.' },
  oobScore: {
    type: 'boolean',
    default: false,
    description: 'Compute the out-of-bag score (accuracy or R²).',
  },
  maxBins: {
    type: 'number',
    integer: true,
    min: 2,
    max: 255,
    default: 255,
    description: 'Value bins per feature for split search.',
  },
  classWeight: CLASS_WEIGHT_PARAM,
  seed: {
    type: 'number',
    integer: true,
    min: 0,
    default: 0,
    description: 'Seed of the bootstrap samples and feature draws.',
  },
};

const TASKS: readonly Task[] = ['binary', 'multiclass', 'regression'];
const OWNER = 'RandomForest';

export class RandomForest extends EstimatorBase<ForestParams> {
  readonly kind = 'random-forest';
  readonly owner = OWNER;
  readonly tasks = TASKS;
  readonly schema = FOREST_SCHEMA;

  protected clone(params: Partial<ForestParams>): RandomForest {
    return new RandomForest(params);
  }

  async fit(X: Matrix, y: Float64Array, options: FitArgs = {}): Promise<FittedForest> {
    const p = this.resolve();
    const target = resolveTarget(OWNER, TASKS, X, y, options);
    const classify = target.task !== 'regression';
    const criterion = resolveCriterion(OWNER, p.criterion, classify);
    const w =
      options.sampleWeight || p.classWeight
        ? rowWeights(y, target, options.sampleWeight, p.classWeight, OWNER)
        : null;
    throwIfAborted(options.signal, OWNER);
    const rng = new Rng(p.seed);
    const seeds = Array.from({ length: p.nEstimators }, () => rng.nextUint32());
    const mf = p.maxFeatures === 'auto' ? (classify ? 'sqrt' : null) : p.maxFeatures;
    const res = await fitImpurityTrees(X, y, w, {
      criterion,
      maxDepth: p.maxDepth ?? 1_000_000,
      minSamplesSplit: p.minSamplesSplit,
      minSamplesLeaf: p.minSamplesLeaf,
      maxFeatures: resolveMaxFeatures(mf, X.nCols),
      bootstrap: p.bootstrap,
      seeds,
      oob: p.oobScore && p.bootstrap,
      maxBins: p.maxBins,
      nClasses: classify ? target.nClasses : 0,
      threads: resolveThreads(options.threads),
      signal: options.signal,
      owner: OWNER,
      onTreesDone: (done) => options.onProgress?.({ iteration: done, totalIterations: p.nEstimators }),
    });
    let oob: number | null = null;
    if (res.oobSum && res.oobCount)
      oob = oobScoreOf(res.oobSum, res.oobCount, y, classify ? target.nClasses : 0);
    return new FittedForest(target.task, { ...this.params }, X.columns, target.classes, res.trees, oob);
  }
}

/** Accuracy (classification) or R² (regression) of the out-of-bag predictions (rows never out of bag are skipped). */
function oobScoreOf(sum: Float64Array, count: Int32Array, y: Float64Array, K: number): number {
  let used = 0;
  if (K > 0) {
    let correct = 0;
    for (let i = 0; i < count.length; i++) {
      if (count[i] === 0) continue;
      let best = 0;
      for (let k = 1; k < K; k++) if (sum[i * K + k] > sum[i * K + best]) best = k;
      if (best === y[i]) correct++;
      used++;
    }
    return correct / used;
  }
  let mean = 0;
  for (let i = 0; i < count.length; i++) {
    if (count[i] === 0) continue;
    mean += y[i];
    used++;
  }
  mean /= used;
  let ssr = 0;
  let sst = 0;
  for (let i = 0; i < count.length; i++) {
    if (count[i] === 0) continue;
    const d = y[i] - sum[i] / count[i];
    ssr += d * d;
    sst += (y[i] - mean) ** 2;
  }
  return 1 - ssr / sst;
}

export class FittedForest extends FittedBase {
  readonly kind = 'random-forest';
  readonly owner = 'FittedForest';
  private readonly cache: { compiled?: any } = {};

  constructor(
    task: Task,
    params: Record<string, unknown>,
    featureNames: readonly string[],
    classes: readonly string[] | null,
    /** The trees; leaf values are class proportions (valueDim = K) or means. */
    readonly trees: TreeArrays,
    /** Out-of-bag accuracy (classification) or R² (regression); null unless `oobScore`. */
    readonly oobScore: number | null,
  ) {
    super(task, params, featureNames, classes);
  }

  protected compute(X: Matrix): Float64Array {
    return averageTrees(this.trees, X, this.cache);
  }

  toJSON(): SerializedModel {
    return this.serialised(
      { valueDim: this.trees.valueDim, oobScore: this.oobScore },
      treeArraysToRecord(this.trees),
    );
  }

  static fromJSON(s: SerializedModel): FittedForest {
    checkSerialized(s, 'random-forest', ['tree.feature', 'tree.value']);
    const dim = s.state.valueDim;
    const trees = typeof dim === 'number' ? treeArraysFromRecord(s.arrays, dim) : null;
    if (!trees)
      throw createError('AEGLE_LEARN_BAD_STATE', {
        kind: 'random-forest',
        reason: 'the tree arrays are inconsistent',
      });
    return new FittedForest(
      s.task,
      s.params,
      s.featureNames,
      s.classes,
      trees,
      (s.state.oobScore as number | null) ?? null,
    );
  }
}

registerModelKind({
  kind: 'random-forest',
  description:
    'Random forest (bootstrap, maxFeatures, out-of-bag score); binned split search, trees grown in parallel.',
  tasks: TASKS,
  schema: FOREST_SCHEMA,
  create: (params = {}) => new RandomForest(params as Partial<ForestParams>),
  fromJSON: (s) => FittedForest.fromJSON(s) as FittedModel,
});
