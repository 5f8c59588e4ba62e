/**
 * Explanations that need no tree structure:
 * - linear SHAP (Lundberg & Lee 2017, §"Linear SHAP"): with independent features, φ_j = β_j (x_j − E[x_j])
 *   in the linear predictor's space (the log-odds for logistic regression), E[x] from the training data
 *   (interventional expectation);
 * - permutation importance (Breiman 2001; Fisher, Rudin & Dominici 2019): drop in a score when one
 *   column of held-out data is shuffled, repeated, mean ± SD;
 * - partial dependence (Friedman 2001) and individual conditional expectation curves (Goldstein et al.
 *   2015).
 */
import { auroc, r2 } from '../evaluate/index.js';
import './errors.js';
import { FittedLinear, FittedLogistic, type FittedModel, type Matrix, Rng, createError } from './deps.js';
import type { ShapValues } from './tree-shap.js';

/** The model's output that explanations describe: positive-class probability (binary) or the value. */
export function modelOutput(model: FittedModel, X: Matrix): Float64Array {
  if (model.task === 'regression') return model.predict(X);
  const proba = model.predictProba(X);
  const K = model.classes!.length;
  if (K === 2) return Float64Array.from({ length: X.nRows }, (_, i) => proba[2 * i + 1]);
  return Float64Array.from({ length: X.nRows }, (_, i) => {
    let m = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, proba[i * K + k]);
    return m;
  });
}

/**
 * Linear SHAP of a linear or binary logistic model. `means` are the training means of the features
 * (e.g. the artifact's profile); every row's values sum to its linear predictor.
 */
export function linearShap(model: FittedModel, X: Matrix, means: ArrayLike<number>): ShapValues {
  let coef: ArrayLike<number>;
  let intercept: number;
  if (model instanceof FittedLinear) {
    coef = model.coef;
    intercept = model.intercept;
  } else if (model instanceof FittedLogistic && model.intercept.length === 1) {
    coef = model.coef;
    intercept = model.intercept[0];
  } else {
    throw createError('AEGLE_EXPLAIN_UNSUPPORTED', {
      kind: model.kind,
      what: 'Linear SHAP',
      hint: 'it needs a linear regression or a binary logistic regression',
    });
  }
  const p = X.nCols;
  const n = X.nRows;
  if (means.length !== p)
    throw createError('AEGLE_EXPLAIN_BAD_INPUT', {
      what: 'linearShap',
      reason: `${means.length} feature means for ${p} features`,
    });
  let bias = intercept;
  for (let j = 0; j < p; j++) bias += coef[j] * means[j];
  const stride = p + 1;
  const values = new Float64Array(n * stride);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) values[i * stride + j] = coef[j] * (X.data[j * n + i] - means[j]);
    values[i * stride + p] = bias;
  }
  const outputNames = model.task === 'regression' ? ['value'] : [model.classes![1]];
  return {
    values,
    nRows: n,
    nFeatures: p,
    nOutputs: 1,
    featureNames: model.featureNames,
    outputNames,
    expectedValue: Float64Array.of(bias),
    space: model.task === 'regression' ? 'value' : 'margin-linear',
  };
}

/** Column means ignoring NaN (for `linearShap` when no training profile is at hand). */
export function columnMeans(X: Matrix): Float64Array {
  const out = new Float64Array(X.nCols);
  for (let j = 0; j < X.nCols; j++) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < X.nRows; i++) {
      const v = X.data[j * X.nRows + i];
      if (!Number.isNaN(v)) {
        s += v;
        c++;
      }
    }
    out[j] = c ? s / c : Number.NaN;
  }
  return out;
}

export interface PermutationImportance {
  readonly feature: string;
  /** Mean drop of the score over the repeats (positive = the model relies on the feature). */
  readonly mean: number;
  readonly sd: number;
  readonly drops: readonly number[];
}

/**
 * Permutation importance on held-out data. The default score is AUROC (binary; positive-class
 * probability) or R² (regression); pass `score(y, output)` for another.
 */
