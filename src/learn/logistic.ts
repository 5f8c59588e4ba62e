/**
 * Logistic regression: binary (one coefficient vector) and multinomial softmax (K vectors, all
 * penalised — scikit-learn's parametrisation), with L2, L1 or elastic-net penalties, class and
 * sample weights. Solver: L-BFGS for L2 / none, OWL-QN (L-BFGS with an orthant-wise L1 step,
 * Andrew & Gao 2007) for L1 / elastic net.
 *
 * The objective is scikit-learn's, divided by C·Σweights (same minimiser):
 *   (1/W) Σ sᵢ·logloss(yᵢ, zᵢ) + (1 − ρ)/(2·C·W)·‖w‖² + ρ/(C·W)·‖w‖₁,
 * with ρ = l1Ratio (elastic net), 1 (l1), 0 (l2); no penalty for `none`. The intercept is never
 * penalised.
 *
 * Unpenalised binary fits also report standard errors from the inverse Fisher information
 * (Xᵀ diag(sᵢ pᵢ(1−pᵢ)) X, intercept included), Wald z, two-sided p-values and 95% CIs — the table
 * statsmodels' `Logit.fit().summary()` prints — and every fit reports odds ratios.
 */
import type { Matrix, ParamSchema } from '../core/index.js';
import {
  CLASS_WEIGHT_PARAM,
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
import { minimizeLbfgs } from './lbfgs.js';
import { Z_975, normalTwoSidedP, spdInverse } from './linalg.js';
import { registerModelKind } from './registry.js';

export interface LogisticParams {
  penalty: 'l2' | 'l1' | 'elasticnet' | 'none';
  C: number;
  l1Ratio: number;
  fitIntercept: boolean;
  classWeight: null | 'balanced' | Record<string, number>;
  maxIter: number;
  tol: number;
}

export const LOGISTIC_SCHEMA: ParamSchema = {
  penalty: {
    type: 'enum',
    values: ['l2', 'l1', 'elasticnet', 'none'],
    default: 'l2',
    description: 'Penalty on the coefficients (never on the intercept).',
  },
  C: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    default: 1,
    description: 'Inverse regularisation strength, as scikit-learn: smaller C = stronger penalty.',
  },
  l1Ratio: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.5,
    description: 'Elastic-net mixing: 0 = L2, 1 = L1 (used with penalty elasticnet).',
  },
  fitIntercept: { type: 'boolean', default: true, description: 'Fit an intercept (bias) term.' },
  classWeight: CLASS_WEIGHT_PARAM,
  maxIter: {
    type: 'number',
    min: 1,
    max: 1_000_000,
    integer: true,
    default: 1000,
    description: 'Maximum solver iterations.',
  },
  tol: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    default: 1e-6,
    description: 'Stop when the largest absolute (pseudo-)gradient of the mean objective is below this.',
  },
};

const TASKS: readonly Task[] = ['binary', 'multiclass'];

/** One row of the coefficient table a clinician reads. */
export interface CoefficientRow {
  readonly term: string;
  /** Class the row's coefficients belong to (multiclass only). */
  readonly class?: string;
  readonly coef: number;
  readonly oddsRatio: number;
  /** Present for unpenalised binary fits only. */
  readonly se?: number;
  readonly z?: number;
  readonly p?: number;
  readonly ciLow?: number;
  readonly ciHigh?: number;
  readonly oddsRatioCiLow?: number;
  readonly oddsRatioCiHigh?: number;
}

export class LogisticRegression extends EstimatorBase<LogisticParams> {
  readonly kind = 'logistic';
  readonly owner = 'LogisticRegression';
  readonly tasks = TASKS;
  readonly schema = LOGISTIC_SCHEMA;

  protected clone(params: Partial<LogisticParams>): LogisticRegression {
    return new LogisticRegression(params);
  }

