/**
 * Naive Bayes classifiers, scikit-learn's definitions:
 * - `gaussian`: per-class means and (population) variances, each variance plus
 *   `varSmoothing · max_j Var(x_j)` (`GaussianNB`);
 * - `categorical`: features are category codes 0, 1, …; P(x_j = c | k) = (N_kjc + α)/(N_k + α·C_j)
 *   with C_j = max code seen at fit + 1 (`CategoricalNB`). A code never seen at fit (or missing)
 *   contributes nothing for that feature.
 * Class priors are the (weighted) class frequencies.
 */
import { type Matrix, type ParamSchema, createError } from '../core/index.js';
import {
  EstimatorBase,
  type FitArgs,
  FittedBase,
  checkSerialized,
  requireFinite,
  resolveTarget,
  rowWeights,
  throwIfAborted,
} from './base.js';
import type { FittedModel, SerializedModel, Task } from './estimator.js';
import { registerModelKind } from './registry.js';

export interface NaiveBayesParams {
  distribution: 'gaussian' | 'categorical';
  varSmoothing: number;
  alpha: number;
}

export const NAIVE_BAYES_SCHEMA: ParamSchema = {
  distribution: {
    type: 'enum',
    values: ['gaussian', 'categorical'],
    default: 'gaussian',
    description: 'Per-feature likelihood: Gaussian, or categorical over integer codes.',
  },
  varSmoothing: {
    type: 'number',
    min: 0,
    default: 1e-9,
    description: 'Gaussian: fraction of the largest feature variance added to every variance.',
  },
  alpha: {
    type: 'number',
    min: 0,
    default: 1,
    description: 'Categorical: additive (Laplace/Lidstone) smoothing.',
  },
};

const TASKS: readonly Task[] = ['binary', 'multiclass'];

export class NaiveBayes extends EstimatorBase<NaiveBayesParams> {
  readonly kind = 'naive-bayes';
  readonly owner = 'NaiveBayes';
  readonly tasks = TASKS;
  readonly schema = NAIVE_BAYES_SCHEMA;

  protected clone(params: Partial<NaiveBayesParams>): NaiveBayes {
    return new NaiveBayes(params);
  }

  async fit(X: Matrix, y: Float64Array, opts: FitArgs = {}): Promise<FittedNaiveBayes> {
    const params = this.resolve();
    throwIfAborted(opts.signal, this.owner);
    const target = resolveTarget(this.owner, this.tasks, X, y, opts);
    requireFinite(this.owner, X);
    const w = rowWeights(y, target, opts.sampleWeight, null, this.owner);
    const { nRows: n, nCols: p, data } = X;
    const K = target.nClasses;
    const classW = new Float64Array(K);
    for (let i = 0; i < n; i++) classW[y[i]] += w[i];
    let total = 0;
    for (let k = 0; k < K; k++) total += classW[k];
    const logPrior = new Float64Array(K);
    for (let k = 0; k < K; k++) logPrior[k] = Math.log(classW[k] / total);
    opts.onProgress?.({ iteration: 1, totalIterations: 1 });
    const ps = params as unknown as Record<string, unknown>;
    if (params.distribution === 'gaussian') {
      const theta = new Float64Array(K * p);
      const variance = new Float64Array(K * p);
      let maxVar = 0;
      for (let j = 0; j < p; j++) {
        const off = j * n;
        let m = 0;
        for (let i = 0; i < n; i++) m += data[off + i];
        m /= n;
        let v = 0;
        for (let i = 0; i < n; i++) v += (data[off + i] - m) ** 2;
        maxVar = Math.max(maxVar, v / n);
        for (let i = 0; i < n; i++) theta[y[i] * p + j] += w[i] * data[off + i];
        for (let k = 0; k < K; k++) theta[k * p + j] = classW[k] > 0 ? theta[k * p + j] / classW[k] : 0;
        for (let i = 0; i < n; i++)
          variance[y[i] * p + j] += w[i] * (data[off + i] - theta[y[i] * p + j]) ** 2;
      }
      const eps = params.varSmoothing * maxVar;
      for (let k = 0; k < K; k++)
        for (let j = 0; j < p; j++)
          variance[k * p + j] = (classW[k] > 0 ? variance[k * p + j] / classW[k] : 0) + eps;
      return new FittedNaiveBayes(target.task, ps, X.columns, target.classes!, logPrior, { theta, variance });
    }
    const nCat = new Int32Array(p);
    for (let k = 0; k < data.length; k++) {
      const v = data[k];
      if (!(Number.isInteger(v) && v >= 0)) {
        throw createError('AEGLE_CORE_INVALID_PARAM', {
          param: 'X',
          owner: this.owner,
          expected: "non-negative integer category codes (distribution 'categorical')",
          got: `${v} in column '${X.columns[Math.floor(k / n)]}'`,
        });
      }
      const j = Math.floor(k / n);
      if (v + 1 > nCat[j]) nCat[j] = v + 1;
    }
    const offsets = new Int32Array(p + 1);
    for (let j = 0; j < p; j++) offsets[j + 1] = offsets[j] + nCat[j];
    const logProb = new Float64Array(K * offsets[p]);
    const counts = new Float64Array(K * offsets[p]);
    for (let j = 0; j < p; j++)
      for (let i = 0; i < n; i++) counts[y[i] * offsets[p] + offsets[j] + data[j * n + i]] += w[i];
    for (let k = 0; k < K; k++)
      for (let j = 0; j < p; j++)
        for (let c = 0; c < nCat[j]; c++) {
          const at = k * offsets[p] + offsets[j] + c;
          logProb[at] = Math.log((counts[at] + params.alpha) / (classW[k] + params.alpha * nCat[j]));
        }
    return new FittedNaiveBayes(target.task, ps, X.columns, target.classes!, logPrior, { offsets, logProb });
  }
}

