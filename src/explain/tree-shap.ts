/**
 * TreeSHAP for Aegle's tree models (GBDT, random forest, CART, imported XGBoost) — see
 * `tree-shap-kernel.ts` for the algorithm. Explanations are in the space where trees add up:
 * - GBDT / XGBoost: the margin (log-odds for binary, per-class logits for multiclass, the value for
 *   regression) — what XGBoost's `pred_contribs` returns;
 * - random forest and CART: the averaged tree output (class probability or the value), as
 *   `shap.TreeExplainer` explains scikit-learn forests.
 * Each row's values plus the expected value (`bias`) equal the model's output for that row.
 */
import './errors.js';
import {
  type TreeArrays,
  createError,
  FittedCart,
  FittedForest,
  FittedGbdt,
  type FittedModel,
  type Matrix,
} from './deps.js';
import { type ShapOutput, expectedValue, nodeMeanValues, treeShapRows } from './tree-shap-kernel.js';
import { type LeafWeights, buildLeafWeights, leafWeightsMinRows } from './leaf-weights.js';

/** The additive tree structure behind a fitted model, one `ShapOutput` per explained output. */
export interface TreeModelView {
  readonly trees: TreeArrays;
  readonly outputs: readonly ShapOutput[];
  /** Names of the outputs (class labels or 'value'). */
  readonly outputNames: readonly string[];
  readonly space: 'margin' | 'probability' | 'value';
}

/** True when `model` is one of Aegle's tree models. */
export function isTreeModel(model: FittedModel): boolean {
  return model instanceof FittedGbdt || model instanceof FittedForest || model instanceof FittedCart;
}

const viewCache = new WeakMap<FittedModel, TreeModelView>();

/**
 * The trees of a fitted tree model. Binary classifiers expose one output (the positive class: its
 * margin for GBDT, its probability for forests); multiclass ones one output per class. Built once
 * per model (fitted models are never mutated).
 */
export function treeModelView(model: FittedModel): TreeModelView {
  let v = viewCache.get(model);
  if (!v) {
    v = buildTreeModelView(model);
    viewCache.set(model, v);
  }
  return v;
}

function buildTreeModelView(model: FittedModel): TreeModelView {
  const all = (n: number) => Int32Array.from({ length: n }, (_, k) => k);
  if (model instanceof FittedGbdt) {
    const K = model.nOutputs;
    const nTrees = model.trees.treeRoot.length;
    const outputs: ShapOutput[] = [];
    for (let k = 0; k < K; k++) {
      const trees = Int32Array.from({ length: Math.ceil((nTrees - k) / K) }, (_, q) => q * K + k).filter(
        (t) => t < nTrees,
      );
      outputs.push({ trees, valueCol: 0, scale: 1, base: model.baseScore[k] });
    }
    const names =
      model.task === 'regression'
        ? ['value']
        : model.task === 'binary'
          ? [model.classes![1]]
          : [...model.classes!];
    return {
      trees: model.trees,
      outputs,
      outputNames: names,
      space: model.task === 'regression' ? 'value' : 'margin',
    };
  }
  if (model instanceof FittedForest || model instanceof FittedCart) {
    const trees = model instanceof FittedForest ? model.trees : model.tree;
    const n = trees.treeRoot.length;
    const dim = trees.valueDim;
    const cols = model.task === 'binary' ? [1] : Array.from({ length: dim }, (_, k) => k);
    const outputs = cols.map((c) => ({ trees: all(n), valueCol: c, scale: 1 / n, base: 0 }));
    const names = model.task === 'regression' ? ['value'] : cols.map((c) => model.classes![c]);
    return {
      trees,
      outputs,
      outputNames: names,
      space: model.task === 'regression' ? 'value' : 'probability',
    };
  }
  throw createError('AEGLE_EXPLAIN_UNSUPPORTED', {
    kind: model.kind,
    what: 'TreeSHAP',
    hint: 'use linearShap for linear models or permutationImportance for any model',
  });
}

export interface ShapValues {
  /** Row-major nRows × nOutputs × (nFeatures + 1); the last column of each block is the expected value. */
  readonly values: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly featureNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Expected value per output (the `bias` column). */
  readonly expectedValue: Float64Array;
  readonly space: TreeModelView['space'] | 'margin-linear';
}

/** SHAP value of row i, output k, feature j (j = nFeatures gives the expected value). */
export function shapAt(s: ShapValues, i: number, j: number, k = 0): number {
  return s.values[(i * s.nOutputs + k) * (s.nFeatures + 1) + j];
}

/** Exact TreeSHAP values of every feature of every row (synchronous, this thread). */
export function treeShap(model: FittedModel, X: Matrix): ShapValues {
  const view = treeModelView(model);
  return treeShapView(view, X, model.featureNames);
}

const weightsCache = new WeakMap<TreeArrays, LeafWeights>();

/**
 * The Fast TreeSHAP v2 weight tables of `trees` when explaining `nRows` rows makes them pay (or they
 * are already built: they are kept per tree ensemble for as long as it lives), else null. Values
 * through the tables and through the recursion agree to rounding (≈ 1e-15 relative), so a small call
 * may differ in the last bits depending on whether a large one built the tables before it.
 */
export function leafWeightsFor(trees: TreeArrays, nRows: number): LeafWeights | null {
  const hit = weightsCache.get(trees);
  if (hit) return hit;
  if (nRows < leafWeightsMinRows(trees)) return null;
  const tables = buildLeafWeights(trees);
  weightsCache.set(trees, tables);
  return tables;
}

/** TreeSHAP over a `TreeModelView` (e.g. trees assembled by hand or imported). */
export function treeShapView(view: TreeModelView, X: Matrix, featureNames: readonly string[]): ShapValues {
  const p = X.nCols;
  const n = X.nRows;
  const K = view.outputs.length;
  const stride = p + 1;
  const values = new Float64Array(n * K * stride);
  const ev = new Float64Array(K);
  const tables = leafWeightsFor(view.trees, n);
  view.outputs.forEach((out, k) => {
    const means = nodeMeanValues(view.trees, out.valueCol);
    ev[k] = expectedValue(view.trees, out, means);
    if (K === 1) treeShapRows(view.trees, out, X.data, n, p, 0, n, values, 0, means, tables);
    else {
      const tmp = new Float64Array(n * stride);
      treeShapRows(view.trees, out, X.data, n, p, 0, n, tmp, 0, means, tables);
      for (let i = 0; i < n; i++)
        values.set(tmp.subarray(i * stride, (i + 1) * stride), (i * K + k) * stride);
    }
  });
  return {
    values,
    nRows: n,
    nFeatures: p,
    nOutputs: K,
    featureNames,
    outputNames: view.outputNames,
    expectedValue: ev,
    space: view.space,
  };
}

/** Mean |SHAP| per feature for output k: the global importance summary. */
export function meanAbsShap(s: ShapValues, k = 0): Float64Array {
  const out = new Float64Array(s.nFeatures);
  for (let i = 0; i < s.nRows; i++)
    for (let j = 0; j < s.nFeatures; j++) out[j] += Math.abs(shapAt(s, i, j, k));
  for (let j = 0; j < s.nFeatures; j++) out[j] /= s.nRows || 1;
  return out;
}
