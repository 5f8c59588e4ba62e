/**
 * Multilayer perceptron: dense layers with ReLU (or tanh) hidden units and a sigmoid (binary),
 * softmax (multiclass) or identity (regression) output; trained on minibatches by Adam (Kingma &
 * Ba 2015) or SGD with momentum, with an L2 penalty (scikit-learn's `alpha`, divided by the batch
 * size) and early stopping on a validation fraction (or `evalSet`), keeping the best weights.
 * Weights are initialised from the seed: He-uniform for ReLU layers, Glorot-uniform otherwise.
 * Pure typed-array kernels; one event-loop turn per epoch so an AbortSignal lands promptly.
 */
import { type Matrix, type ParamSchema, Rng, createError } from '../core/index.js';
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
  yieldToEventLoop,
} from './base.js';
import type { FittedModel, SerializedModel, Task } from './estimator.js';
import { registerModelKind } from './registry.js';

export interface MlpParams {
  hiddenLayerSizes: number[];
  activation: 'relu' | 'tanh';
  solver: 'adam' | 'sgd';
  learningRate: number;
  momentum: number;
  batchSize: number;
  maxIter: number;
  alpha: number;
  earlyStopping: boolean;
  validationFraction: number;
  nIterNoChange: number;
  tol: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  classWeight: null | 'balanced' | Record<string, number>;
  seed: number;
}

export const MLP_SCHEMA: ParamSchema = {
  hiddenLayerSizes: {
    type: 'numbers',
    min: 1,
    max: 100_000,
    integer: true,
    default: [100],
    description: 'Units per hidden layer, e.g. [64, 32].',
  },
  activation: {
    type: 'enum',
    values: ['relu', 'tanh'],
    default: 'relu',
    description: 'Hidden-layer activation.',
  },
  solver: {
    type: 'enum',
    values: ['adam', 'sgd'],
    default: 'adam',
    description: 'Optimiser: Adam, or SGD with momentum.',
  },
  learningRate: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 10,
    default: 0.001,
    description: 'Step size.',
  },
  momentum: { type: 'number', min: 0, max: 1, default: 0.9, description: 'SGD momentum.' },
  batchSize: {
    type: 'number',
    min: 1,
    max: 1_000_000,
    integer: true,
    default: 200,
    description: 'Minibatch size (capped at the number of rows).',
  },
  maxIter: {
    type: 'number',
    min: 1,
    max: 100_000,
    integer: true,
    default: 200,
    description: 'Maximum epochs.',
  },
  alpha: { type: 'number', min: 0, default: 0.0001, description: 'L2 penalty (as scikit-learn MLP).' },
  earlyStopping: {
    type: 'boolean',
    default: false,
    description: 'Stop when the validation loss stops improving (validationFraction held out, or evalSet).',
  },
  validationFraction: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 0.5,
    default: 0.1,
    description: 'Share of training rows held out for early stopping.',
  },
  nIterNoChange: {
    type: 'number',
    min: 1,
    max: 10_000,
    integer: true,
    default: 10,
    description: 'Epochs without an improvement of at least tol before stopping.',
  },
  tol: { type: 'number', min: 0, default: 1e-4, description: 'Minimum loss improvement that counts.' },
  beta1: { type: 'number', min: 0, max: 0.999999, default: 0.9, description: 'Adam: first-moment decay.' },
  beta2: { type: 'number', min: 0, max: 0.999999, default: 0.999, description: 'Adam: second-moment decay.' },
  epsilon: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    default: 1e-8,
    description: 'Adam: numerical stabiliser.',
  },
  classWeight: CLASS_WEIGHT_PARAM,
  seed: {
    type: 'number',
    min: 0,
    max: 4294967295,
    integer: true,
    default: 0,
    description: 'Seed for initialisation, shuffling and the validation split.',
  },
};

const TASKS: readonly Task[] = ['binary', 'multiclass', 'regression'];

interface Net {
  sizes: number[];
  W: Float64Array[];
  b: Float64Array[];
}