  async fit(X: Matrix, y: Float64Array, opts: FitArgs = {}): Promise<FittedLogistic> {
    const params = this.resolve();
    throwIfAborted(opts.signal, this.owner);
    const target = resolveTarget(this.owner, this.tasks, X, y, opts);
    requireFinite(this.owner, X);
    const sw = rowWeights(y, target, opts.sampleWeight, params.classWeight, this.owner);
    const { nRows: n, nCols: p, data } = X;
    const K = target.task === 'binary' ? 1 : target.nClasses;
    const stride = p + 1; // coefficients then intercept, per class
    let W = 0;
    for (let i = 0; i < n; i++) W += sw[i];
    if (!(W > 0)) throw new Error('LogisticRegression: the sample weights sum to zero.');
    const penalised = params.penalty !== 'none';
    const rho = params.penalty === 'l1' ? 1 : params.penalty === 'elasticnet' ? params.l1Ratio : 0;
    const l2 = penalised ? (1 - rho) / (params.C * W) : 0;
    const l1Strength = penalised ? rho / (params.C * W) : 0;
    const l1 = new Float64Array(K * stride);
    if (l1Strength > 0)
      for (let k = 0; k < K; k++) for (let j = 0; j < p; j++) l1[k * stride + j] = l1Strength;

    const z = new Float64Array(K === 1 ? 0 : n * K);
    const r = new Float64Array(K === 1 ? 0 : n * K);
    const yi = new Int32Array(n);
    for (let i = 0; i < n; i++) yi[i] = y[i];
    const fitIntercept = params.fitIntercept;
    // Binary: scores by column blocks of four (z += c0·x0 + … + c3·x3: one z load/store per four
    // columns), losses and residuals per row, then gradients as four dot products per pass over r.
    const zb = new Float64Array(K === 1 ? n : 0);
    const rb = new Float64Array(K === 1 ? n : 0);
    const binaryObjective = (w: Float64Array, grad: Float64Array): number => {
      zb.fill(fitIntercept ? w[p] : 0);
      let j = 0;
      for (; j + 3 < p; j += 4) {
        const c0 = w[j];
        const c1 = w[j + 1];
        const c2 = w[j + 2];
        const c3 = w[j + 3];
        const o0 = j * n;
        const o1 = o0 + n;
        const o2 = o1 + n;
        const o3 = o2 + n;
        for (let i = 0; i < n; i++)
          zb[i] += c0 * data[o0 + i] + c1 * data[o1 + i] + c2 * data[o2 + i] + c3 * data[o3 + i];
      }
      for (; j < p; j++) {
        const c = w[j];
        const off = j * n;
        for (let i = 0; i < n; i++) zb[i] += c * data[off + i];
      }
      let loss = 0;
      let gb = 0;
      for (let i = 0; i < n; i++) {
        const zi = zb[i];
        const s = sw[i];
        const e = Math.exp(-Math.abs(zi));
        // log(1 + e^z) stably; σ(z) from the same exponential
        loss += s * (Math.max(zi, 0) + Math.log1p(e) - (yi[i] === 1 ? zi : 0));
        const pr = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
        const ri = (s * (pr - yi[i])) / W;
        rb[i] = ri;
        gb += ri;
      }
      j = 0;
      for (; j + 3 < p; j += 4) {
        const o0 = j * n;
        const o1 = o0 + n;
        const o2 = o1 + n;
        const o3 = o2 + n;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let i = 0; i < n; i++) {
          const ri = rb[i];
          a0 += ri * data[o0 + i];
          a1 += ri * data[o1 + i];
          a2 += ri * data[o2 + i];
          a3 += ri * data[o3 + i];
        }
        grad[j] = a0;
        grad[j + 1] = a1;
        grad[j + 2] = a2;
        grad[j + 3] = a3;
      }
      for (; j < p; j++) {
        const off = j * n;
        let a = 0;
        for (let i = 0; i < n; i++) a += rb[i] * data[off + i];
        grad[j] = a;
      }
      let value = loss / W;
      for (let k = 0; k < p; k++) {
        grad[k] += l2 * w[k];
        value += 0.5 * l2 * w[k] * w[k];
      }
      grad[p] = fitIntercept ? gb : 0;
      return value;
    };
    const multinomialObjective = (w: Float64Array, grad: Float64Array): number => {
      // scores z (class-major: z[k*n+i])
      for (let k = 0; k < K; k++) {
        const b = fitIntercept ? w[k * stride + p] : 0;
        const zk = z.subarray(k * n, (k + 1) * n);
        zk.fill(b);
        for (let j = 0; j < p; j++) {
          const c = w[k * stride + j];
          if (c === 0) continue;
          const off = j * n;
          for (let i = 0; i < n; i++) zk[i] += c * data[off + i];
        }
      }
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let mx = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < K; k++) if (z[k * n + i] > mx) mx = z[k * n + i];
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(z[k * n + i] - mx);
        const lse = mx + Math.log(sum);
        const s = sw[i];
        loss += s * (lse - z[yi[i] * n + i]);
        for (let k = 0; k < K; k++)
          r[k * n + i] = (s * (Math.exp(z[k * n + i] - lse) - (yi[i] === k ? 1 : 0))) / W;
      }
      let value = loss / W;
      for (let k = 0; k < K; k++) {
        const rk = r.subarray(k * n, (k + 1) * n);
        for (let j = 0; j < p; j++) {
          const off = j * n;
          let g = 0;
          for (let i = 0; i < n; i++) g += rk[i] * data[off + i];
          const wj = w[k * stride + j];
          grad[k * stride + j] = g + l2 * wj;
          value += 0.5 * l2 * wj * wj;
        }
        let gb = 0;
        if (fitIntercept) for (let i = 0; i < n; i++) gb += rk[i];
        grad[k * stride + p] = gb;
      }
      return value;
    };
    const objective = K === 1 ? binaryObjective : multinomialObjective;
    const total = params.maxIter;
    const res = await minimizeLbfgs(objective, new Float64Array(K * stride), {
      maxIter: params.maxIter,
      tol: params.tol,
      l1: l1Strength > 0 ? l1 : undefined,
      signal: opts.signal,
      owner: `${this.owner}.fit`,
      onIteration: opts.onProgress
        ? (it, v) => opts.onProgress!({ iteration: it, totalIterations: total, trainLoss: v })
        : undefined,
    });
    const coef = new Float64Array(K * p);
    const intercept = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < p; j++) coef[k * p + j] = res.w[k * stride + j];
      intercept[k] = fitIntercept ? res.w[k * stride + p] : 0;
    }
    let se: Float64Array | null = null;
    if (!penalised && K === 1) se = fisherStandardErrors(X, sw, coef, intercept[0], fitIntercept);
    return new FittedLogistic(
      target.task,
      params as unknown as Record<string, unknown>,
      X.columns,
      target.classes!,
      coef,
      intercept,
      se,
      {
        iterations: res.iterations,
        evaluations: res.evaluations,
        converged: res.converged,
        objective: res.value,
      },
    );
  }
}