interface GaussianState {
  theta: Float64Array;
  variance: Float64Array;
}
interface CategoricalState {
  offsets: Int32Array;
  logProb: Float64Array;
}

export class FittedNaiveBayes extends FittedBase {
  readonly kind = 'naive-bayes';
  readonly owner = 'NaiveBayes';

  constructor(
    task: Task,
    params: Record<string, unknown>,
    featureNames: readonly string[],
    classes: readonly string[],
    readonly logPrior: Float64Array,
    readonly state: GaussianState | CategoricalState,
  ) {
    super(task, params, featureNames, classes);
  }

  /** Joint log-likelihood log P(k) + Σ log P(x_j | k), row-major n × K. */
  jointLogLikelihood(X: Matrix): Float64Array {
    const { nRows: n, nCols: p, data } = X;
    const K = this.logPrior.length;
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) out[i * K + k] = this.logPrior[k];
    if ('theta' in this.state) {
      const { theta, variance } = this.state;
      for (let k = 0; k < K; k++) {
        let c = 0;
        for (let j = 0; j < p; j++) c += Math.log(2 * Math.PI * variance[k * p + j]);
        for (let i = 0; i < n; i++) {
          let s = -0.5 * c;
          for (let j = 0; j < p; j++)
            s -= (data[j * n + i] - theta[k * p + j]) ** 2 / (2 * variance[k * p + j]);
          out[i * K + k] += s;
        }
      }
    } else {
      const { offsets, logProb } = this.state;
      const width = offsets[p];
      for (let j = 0; j < p; j++) {
        const nCat = offsets[j + 1] - offsets[j];
        for (let i = 0; i < n; i++) {
          const v = data[j * n + i];
          if (!(Number.isInteger(v) && v >= 0 && v < nCat)) continue;
          for (let k = 0; k < K; k++) out[i * K + k] += logProb[k * width + offsets[j] + v];
        }
      }
    }
    return out;
  }

  protected compute(X: Matrix): Float64Array {
    const K = this.logPrior.length;
    const jll = this.jointLogLikelihood(X);
    for (let i = 0; i < X.nRows; i++) {
      let mx = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) mx = Math.max(mx, jll[i * K + k]);
      let s = 0;
      for (let k = 0; k < K; k++) s += jll[i * K + k] = Math.exp(jll[i * K + k] - mx);
      for (let k = 0; k < K; k++) jll[i * K + k] /= s;
    }
    return jll;
  }

  toJSON(): SerializedModel {
    const arrays: SerializedModel['arrays'] =
      'theta' in this.state
        ? { logPrior: this.logPrior, theta: this.state.theta, variance: this.state.variance }
        : { logPrior: this.logPrior, offsets: this.state.offsets, logProb: this.state.logProb };
    return this.serialised({}, arrays);
  }

  static fromJSON(s: SerializedModel): FittedNaiveBayes {
    checkSerialized(s, 'naive-bayes', ['logPrior']);
    const a = s.arrays;
    const state = a.theta
      ? { theta: a.theta as Float64Array, variance: a.variance as Float64Array }
      : { offsets: a.offsets as Int32Array, logProb: a.logProb as Float64Array };
    return new FittedNaiveBayes(
      s.task,
      { ...s.params },
      s.featureNames,
      s.classes ?? [],
      a.logPrior as Float64Array,
      state,
    );
  }
}

registerModelKind({
  kind: 'naive-bayes',
  description: 'Naive Bayes classifier (Gaussian or categorical likelihoods).',
  tasks: TASKS,
  schema: NAIVE_BAYES_SCHEMA,
  create: (params = {}) => new NaiveBayes(params as Partial<NaiveBayesParams>),
  fromJSON: (s) => FittedNaiveBayes.fromJSON(s) as FittedModel,
});