/** Row-major copy of the given rows of a column-major matrix. */
function gatherRows(X: Matrix, idx: ArrayLike<number>, from: number, to: number, out: Float64Array): void {
  const { nRows: n, nCols: p, data } = X;
  for (let r = from; r < to; r++) {
    const i = idx[r];
    const base = (r - from) * p;
    for (let j = 0; j < p; j++) out[base + j] = data[j * n + i];
  }
}

/** Forward pass of B rows; `acts[0]` holds the input; returns the output pre-activations in acts[L]. */
function forward(net: Net, acts: Float64Array[], B: number, tanh: boolean): void {
  const L = net.W.length;
  for (let l = 0; l < L; l++) {
    const nin = net.sizes[l];
    const nout = net.sizes[l + 1];
    const A = acts[l];
    const Z = acts[l + 1];
    const W = net.W[l];
    const bias = net.b[l];
    for (let r = 0; r < B; r++) {
      const zo = r * nout;
      for (let o = 0; o < nout; o++) Z[zo + o] = bias[o];
      const ao = r * nin;
      for (let a = 0; a < nin; a++) {
        const v = A[ao + a];
        if (v === 0) continue;
        const wo = a * nout;
        for (let o = 0; o < nout; o++) Z[zo + o] += v * W[wo + o];
      }
    }
    if (l < L - 1) {
      const m = B * nout;
      if (tanh) for (let k = 0; k < m; k++) Z[k] = Math.tanh(Z[k]);
      else for (let k = 0; k < m; k++) if (Z[k] < 0) Z[k] = 0;
    }
  }
}

/** Output activation in place; returns nothing. */
function outputActivation(task: Task, out: Float64Array, B: number, K: number): void {
  if (task === 'binary') {
    for (let r = 0; r < B; r++) out[r] = 1 / (1 + Math.exp(-out[r]));
  } else if (task === 'multiclass') {
    for (let r = 0; r < B; r++) {
      let mx = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) mx = Math.max(mx, out[r * K + k]);
      let s = 0;
      for (let k = 0; k < K; k++) s += out[r * K + k] = Math.exp(out[r * K + k] - mx);
      for (let k = 0; k < K; k++) out[r * K + k] /= s;
    }
  }
}

const EPS = 1e-15;

/** Weighted loss of predictions `out` (after activation) for rows idx[from..to). */
function batchLoss(
  task: Task,
  out: Float64Array,
  y: Float64Array,
  w: Float64Array,
  idx: ArrayLike<number>,
  from: number,
  to: number,
  K: number,
): number {
  let s = 0;
  for (let r = from; r < to; r++) {
    const i = idx[r];
    const o = r - from;
    if (task === 'binary') {
      const p = Math.min(1 - EPS, Math.max(EPS, out[o]));
      s -= w[i] * (y[i] === 1 ? Math.log(p) : Math.log(1 - p));
    } else if (task === 'multiclass') s -= w[i] * Math.log(Math.max(EPS, out[o * K + y[i]]));
    else s += (w[i] * (out[o] - y[i]) ** 2) / 2;
  }
  return s;
}

export class MultilayerPerceptron extends EstimatorBase<MlpParams> {
  readonly kind = 'mlp';
  readonly owner = 'MultilayerPerceptron';
  readonly tasks = TASKS;
  readonly schema = MLP_SCHEMA;

  protected clone(params: Partial<MlpParams>): MultilayerPerceptron {
    return new MultilayerPerceptron(params);
  }

