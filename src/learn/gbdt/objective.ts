/**
 * Boosting objectives: gradients and hessians of the loss with respect to the raw score, the base score,
 * the loss value and the raw-score → output transform (LightGBM `objective/`, scikit-learn
 * `_hist_gradient_boosting/_loss`).
 */
import type { Task } from '../estimator.js';

export interface Objective {
  readonly name: 'binary' | 'multiclass' | 'squared_error';
  /** Raw scores per row (trees per iteration). */
  readonly nOutputs: number;
  /** Initial raw score per output: log-odds of the (weighted) prior, log priors, or the weighted mean. */
  baseScore(y: Float64Array, w: Float64Array): Float64Array;
  /**
   * Writes interleaved gradient/hessian pairs of output `k` into `gh` (length 2n) from raw scores
   * `F` (row-major n × nOutputs) for the rows listed (all when `rows` is null).
   */
  gradients(F: Float64Array, y: Float64Array, w: Float64Array, k: number, gh: Float64Array): void;
  /** Weighted mean loss. */
  loss(F: Float64Array, y: Float64Array, w: Float64Array | null): number;
  /** Raw scores → predictions (probabilities row-major n × K, or values), in place where it can. */
  transform(F: Float64Array, n: number): Float64Array;
}

const HESS_FLOOR = 1e-16;

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function objectiveFor(task: Task, nClasses: number): Objective {
  if (task === 'binary') return binary;
  if (task === 'multiclass') return multiclass(nClasses);
  return squaredError;
}

const binary: Objective = {
  name: 'binary',
  nOutputs: 1,
  baseScore(y, w) {
    let sw = 0;
    let sp = 0;
    for (let i = 0; i < y.length; i++) {
      sw += w[i];
      sp += w[i] * y[i];
    }
    const p = Math.min(Math.max(sp / sw, 1e-15), 1 - 1e-15);
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(F, y, w, _k, gh) {
    for (let i = 0; i < y.length; i++) {
      // sigmoid(F[i]) without a data-dependent branch (the sign of F is random across rows): both
      // stable forms are computed and one is kept by an exact 0/1 blend, so p is bit-identical.
      const z = F[i];
      const e = Math.exp(-Math.abs(z));
      const s = +(z >= 0);
      const p = s * (1 / (1 + e)) + (1 - s) * (e / (1 + e));
      gh[2 * i] = (p - y[i]) * w[i];
      gh[2 * i + 1] = Math.max(p * (1 - p), HESS_FLOOR) * w[i];
    }
  },
  loss(F, y, w) {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const z = F[i];
      // log(1 + e^z) − y z, stably
      const l = (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i] * z;
      const wi = w ? w[i] : 1;
      s += wi * l;
      sw += wi;
    }
    return s / sw;
  },
  transform(F, n) {
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(F[i]);
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  },
};

function multiclass(K: number): Objective {
  const softmaxRow = (F: Float64Array, i: number, out: Float64Array) => {
    let m = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) if (F[i * K + k] > m) m = F[i * K + k];
    let s = 0;
    for (let k = 0; k < K; k++) {
      out[k] = Math.exp(F[i * K + k] - m);
      s += out[k];
    }
    for (let k = 0; k < K; k++) out[k] /= s;
  };
  return {
    name: 'multiclass',
    nOutputs: K,
    baseScore(y, w) {
      const c = new Float64Array(K);
      let sw = 0;
      for (let i = 0; i < y.length; i++) {
        c[y[i]] += w[i];
        sw += w[i];
      }
      // log priors (scikit-learn's HistGradientBoosting baseline for the softmax loss)
      return c.map((v) => Math.log(Math.max(v / sw, 1e-15)));
    },
    gradients(F, y, w, k, gh) {
      const p = new Float64Array(K);
      for (let i = 0; i < y.length; i++) {
        softmaxRow(F, i, p);
        const pk = p[k];
        gh[2 * i] = (pk - (y[i] === k ? 1 : 0)) * w[i];
        gh[2 * i + 1] = Math.max(pk * (1 - pk), HESS_FLOOR) * w[i];
      }
    },
    loss(F, y, w) {
      const p = new Float64Array(K);
      let s = 0;
      let sw = 0;
      for (let i = 0; i < y.length; i++) {
        softmaxRow(F, i, p);
        const wi = w ? w[i] : 1;
        s -= wi * Math.log(Math.max(p[y[i]], 1e-300));
        sw += wi;
      }
      return s / sw;
    },
    transform(F, n) {
      const out = new Float64Array(n * K);
      const p = new Float64Array(K);
      for (let i = 0; i < n; i++) {
        softmaxRow(F, i, p);
        out.set(p, i * K);
      }
      return out;
    },
  };
}

const squaredError: Objective = {
  name: 'squared_error',
  nOutputs: 1,
  baseScore(y, w) {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      s += w[i] * y[i];
      sw += w[i];
    }
    return Float64Array.of(s / sw);
  },
  gradients(F, y, w, _k, gh) {
    for (let i = 0; i < y.length; i++) {
      gh[2 * i] = (F[i] - y[i]) * w[i];
      gh[2 * i + 1] = w[i];
    }
  },
  loss(F, y, w) {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const d = F[i] - y[i];
      const wi = w ? w[i] : 1;
      s += wi * d * d;
      sw += wi;
    }
    return s / sw;
  },
  transform(F) {
    return F;
  },
};
