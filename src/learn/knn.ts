/**
 * k-nearest neighbours (classification and regression), brute force: the training rows are kept
 * row-major and each query scans them with a tight typed-array loop, keeping the k best in a small
 * insertion-sorted buffer (ties: the earlier training row wins). `distance` weighting uses 1/d; a
 * query that coincides with training rows uses only those (scikit-learn's rule).
 */
import { type Matrix, type ParamSchema, createError } from '../core/index.js';
import {
  EstimatorBase,
  type FitArgs,
  FittedBase,
  checkSerialized,
  requireFinite,
  resolveTarget,
  throwIfAborted,
} from './base.js';
import type { FittedModel, SerializedModel, Task } from './estimator.js';
import { registerModelKind } from './registry.js';

export interface KnnParams {
  nNeighbors: number;
  weights: 'uniform' | 'distance';
  metric: 'euclidean' | 'manhattan';
}

export const KNN_SCHEMA: ParamSchema = {
  nNeighbors: {
    type: 'number',
    min: 1,
    max: 100_000,
    integer: true,
    default: 5,
    description: 'Number of neighbours (k).',
  },
  weights: {
    type: 'enum',
    values: ['uniform', 'distance'],
    default: 'uniform',
    description: 'Vote weights: equal, or 1/distance.',
  },
  metric: {
    type: 'enum',
    values: ['euclidean', 'manhattan'],
    default: 'euclidean',
    description: 'Distance between rows.',
  },
};

const TASKS: readonly Task[] = ['binary', 'multiclass', 'regression'];

export class KNearestNeighbors extends EstimatorBase<KnnParams> {
  readonly kind = 'knn';
  readonly owner = 'KNearestNeighbors';
  readonly tasks = TASKS;
  readonly schema = KNN_SCHEMA;

  protected clone(params: Partial<KnnParams>): KNearestNeighbors {
    return new KNearestNeighbors(params);
  }

  async fit(X: Matrix, y: Float64Array, opts: FitArgs = {}): Promise<FittedKnn> {
    const params = this.resolve();
    throwIfAborted(opts.signal, this.owner);
    const target = resolveTarget(this.owner, this.tasks, X, y, opts);
    requireFinite(this.owner, X);
    if (params.nNeighbors > X.nRows) {
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'nNeighbors',
        owner: this.owner,
        expected: `an integer in [1, ${X.nRows}] (the number of training rows)`,
        got: params.nNeighbors,
      });
    }
    const { nRows: n, nCols: p, data } = X;
    const rows = new Float64Array(n * p);
    for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) rows[i * p + j] = data[j * n + i];
    opts.onProgress?.({ iteration: 1, totalIterations: 1 });
    return new FittedKnn(
      target.task,
      params as unknown as Record<string, unknown>,
      X.columns,
      target.classes,
      rows,
      Float64Array.from(y),
    );
  }
}

export class FittedKnn extends FittedBase {
  readonly kind = 'knn';
  readonly owner = 'KNearestNeighbors';

  constructor(
    task: Task,
    params: Record<string, unknown>,
    featureNames: readonly string[],
    classes: readonly string[] | null,
    /** Training rows, row-major n × p. */
    readonly rows: Float64Array,
    readonly targets: Float64Array,
  ) {
    super(task, params, featureNames, classes);
  }

  /** Indices (row-major n × k) and distances of the k nearest training rows of each query row. */
  kneighbors(X: Matrix): { indices: Int32Array; distances: Float64Array } {
    const k = this.params.nNeighbors as number;
    const manhattan = this.params.metric === 'manhattan';
    const p = this.featureNames.length;
    const nTrain = this.targets.length;
    const { nRows: n, data } = X;
    const rows = this.rows;
    const indices = new Int32Array(n * k);
    const distances = new Float64Array(n * k);
    const q = new Float64Array(p);
    const bestD = new Float64Array(k);
    const bestI = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) q[j] = data[j * n + i];
      bestD.fill(Number.POSITIVE_INFINITY);
      bestI.fill(-1);
      let worst = Number.POSITIVE_INFINITY;
      for (let t = 0; t < nTrain; t++) {
        const base = t * p;
        let d = 0;
        if (manhattan) {
          for (let j = 0; j < p; j++) {
            d += Math.abs(q[j] - rows[base + j]);
            if (d >= worst) break;
          }
        } else {
          for (let j = 0; j < p; j++) {
            const diff = q[j] - rows[base + j];
            d += diff * diff;
            if (d >= worst) break;
          }
        }
        if (d >= worst) continue;
        let pos = k - 1;
        while (pos > 0 && bestD[pos - 1] > d) {
          bestD[pos] = bestD[pos - 1];
          bestI[pos] = bestI[pos - 1];
          pos--;
        }
        bestD[pos] = d;
        bestI[pos] = t;
        worst = bestD[k - 1];
      }
      for (let m = 0; m < k; m++) {
        indices[i * k + m] = bestI[m];
        distances[i * k + m] = manhattan ? bestD[m] : Math.sqrt(bestD[m]);
      }
    }
    return { indices, distances };
  }

  protected compute(X: Matrix): Float64Array {
    const k = this.params.nNeighbors as number;
    const byDistance = this.params.weights === 'distance';
    const { indices, distances } = this.kneighbors(X);
    const n = X.nRows;
    const K = this.classes ? this.classes.length : 1;
    const out = new Float64Array(n * K);
    const wts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      let anyZero = false;
      if (byDistance) for (let m = 0; m < k; m++) if (distances[i * k + m] === 0) anyZero = true;
      for (let m = 0; m < k; m++) {
        const d = distances[i * k + m];
        wts[m] = !byDistance ? 1 : anyZero ? (d === 0 ? 1 : 0) : 1 / d;
      }
      let total = 0;
      for (let m = 0; m < k; m++) total += wts[m];
      if (this.task === 'regression') {
        let s = 0;
        for (let m = 0; m < k; m++) s += wts[m] * this.targets[indices[i * k + m]];
        out[i] = s / total;
      } else {
        for (let m = 0; m < k; m++) out[i * K + this.targets[indices[i * k + m]]] += wts[m];
        for (let c = 0; c < K; c++) out[i * K + c] /= total;
      }
    }
    return out;
  }

  toJSON(): SerializedModel {
    return this.serialised({}, { rows: this.rows, targets: this.targets });
  }

  static fromJSON(s: SerializedModel): FittedKnn {
    checkSerialized(s, 'knn', ['rows', 'targets']);
    return new FittedKnn(
      s.task,
      { ...s.params },
      s.featureNames,
      s.classes,
      s.arrays.rows as Float64Array,
      s.arrays.targets as Float64Array,
    );
  }
}

registerModelKind({
  kind: 'knn',
  description:
    'k-nearest neighbours (classification / regression; uniform or 1/distance votes; euclidean or manhattan).',
  tasks: TASKS,
  schema: KNN_SCHEMA,
  create: (params = {}) => new KNearestNeighbors(params as Partial<KnnParams>),
  fromJSON: (s) => FittedKnn.fromJSON(s) as FittedModel,
});