  async fit(X: Matrix, y: Float64Array, opts: FitArgs = {}): Promise<FittedMlp> {
    const P = this.resolve();
    throwIfAborted(opts.signal, this.owner);
    const target = resolveTarget(this.owner, this.tasks, X, y, opts);
    requireFinite(this.owner, X);
    const task = target.task;
    const w = rowWeights(y, target, opts.sampleWeight, P.classWeight, this.owner);
    const n = X.nRows;
    const p = X.nCols;
    const K = task === 'multiclass' ? target.nClasses : 1;
    const sizes = [p, ...P.hiddenLayerSizes, K];
    const rng = new Rng(P.seed);
    const tanh = P.activation === 'tanh';
    const net: Net = { sizes, W: [], b: [] };
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l];
      const fanOut = sizes[l + 1];
      const hidden = l + 2 < sizes.length;
      const bound = hidden && !tanh ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      const W = new Float64Array(fanIn * fanOut);
      for (let k = 0; k < W.length; k++) W[k] = (rng.uniform() * 2 - 1) * bound;
      const b = new Float64Array(fanOut);
      for (let k = 0; k < b.length; k++) b[k] = (rng.uniform() * 2 - 1) * bound;
      net.W.push(W);
      net.b.push(b);
    }
    // training / validation rows
    let trainIdx: Int32Array = rng.permutation(n);
    let validIdx: Int32Array | null = null;
    let validX: Matrix = X;
    let validY: Float64Array = y;
    let validW: Float64Array = w;
    if (P.earlyStopping) {
      if (opts.evalSet) {
        validX = opts.evalSet.X;
        validY = opts.evalSet.y;
        validW = new Float64Array(validY.length).fill(1);
        validIdx = Int32Array.from({ length: validY.length }, (_, i) => i);
      } else {
        const nValid = Math.max(1, Math.round(P.validationFraction * n));
        if (n - nValid < 1)
          throw createError('AEGLE_LEARN_BAD_TARGET', {
            reason: `${this.owner}: too few rows for early stopping.`,
          });
        validIdx = trainIdx.slice(0, nValid);
        trainIdx = trainIdx.slice(nValid);
      }
    }
    const nTrain = trainIdx.length;
    const B = Math.min(P.batchSize, nTrain);
    const maxWidth = Math.max(...sizes);
    const evalRows = validIdx ? Math.max(B, Math.min(validIdx.length, 4096)) : B;
    const acts = sizes.map((s) => new Float64Array(Math.max(B, evalRows) * s));
    const deltas = sizes.map((s) => new Float64Array(B * s));
    const gW = net.W.map((W) => new Float64Array(W.length));
    const gb = net.b.map((b) => new Float64Array(b.length));
    const m1W = net.W.map((W) => new Float64Array(W.length));
    const m2W = net.W.map((W) => new Float64Array(W.length));
    const m1b = net.b.map((b) => new Float64Array(b.length));
    const m2b = net.b.map((b) => new Float64Array(b.length));
    void maxWidth;
    const L = net.W.length;
    let step = 0;
    let best = Number.POSITIVE_INFINITY;
    let noImprove = 0;
    let bestNet: { W: Float64Array[]; b: Float64Array[] } | null = null;
    let epochs = 0;
    let lastLoss = Number.NaN;
    let lastValid: number | undefined;
    let sumW = 0;
    for (let r = 0; r < nTrain; r++) sumW += w[trainIdx[r]];
    const meanW = sumW / nTrain || 1;

    const l2Term = (): number => {
      let s = 0;
      for (const W of net.W) for (let k = 0; k < W.length; k++) s += W[k] * W[k];
      return s;
    };
    const evaluate = (M: Matrix, yy: Float64Array, ww: Float64Array, idx: ArrayLike<number>): number => {
      let loss = 0;
      let tw = 0;
      for (let from = 0; from < idx.length; from += evalRows) {
        const to = Math.min(idx.length, from + evalRows);
        gatherRows(M, idx, from, to, acts[0]);
        forward(net, acts, to - from, tanh);
        outputActivation(task, acts[L], to - from, K);
        loss += batchLoss(task, acts[L], yy, ww, idx, from, to, K);
        for (let r = from; r < to; r++) tw += ww[idx[r]];
      }
      return loss / (tw || 1);
    };

    for (let epoch = 0; epoch < P.maxIter; epoch++) {
      throwIfAborted(opts.signal, this.owner);
      rng.shuffle(trainIdx);
      let epochLoss = 0;
      for (let from = 0; from < nTrain; from += B) {
        const to = Math.min(nTrain, from + B);
        const nb = to - from;
        gatherRows(X, trainIdx, from, to, acts[0]);
        forward(net, acts, nb, tanh);
        const out = acts[L];
        outputActivation(task, out, nb, K);
        epochLoss += batchLoss(task, out, y, w, trainIdx, from, to, K) / meanW;
        // output delta: (prediction − target) · weight / batch size (weights normalised to mean 1)
        const dOut = deltas[L];
        for (let r = 0; r < nb; r++) {
          const i = trainIdx[from + r];
          const s = w[i] / meanW / nb;
          if (task === 'multiclass')
            for (let k = 0; k < K; k++) dOut[r * K + k] = s * (out[r * K + k] - (y[i] === k ? 1 : 0));
          else dOut[r] = s * (out[r] - y[i]);
        }
        for (let l = L - 1; l >= 0; l--) {
          const nin = sizes[l];
          const nout = sizes[l + 1];
          const A = acts[l];
          const D = deltas[l + 1];
          const G = gW[l];
          const W = net.W[l];
          const reg = P.alpha / nb;
          for (let k = 0; k < G.length; k++) G[k] = reg * W[k];
          const g = gb[l];
          g.fill(0);
          for (let r = 0; r < nb; r++) {
            const ao = r * nin;
            const dofs = r * nout;
            for (let o = 0; o < nout; o++) g[o] += D[dofs + o];
            for (let a = 0; a < nin; a++) {
              const v = A[ao + a];
              if (v === 0) continue;
              const go = a * nout;
              for (let o = 0; o < nout; o++) G[go + o] += v * D[dofs + o];
            }
          }
          if (l > 0) {
            const Dp = deltas[l];
            for (let r = 0; r < nb; r++) {
              const ao = r * nin;
              const dofs = r * nout;
              for (let a = 0; a < nin; a++) {
                const act = A[ao + a];
                if (!tanh && act <= 0) {
                  Dp[ao + a] = 0;
                  continue;
                }
                let s = 0;
                const wo = a * nout;
                for (let o = 0; o < nout; o++) s += W[wo + o] * D[dofs + o];
                Dp[ao + a] = tanh ? s * (1 - act * act) : s;
              }
            }
          }
        }
        step++;
        for (let l = 0; l < L; l++) {
          const params: Array<[Float64Array, Float64Array, Float64Array, Float64Array]> = [
            [net.W[l], gW[l], m1W[l], m2W[l]],
            [net.b[l], gb[l], m1b[l], m2b[l]],
          ];
          for (const [theta, grad, m1, m2] of params) {
            if (P.solver === 'adam') {
              const lr = (P.learningRate * Math.sqrt(1 - P.beta2 ** step)) / (1 - P.beta1 ** step);
              for (let k = 0; k < theta.length; k++) {
                m1[k] = P.beta1 * m1[k] + (1 - P.beta1) * grad[k];
                m2[k] = P.beta2 * m2[k] + (1 - P.beta2) * grad[k] * grad[k];
                theta[k] -= (lr * m1[k]) / (Math.sqrt(m2[k]) + P.epsilon);
              }
            } else {
              for (let k = 0; k < theta.length; k++) {
                m1[k] = P.momentum * m1[k] - P.learningRate * grad[k];
                theta[k] += m1[k];
              }
            }
          }
        }
      }
      epochs = epoch + 1;
      lastLoss = epochLoss / nTrain + (0.5 * P.alpha * l2Term()) / nTrain;
      if (!Number.isFinite(lastLoss)) {
        throw createError('AEGLE_LEARN_NOT_CONVERGED', {
          owner: this.owner,
          iterations: epochs,
          gradient: 'diverged (loss is not finite); lower learningRate or scale the features',
        });
      }
      lastValid = validIdx ? evaluate(validX, validY, validW, validIdx) : undefined;
      opts.onProgress?.({
        iteration: epochs,
        totalIterations: P.maxIter,
        trainLoss: lastLoss,
        validLoss: lastValid,
      });
      const score = lastValid ?? lastLoss;
      if (score < best - P.tol) {
        noImprove = 0;
      } else noImprove++;
      if (score < best) {
        best = score;
        if (validIdx) bestNet = { W: net.W.map((a) => a.slice()), b: net.b.map((a) => a.slice()) };
      }
      if (noImprove >= P.nIterNoChange) break;
      await yieldToEventLoop();
    }
    if (bestNet) {
      net.W = bestNet.W;
      net.b = bestNet.b;
    }
    return new FittedMlp(task, P as unknown as Record<string, unknown>, X.columns, target.classes, net, {
      epochs,
      trainLoss: lastLoss,
      bestLoss: best,
    });
  }
}