export function permutationImportance(
  model: FittedModel,
  X: Matrix,
  y: ArrayLike<number>,
  opts: {
    repeats?: number;
    seed?: number;
    score?: (y: ArrayLike<number>, output: Float64Array) => number;
  } = {},
): { baseline: number; importances: PermutationImportance[] } {
  const score =
    opts.score ??
    (model.task === 'binary'
      ? (yy: ArrayLike<number>, o: Float64Array) => auroc(yy, o)
      : model.task === 'regression'
        ? (yy: ArrayLike<number>, o: Float64Array) => r2(yy, o)
        : undefined);
  if (!score)
    throw createError('AEGLE_EXPLAIN_UNSUPPORTED', {
      kind: model.kind,
      what: 'Permutation importance with the default score',
      hint: "pass a 'score' function for multiclass models",
    });
  const repeats = opts.repeats ?? 5;
  const rng = new Rng(opts.seed ?? 0);
  const baseline = score(y, modelOutput(model, X));
  const n = X.nRows;
  const data = X.data.slice();
  const Xp = { ...X, data };
  const importances = X.columns.map((feature, j) => {
    const col = X.data.subarray(j * n, (j + 1) * n);
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const perm = rng.permutation(n);
      for (let i = 0; i < n; i++) data[j * n + i] = col[perm[i]];
      drops.push(baseline - score(y, modelOutput(model, Xp)));
    }
    data.set(col, j * n);
    const mean = drops.reduce((s, v) => s + v, 0) / repeats;
    const sd = repeats > 1 ? Math.sqrt(drops.reduce((s, v) => s + (v - mean) ** 2, 0) / (repeats - 1)) : 0;
    return { feature, mean, sd, drops };
  });
  return { baseline, importances };
}

export interface PartialDependence {
  readonly feature: string;
  readonly grid: Float64Array;
  /** Average model output at each grid value. */
  readonly average: Float64Array;
  /** ICE curves: one row per sampled row, one column per grid value (row-major). */
  readonly ice: Float64Array;
  readonly iceRows: Int32Array;
}

/** Partial dependence and ICE curves of one feature over a quantile grid of its observed values. */
export function partialDependence(
  model: FittedModel,
  X: Matrix,
  feature: number | string,
  opts: { gridSize?: number; iceRows?: number; seed?: number } = {},
): PartialDependence {
  const j = typeof feature === 'number' ? feature : X.columns.indexOf(feature);
  if (j < 0 || j >= X.nCols)
    throw createError('AEGLE_EXPLAIN_BAD_INPUT', {
      what: 'partialDependence',
      reason: `no feature '${feature}'`,
    });
  const n = X.nRows;
  const present = Array.from(X.data.subarray(j * n, (j + 1) * n))
    .filter((v) => !Number.isNaN(v))
    .sort((a, b) => a - b);
  const G = opts.gridSize ?? 20;
  const gridSet = new Set<number>();
  for (let g = 0; g < G && present.length; g++)
    gridSet.add(present[Math.round((g / Math.max(1, G - 1)) * (present.length - 1))]);
  const grid = Float64Array.from([...gridSet].sort((a, b) => a - b));
  const m = Math.min(n, opts.iceRows ?? 50);
  const rows = new Rng(opts.seed ?? 0).permutation(n).subarray(0, m).sort();
  const data = X.data.slice();
  const Xg = { ...X, data };
  const average = new Float64Array(grid.length);
  const ice = new Float64Array(m * grid.length);
  grid.forEach((v, g) => {
    data.fill(v, j * n, (j + 1) * n);
    const out = modelOutput(model, Xg);
    let s = 0;
    for (let i = 0; i < n; i++) s += out[i];
    average[g] = s / n;
    for (let r = 0; r < m; r++) ice[r * grid.length + g] = out[rows[r]];
  });
  return { feature: X.columns[j], grid, average, ice, iceRows: Int32Array.from(rows) };
}