/**
 * Standard errors from the inverse Fisher information; order: intercept (when fitted) then the
 * coefficients. Null when the information matrix is singular (separation, collinearity).
 */
function fisherStandardErrors(
  X: Matrix,
  sw: Float64Array,
  coef: Float64Array,
  b: number,
  fitIntercept: boolean,
): Float64Array | null {
  const { nRows: n, nCols: p, data } = X;
  const q = p + (fitIntercept ? 1 : 0);
  const off = fitIntercept ? 1 : 0;
  const wts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let zi = b;
    for (let j = 0; j < p; j++) zi += coef[j] * data[j * n + i];
    const pr = 1 / (1 + Math.exp(-zi));
    wts[i] = sw[i] * pr * (1 - pr);
  }
  const info = new Float64Array(q * q);
  const col = (a: number, i: number) => (fitIntercept && a === 0 ? 1 : data[(a - off) * n + i]);
  for (let a = 0; a < q; a++) {
    for (let c = a; c < q; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += wts[i] * col(a, i) * col(c, i);
      info[a * q + c] = s;
      info[c * q + a] = s;
    }
  }
  const inv = spdInverse(info, q);
  if (!inv) return null;
  const se = new Float64Array(q);
  for (let a = 0; a < q; a++) se[a] = Math.sqrt(inv[a * q + a]);
  return se;
}

export interface LogisticFitInfo {
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly objective: number;
}

export class FittedLogistic extends FittedBase {
  readonly kind = 'logistic';
  readonly owner = 'LogisticRegression';

  constructor(
    task: Task,
    params: Record<string, unknown>,
    featureNames: readonly string[],
    classes: readonly string[],
    /** K' × p row-major (K' = 1 for binary). */
    readonly coef: Float64Array,
    /** K' intercepts. */
    readonly intercept: Float64Array,
    /** Standard errors (intercept first when fitted), unpenalised binary fits only. */
    readonly standardErrors: Float64Array | null,
    readonly info: LogisticFitInfo,
  ) {
    super(task, params, featureNames, classes);
  }