export interface MlpFitInfo {
  readonly epochs: number;
  readonly trainLoss: number;
  readonly bestLoss: number;
}

export class FittedMlp extends FittedBase {
  readonly kind = 'mlp';
  readonly owner = 'MultilayerPerceptron';

  constructor(
    task: Task,
    params: Record<string, unknown>,
    featureNames: readonly string[],
    classes: readonly string[] | null,
    private readonly net: Net,
    readonly info: MlpFitInfo,
  ) {
    super(task, params, featureNames, classes);
  }

  protected compute(X: Matrix): Float64Array {
    const n = X.nRows;
    const sizes = this.net.sizes;
    const L = this.net.W.length;
    const K = sizes[L];
    const chunk = Math.max(1, Math.min(n, 4096));
    const acts = sizes.map((s) => new Float64Array(chunk * s));
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const Kout = this.task === 'binary' ? 2 : K;
    const out = new Float64Array(n * Kout);
    const tanh = this.params.activation === 'tanh';
    for (let from = 0; from < n; from += chunk) {
      const to = Math.min(n, from + chunk);
      const nb = to - from;
      gatherRows(X, idx, from, to, acts[0]);
      forward(this.net, acts, nb, tanh);
      outputActivation(this.task, acts[L], nb, K);
      for (let r = 0; r < nb; r++) {
        if (this.task === 'binary') {
          out[(from + r) * 2] = 1 - acts[L][r];
          out[(from + r) * 2 + 1] = acts[L][r];
        } else for (let k = 0; k < K; k++) out[(from + r) * K + k] = acts[L][r * K + k];
      }
    }
    return out;
  }

