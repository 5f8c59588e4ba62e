/**
 * CART decision tree (Breiman et al. 1984; scikit-learn's `DecisionTreeClassifier/Regressor`):
 * gini, entropy or squared-error splits, `maxDepth`, `minSamplesSplit`, `minSamplesLeaf`, and export
 * as readable if–then rules (`toRules`). Split search runs on ≤ 255 bins per feature (exact when a
 * feature has ≤ 255 distinct values; thresholds sit at the midpoint between adjacent distinct values
 * of the training data). Cost-complexity pruning is not implemented yet.
 */
import {
  type Criterion,
  type TreeArrays,
  treeArraysFromRecord,
  treeArraysToRecord,
} from '../compute/index.js';
import { type Matrix, type ParamSchema, createError } from '../core/index.js';
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
import { averageTrees, fitImpurityTrees, resolveCriterion } from './tree/impurity.js';

export interface CartParams {
  criterion: 'auto' | Criterion;
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxBins: number;
  classWeight: null | 'balanced' | Record<string, number>;
}

export const CART_SCHEMA: ParamSchema = {
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
    description: 'Maximum depth (null: until pure).',
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
  maxBins: {
    type: 'number',
    integer: true,
    min: 2,
    max: 255,
    default: 255,
    description: 'Value bins per feature for split search.',
  },
  classWeight: CLASS_WEIGHT_PARAM,
};

const TASKS: readonly Task[] = ['binary', 'multiclass', 'regression'];
const OWNER = 'DecisionTree';

export class DecisionTree extends EstimatorBase<CartParams> {
  readonly kind = 'cart';
  readonly owner = OWNER;
  readonly tasks = TASKS;
  readonly schema = CART_SCHEMA;

  protected clone(params: Partial<CartParams>): DecisionTree {
    return new DecisionTree(params);
  }

  async fit(X: Matrix, y: Float64Array, options: FitArgs = {}): Promise<FittedCart> {
    const p = this.resolve();
    const target = resolveTarget(OWNER, TASKS, X, y, options);
    const classify = target.task !== 'regression';
    const criterion = resolveCriterion(OWNER, p.criterion, classify);
    const w =
      options.sampleWeight || p.classWeight
        ? rowWeights(y, target, options.sampleWeight, p.classWeight, OWNER)
        : null;
    throwIfAborted(options.signal, OWNER);
    const res = await fitImpurityTrees(X, y, w, {
      criterion,
      maxDepth: p.maxDepth ?? 1_000_000,
      minSamplesSplit: p.minSamplesSplit,
      minSamplesLeaf: p.minSamplesLeaf,
      maxFeatures: X.nCols,
      bootstrap: false,
      seeds: [0],
      oob: false,
      maxBins: p.maxBins,
      nClasses: classify ? target.nClasses : 0,
      threads: 1,
      owner: OWNER,
    });
    return new FittedCart(target.task, { ...this.params }, X.columns, target.classes, res.trees);
  }
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

export class FittedCart extends FittedBase {
  readonly kind = 'cart';
  readonly owner = 'FittedCart';
  private readonly cache: { compiled?: any } = {};

  constructor(
    task: Task,
    params: Record<string, unknown>,
    featureNames: readonly string[],
    classes: readonly string[] | null,
    readonly tree: TreeArrays,
  ) {
    super(task, params, featureNames, classes);
  }

  protected compute(X: Matrix): Float64Array {
    return averageTrees(this.tree, X, this.cache);
  }

  /**
   * The tree as nested if–then rules, e.g.
   * ```
   * if age <= 54.5 (missing: no)
   *   if chol <= 250 …
   *     then class 0 (p = 0.92; n = 40)
   * ```
   */
  toRules(featureNames: readonly string[] = this.featureNames): string {
    const t = this.tree;
    const dim = t.valueDim;
    const lines: string[] = [];
    const leaf = (nd: number) => {
      const n = t.count[nd];
      if (this.classes) {
        let best = 0;
        for (let k = 1; k < dim; k++) if (t.value[nd * dim + k] > t.value[nd * dim + best]) best = k;
        return `then class ${this.classes[best]} (p = ${fmt(t.value[nd * dim + best])}; n = ${n})`;
      }
      return `then ${fmt(t.value[nd])} (n = ${n})`;
    };
    const walk = (nd: number, depth: number) => {
      const pad = '  '.repeat(depth);
      if (t.feature[nd] < 0) {
        lines.push(pad + leaf(nd));
        return;
      }
      const name = featureNames[t.feature[nd]] ?? `x${t.feature[nd]}`;
      const thr = t.threshold[nd];
      if (thr === Number.POSITIVE_INFINITY) {
        lines.push(`${pad}if ${name} is present`);
        walk(t.left[nd], depth + 1);
        lines.push(`${pad}else (${name} missing)`);
      } else {
        lines.push(`${pad}if ${name} <= ${fmt(thr)}`);
        walk(t.left[nd], depth + 1);
        lines.push(`${pad}else (${name} > ${fmt(thr)} or missing)`);
      }
      walk(t.right[nd], depth + 1);
    };
    walk(t.treeRoot[0], 0);
    return lines.join('\n');
  }

  toJSON(): SerializedModel {
    return this.serialised({ valueDim: this.tree.valueDim }, treeArraysToRecord(this.tree));
  }

  static fromJSON(s: SerializedModel): FittedCart {
    checkSerialized(s, 'cart', ['tree.feature', 'tree.value']);
    const dim = s.state.valueDim;
    const tree = typeof dim === 'number' ? treeArraysFromRecord(s.arrays, dim) : null;
    if (tree === null || tree.treeRoot.length !== 1)
      throw createError('AEGLE_LEARN_BAD_STATE', {
        kind: 'cart',
        reason: 'the tree arrays are inconsistent',
      });
    return new FittedCart(s.task, s.params, s.featureNames, s.classes, tree);
  }
}

registerModelKind({
  kind: 'cart',
  description: 'CART decision tree (gini / entropy / squared error), exportable as if–then rules.',
  tasks: TASKS,
  schema: CART_SCHEMA,
  create: (params = {}) => new DecisionTree(params as Partial<CartParams>),
  fromJSON: (s) => FittedCart.fromJSON(s) as FittedModel,
});