  /** Linear predictor (log-odds for binary), row-major n × K'. */
  decisionFunction(X: Matrix): Float64Array {
    const { nRows: n, nCols: p, data } = X;
    const K = this.intercept.length;
    const out = new Float64Array(n * K);
    const zk = new Float64Array(n);
    for (let k = 0; k < K; k++) {
      zk.fill(this.intercept[k]);
      for (let j = 0; j < p; j++) {
        const c = this.coef[k * p + j];
        const off = j * n;
        for (let i = 0; i < n; i++) zk[i] += c * data[off + i];
      }
      for (let i = 0; i < n; i++) out[i * K + k] = zk[i];
    }
    return out;
  }

  protected compute(X: Matrix): Float64Array {
    const n = X.nRows;
    const z = this.decisionFunction(X);
    if (this.intercept.length === 1) {
      const out = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        const p1 = 1 / (1 + Math.exp(-z[i]));
        out[2 * i] = 1 - p1;
        out[2 * i + 1] = p1;
      }
      return out;
    }
    const K = this.intercept.length;
    for (let i = 0; i < n; i++) {
      let mx = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) mx = Math.max(mx, z[i * K + k]);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += z[i * K + k] = Math.exp(z[i * K + k] - mx);
      for (let k = 0; k < K; k++) z[i * K + k] /= sum;
    }
    return z;
  }

  /**
   * The coefficient table: one row per term (intercept first), with odds ratios and — for
   * unpenalised binary fits — SE, Wald z, p-value and 95% CI (also as odds ratios).
   */
  summary(): CoefficientRow[] {
    const p = this.featureNames.length;
    const K = this.intercept.length;
    const fitIntercept = this.params.fitIntercept !== false;
    const rows: CoefficientRow[] = [];
    for (let k = 0; k < K; k++) {
      const cls = K > 1 ? { class: this.classes![k] } : {};
      const terms: Array<[string, number, number]> = [];
      if (fitIntercept) terms.push(['(intercept)', this.intercept[k], 0]);
      for (let j = 0; j < p; j++)
        terms.push([this.featureNames[j], this.coef[k * p + j], j + (fitIntercept ? 1 : 0)]);
      for (const [term, coef, idx] of terms) {
        const se = this.standardErrors?.[idx];
        if (se === undefined) {
          rows.push({ term, ...cls, coef, oddsRatio: Math.exp(coef) });
          continue;
        }
        const lo = coef - Z_975 * se;
        const hi = coef + Z_975 * se;
        const zv = coef / se;
        rows.push({
          term,
          coef,
          oddsRatio: Math.exp(coef),
          se,
          z: zv,
          p: normalTwoSidedP(zv),
          ciLow: lo,
          ciHigh: hi,
          oddsRatioCiLow: Math.exp(lo),
          oddsRatioCiHigh: Math.exp(hi),
        });
      }
    }
    return rows;
  }

  toJSON(): SerializedModel {
    const arrays: SerializedModel['arrays'] = { coef: this.coef, intercept: this.intercept };
    if (this.standardErrors) arrays.standardErrors = this.standardErrors;
    return this.serialised({ ...this.info }, arrays);
  }

  static fromJSON(s: SerializedModel): FittedLogistic {
    checkSerialized(s, 'logistic', ['coef', 'intercept']);
    return new FittedLogistic(
      s.task,
      { ...s.params },
      s.featureNames,
      s.classes ?? ['0', '1'],
      s.arrays.coef as Float64Array,
      s.arrays.intercept as Float64Array,
      (s.arrays.standardErrors as Float64Array | undefined) ?? null,
      s.state as unknown as LogisticFitInfo,
    );
  }
}

registerModelKind({
  kind: 'logistic',
  description: 'Logistic regression (binary / multinomial; L2, L1, elastic net; odds ratios and Wald CIs).',
  tasks: TASKS,
  schema: LOGISTIC_SCHEMA,
  create: (params = {}) => new LogisticRegression(params as Partial<LogisticParams>),
  fromJSON: (s) => FittedLogistic.fromJSON(s) as FittedModel,
});