  toJSON(): SerializedModel {
    const arrays: SerializedModel['arrays'] = {};
    this.net.W.forEach((W, l) => {
      arrays[`W${l}`] = W;
      arrays[`b${l}`] = this.net.b[l];
    });
    return this.serialised({ sizes: [...this.net.sizes], ...this.info }, arrays);
  }

  static fromJSON(s: SerializedModel): FittedMlp {
    const st = s.state as unknown as MlpFitInfo & { sizes: number[] };
    const L = (st.sizes?.length ?? 1) - 1;
    checkSerialized(s, 'mlp', Array.from({ length: L }, (_, l) => [`W${l}`, `b${l}`]).flat());
    const net: Net = {
      sizes: st.sizes,
      W: Array.from({ length: L }, (_, l) => s.arrays[`W${l}`] as Float64Array),
      b: Array.from({ length: L }, (_, l) => s.arrays[`b${l}`] as Float64Array),
    };
    return new FittedMlp(s.task, { ...s.params }, s.featureNames, s.classes, net, {
      epochs: st.epochs,
      trainLoss: st.trainLoss,
      bestLoss: st.bestLoss,
    });
  }
}

registerModelKind({
  kind: 'mlp',
  description:
    'Multilayer perceptron (ReLU/tanh hidden layers; Adam or SGD with momentum; L2; early stopping).',
  tasks: TASKS,
  schema: MLP_SCHEMA,
  create: (params = {}) => new MultilayerPerceptron(params as Partial<MlpParams>),
  fromJSON: (s) => FittedMlp.fromJSON(s) as FittedModel,
});
