/**
 * Per-prediction "top factors": the features that moved one patient's risk most, with their value,
 * contribution and direction, and a plain-words sentence — what the API and CDS Hooks cards show next
 * to a score. Contributions are SHAP values (TreeSHAP for tree models, linear SHAP for linear ones) in
 * the model's additive space (log-odds for GBDT and logistic models).
 */
import type { FittedModel, Matrix } from './deps.js';
import { columnMeans, linearShap } from './model-agnostic.js';
import { type ShapValues, isTreeModel, shapAt, treeShap } from './tree-shap.js';

export interface TopFactor {
  readonly feature: string;
  /** The patient's value (NaN when missing). */
  readonly value: number;
  readonly contribution: number;
  readonly direction: 'increases' | 'decreases';
  /** e.g. "hba1c = 8.1 raises the predicted risk (+0.62 log-odds)". */
  readonly sentence: string;
}

export interface TopFactorOptions {
  /** Units by feature name, for the sentence ("mmol/mol"). */
  readonly units?: Readonly<Record<string, string>>;
  /** Training means (linear models); default: means of X. */
  readonly means?: ArrayLike<number>;
  /** Output to explain (multiclass), default 0. */
  readonly output?: number;
}

/** SHAP values of `X` with the explainer that fits the model. */
export function explainRows(model: FittedModel, X: Matrix, means?: ArrayLike<number>): ShapValues {
  return isTreeModel(model) ? treeShap(model, X) : linearShap(model, X, means ?? columnMeans(X));
}

/** The `k` factors with the largest |contribution| from precomputed SHAP values of row `row`. */
export function topFactorsFromShap(
  s: ShapValues,
  X: Matrix,
  row: number,
  k = 5,
  opts: TopFactorOptions = {},
): TopFactor[] {
  const out = opts.output ?? 0;
  const scale =
    s.space === 'margin' || s.space === 'margin-linear'
      ? 'log-odds'
      : s.space === 'probability'
        ? 'probability'
        : '';
  // the k largest |contribution|, ties by feature order, zeros left out: one pass keeping a sorted
  // top k (a request's default answer asks for 5 of dozens of features on every row)
  const base = (row * s.nOutputs + out) * (s.nFeatures + 1);
  const idx: number[] = [];
  for (let j = 0; j < s.nFeatures && k > 0; j++) {
    const a = Math.abs(s.values[base + j]);
    if (a === 0) continue;
    let at = idx.length;
    while (at > 0 && Math.abs(s.values[base + idx[at - 1]]) < a) at--;
    if (at >= k) continue;
    idx.splice(at, 0, j);
    if (idx.length > k) idx.pop();
  }
  return idx.map((j) => {
    const feature = s.featureNames[j];
    const value = X.data[j * X.nRows + row];
    const c = shapAt(s, row, j, out);
    const direction = c > 0 ? 'increases' : 'decreases';
    const unit = opts.units?.[feature];
    const shown = Number.isNaN(value) ? 'missing' : `${formatValue(value)}${unit ? ` ${unit}` : ''}`;
    const verb =
      s.outputNames[out] === 'value'
        ? c > 0
          ? 'raises the prediction'
          : 'lowers the prediction'
        : c > 0
          ? 'raises the predicted risk'
          : 'lowers the predicted risk';
    const sentence = `${feature} ${Number.isNaN(value) ? 'is missing, which' : `= ${shown}`} ${verb} (${c > 0 ? '+' : '−'}${formatValue(Math.abs(c))}${scale ? ` ${scale}` : ''}).`;
    return { feature, value, contribution: c, direction, sentence };
  });
}

/** Top `k` factors of one row of `X` (explains that row only). */
export function topFactors(
  model: FittedModel,
  X: Matrix,
  row: number,
  k = 5,
  opts: TopFactorOptions = {},
): TopFactor[] {
  const one: Matrix = {
    data: Float64Array.from({ length: X.nCols }, (_, j) => X.data[j * X.nRows + row]),
    nRows: 1,
    nCols: X.nCols,
    columns: X.columns,
  };
  const s = explainRows(model, one, opts.means ?? (isTreeModel(model) ? undefined : columnMeans(X)));
  return topFactorsFromShap(s, one, 0, k, opts);
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(3)));
}
