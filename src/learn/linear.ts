/**
 * Linear regression (ordinary / weighted least squares) and ridge regression, closed form: weighted
 * centring, then the normal equations (XᵀWX + αI)β = XᵀWy solved by Cholesky. The intercept is not
 * penalised; α is scikit-learn `Ridge`'s alpha (not scaled by n).
 *
 * Unpenalised fits report standard errors σ̂²(X̃ᵀWX̃)⁻¹ with σ̂² = Σwᵢrᵢ²/(n − p − 1), t statistics,
 * two-sided p-values from Student's t and 95% CIs — statsmodels' OLS summary.
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
import { cholesky, choleskySolve, spdInverse, studentT975, studentTTwoSidedP } from './linalg.js';
import { registerModelKind } from './registry.js';

export interface LinearParams {
  alpha: number;
  fitIntercept: boolean;
}

export const LINEAR_SCHEMA: ParamSchema = {
  alpha: {
    type: 'number',
    min: 0,
    default: 0,
    description: 'L2 (ridge) penalty; 0 = ordinary least squares.',
  },
  fitIntercept: { type: 'boolean', default: true, description: 'Fit an intercept term.' },
};

const TASKS: readonly Task[] = ['regression'];

export interface LinearCoefficientRow {
  readonly term: string;
  readonly coef: number;
  readonly se?: number;
  readonly t?: number;
  readonly p?: number;
  readonly ciLow?: number;
  readonly ciHigh?: number;
}

export class LinearRegression extends EstimatorBase<LinearParams> {
  readonly kind = 'linear';
  readonly owner = 'LinearRegression';
  readonly tasks = TASKS;
  readonly schema = LINEAR_SCHEMA;

  protected clone(params: Partial<LinearParams>): LinearRegression {
    return new LinearRegression(params);
  }

  async fit(X: Matrix, y: Float64Array, opts: FitArgs = {}): Promise<FittedLinear> {
    const params = this.resolve();
    throwIfAborted(opts.signal, this.owner);
    const target = resolveTarget(this.owner, this.tasks, X, y, { ...opts, task: 'regression' });
    requireFinite(this.owner, X);
    const w = rowWeights(y, target, opts.sampleWeight, null, this.owner);
    const { nRows: n, nCols: p, data } = X;
    let W = 0;
    for (let i = 0; i < n; i++) W += w[i];
    const xMean = new Float64Array(p);
    let yMean = 0;
    if (params.fitIntercept) {
      for (let j = 0; j < p; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += w[i] * data[j * n + i];
        xMean[j] = s / W;
      }
      for (let i = 0; i < n; i++) yMean += w[i] * y[i];
      yMean /= W;
    }
    const A = new Float64Array(p * p);
    const b = new Float64Array(p);
    const xc = new Float64Array(n * p);
    for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) xc[j * n + i] = data[j * n + i] - xMean[j];
    for (let a = 0; a < p; a++) {
      for (let c = a; c < p; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += w[i] * xc[a * n + i] * xc[c * n + i];
        A[a * p + c] = s;
        A[c * p + a] = s;
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += w[i] * xc[a * n + i] * (y[i] - yMean);
      b[a] = s;
      A[a * p + a] += params.alpha;
    }
    opts.onProgress?.({ iteration: 1, totalIterations: 1 });
    let L = cholesky(A, p);
    if (!L) {
      // collinear features: the minimum-norm-ish answer through a tiny ridge (reported in the state)
      let tr = 0;
      for (let a = 0; a < p; a++) tr += A[a * p + a];
      for (let a = 0; a < p; a++) A[a * p + a] += 1e-10 * (tr / Math.max(1, p) || 1);
      L = cholesky(A, p);
      if (!L)
        throw createError('AEGLE_LEARN_BAD_TARGET', {
          reason: 'LinearRegression: the features are collinear or constant; drop the redundant columns.',
        });
    }
    const coef = p ? choleskySolve(L, p, b) : new Float64Array(0);
    let intercept = 0;
    if (params.fitIntercept) {
      intercept = yMean;
      for (let j = 0; j < p; j++) intercept -= coef[j] * xMean[j];
    }
    // fit statistics
    let rss = 0;
    let tss = 0;
    for (let i = 0; i < n; i++) {
      let pred = intercept;
      for (let j = 0; j < p; j++) pred += coef[j] * data[j * n + i];
      rss += w[i] * (y[i] - pred) ** 2;
      tss += w[i] * (y[i] - yMean) ** 2;
    }
    let se: Float64Array | null = null;
    const q = p + (params.fitIntercept ? 1 : 0);
    const df = n - q;
    if (params.alpha === 0 && df > 0) {
      const off = params.fitIntercept ? 1 : 0;
      const col = (a: number, i: number) => (params.fitIntercept && a === 0 ? 1 : data[(a - off) * n + i]);
      const G = new Float64Array(q * q);
      for (let a = 0; a < q; a++)
        for (let c = a; c < q; c++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += w[i] * col(a, i) * col(c, i);
          G[a * q + c] = G[c * q + a] = s;
        }
      const inv = spdInverse(G, q);
      if (inv) {
        const sigma2 = rss / df;
        se = new Float64Array(q);
        for (let a = 0; a < q; a++) se[a] = Math.sqrt(sigma2 * inv[a * q + a]);
      }
    }
    return new FittedLinear(params as unknown as Record<string, unknown>, X.columns, coef, intercept, se, {
      rss,
      r2: tss > 0 ? 1 - rss / tss : 0,
      dfResid: df,
    });
  }
}

export interface LinearFitInfo {
  readonly rss: number;
  readonly r2: number;
  readonly dfResid: number;
}

export class FittedLinear extends FittedBase {
  readonly kind = 'linear';
  readonly owner = 'LinearRegression';

  constructor(
    params: Record<string, unknown>,
    featureNames: readonly string[],
    readonly coef: Float64Array,
    readonly intercept: number,
    /** Standard errors, intercept first when fitted (unpenalised fits only). */
    readonly standardErrors: Float64Array | null,
    readonly info: LinearFitInfo,
  ) {
    super('regression', params, featureNames, null);
  }

  protected compute(X: Matrix): Float64Array {
    const { nRows: n, nCols: p, data } = X;
    const out = new Float64Array(n).fill(this.intercept);
    for (let j = 0; j < p; j++) {
      const c = this.coef[j];
      const off = j * n;
      for (let i = 0; i < n; i++) out[i] += c * data[off + i];
    }
    return out;
  }

  /** Coefficient table (intercept first); SE, t, p and 95% CI for unpenalised fits. */
  summary(): LinearCoefficientRow[] {
    const fitIntercept = this.params.fitIntercept !== false;
    const terms: Array<[string, number]> = [];
    if (fitIntercept) terms.push(['(intercept)', this.intercept]);
    for (let j = 0; j < this.featureNames.length; j++) terms.push([this.featureNames[j], this.coef[j]]);
    const tq = this.standardErrors ? studentT975(this.info.dfResid) : 0;
    return terms.map(([term, coef], a) => {
      const se = this.standardErrors?.[a];
      if (se === undefined) return { term, coef };
      const t = coef / se;
      return {
        term,
        coef,
        se,
        t,
        p: studentTTwoSidedP(t, this.info.dfResid),
        ciLow: coef - tq * se,
        ciHigh: coef + tq * se,
      };
    });
  }

  toJSON(): SerializedModel {
    const arrays: SerializedModel['arrays'] = { coef: this.coef };
    if (this.standardErrors) arrays.standardErrors = this.standardErrors;
    return this.serialised({ intercept: this.intercept, ...this.info }, arrays);
  }

  static fromJSON(s: SerializedModel): FittedLinear {
    checkSerialized(s, 'linear', ['coef']);
    const st = s.state as unknown as LinearFitInfo & { intercept: number };
    return new FittedLinear(
      { ...s.params },
      s.featureNames,
      s.arrays.coef as Float64Array,
      st.intercept,
      (s.arrays.standardErrors as Float64Array) ?? null,
      {
        rss: st.rss,
        r2: st.r2,
        dfResid: st.dfResid,
      },
    );
  }
}

registerModelKind({
  kind: 'linear',
  description: 'Linear regression (OLS / WLS with standard errors) and ridge regression (alpha > 0).',
  tasks: TASKS,
  schema: LINEAR_SCHEMA,
  create: (params = {}) => new LinearRegression(params as Partial<LinearParams>),
  fromJSON: (s) => FittedLinear.fromJSON(s) as FittedModel,
});
