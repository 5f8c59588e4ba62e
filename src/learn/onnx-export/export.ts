/**
 * Exports fitted Aegle models (their `SerializedModel`) as ONNX, so they run in any ONNX runtime
 * (onnxruntime, Triton). Inputs are double ([N, p], named `X`), which keeps the tree thresholds and
 * linear algebra in double precision: predictions equal the native ones to ~1e-12 before the final
 * float cast.
 *
 * Graph outputs: `probabilities` (float [N, K]) and `label` (int64 class index [N]) for classifiers;
 * `variable` (float [N, 1]) for regressors.
 *
 * Tree ensembles (GBDT, random forest, CART) use `ai.onnx.ml.TreeEnsembleRegressor` for the raw
 * scores with double thresholds/leaf values (`nodes_values_as_tensor`, `target_weights_as_tensor`),
 * then standard Sigmoid/Softmax and ArgMax. We deliberately do not use TreeEnsembleClassifier's label
 * output: for a binary ensemble with one score per leaf (class_ids all 0, the XGBoost/LightGBM layout)
 * onnxruntime's label is not the argmax of the returned probabilities.
 *
 * Fitted preprocessing goes in front: imputation (Where(IsNaN)), standardisation (Sub, Div) in double,
 * and one-hot encoding of string columns with `ai.onnx.ml.OneHotEncoder`.
 */
import { createError } from '../../core/index.js';
import type { SerializedModel } from '../estimator.js';
import { GraphBuilder, tensor } from './graph.js';

/** Fitted preprocessing in front of the model, in this order: impute → scale → append one-hot columns. */
export interface ExportPreprocessing {
  /** Value replacing NaN per numeric input column (NaN = leave missing). */
  readonly imputeValues?: readonly number[];
  /** Standardisation (x − mean) / scale per numeric input column. */
  readonly scaler?: { readonly mean: readonly number[]; readonly scale: readonly number[] };
  /** String input columns (each its own input [N, 1]) one-hot encoded and appended after the numeric ones. */
  readonly oneHot?: ReadonlyArray<{ readonly name: string; readonly categories: readonly string[] }>;
}

export interface ExportOptions {
  readonly preprocessing?: ExportPreprocessing;
  /**
   * Take an image tensor instead of `X`: input `image` float [N, C, H, W], flattened row-major (c, h, w)
   * into the model's C·H·W features (e.g. a model fitted on 28×28 pixels, served with an image
   * preprocessing descriptor).
   */
  readonly imageInput?: { readonly channels: number; readonly height: number; readonly width: number };
  /** Graph name (default: the model kind). */
  readonly name?: string;
}

function unsupported(what: string): Error {
  return createError('AEGLE_LEARN_UNSUPPORTED', { what, owner: 'ONNX export' });
}

/** Returns the ONNX model bytes for a serialised fitted model. */
export function exportToOnnx(model: SerializedModel, opts: ExportOptions = {}): Uint8Array {
  const g = new GraphBuilder();
  const pre = opts.preprocessing ?? {};
  const nOneHot = (pre.oneHot ?? []).reduce((s, c) => s + c.categories.length, 0);
  const p = model.featureNames.length - nOneHot;
  if (p < 0) throw unsupported('more one-hot columns than model features');
  let x: string;
  if (opts.imageInput) {
    const { channels: c, height: h, width: w } = opts.imageInput;
    if (c * h * w !== p || nOneHot > 0)
      throw unsupported(`an image input of ${c}×${h}×${w} for a model of ${p} numeric features`);
    x = g.node('Cast', [g.node('Flatten', [g.input('image', 'float', ['N', c, h, w])], { axis: 1 })], {
      to: 11,
    });
  } else x = g.input('X', 'double', ['N', p]);
  if (pre.imputeValues) {
    if (pre.imputeValues.length !== p)
      throw unsupported(`imputeValues of length ${pre.imputeValues.length} for ${p} columns`);
    const fill = g.constant(pre.imputeValues, [1, p]);
    const isNan = g.node('IsNaN', [x]);
    const fillN = g.node('Expand', [fill, g.node('Shape', [x])]);
    x = g.node('Where', [isNan, fillN, x]);
  }
  if (pre.scaler) {
    x = g.node('Sub', [x, g.constant(pre.scaler.mean, [1, p])]);
    x = g.node('Div', [x, g.constant(pre.scaler.scale, [1, p])]);
  }
  if (pre.oneHot?.length) {
    const parts = [x];
    for (const col of pre.oneHot) {
      const inp = g.input(col.name, 'string', ['N', 1]);
      // OneHotEncoder: [N, 1] strings → [N, 1, C] float; unknown categories give all zeros (zeros=1)
      const oh = g.node(
        'OneHotEncoder',
        [inp],
        { cats_strings: [...col.categories], zeros: 1 },
        { domain: 'ai.onnx.ml' },
      );
      const flat = g.node('Reshape', [oh, g.constant([-1, col.categories.length], [2], 'int64')]);
      parts.push(g.node('Cast', [flat], { to: 11 }));
    }
    x = g.node('Concat', parts, { axis: 1 });
  }
  modelHead(g, x, model);
  return g.build(
    opts.name ?? model.kind,
    `Aegle ${model.kind} (${model.task}); features: ${model.featureNames.join(', ')}`,
  );
}

/** Appends the model itself (features [N, p] double in `x`) and its outputs to a graph. */
export function modelHead(g: GraphBuilder, x: string, model: SerializedModel): void {
  switch (model.kind) {
    case 'logistic':
      linearHead(g, x, model, model.arrays.coef as Float64Array, model.arrays.intercept as Float64Array);
      break;
    case 'linear': {
      const st = model.state as { intercept?: number };
      linearHead(g, x, model, model.arrays.coef as Float64Array, Float64Array.of(st.intercept ?? 0));
      break;
    }
    case 'mlp':
      mlpHead(g, x, model);
      break;
    case 'gbdt':
    case 'random-forest':
    case 'cart':
      treeHead(g, x, model);
      break;
    default:
      throw unsupported(`model kind '${model.kind}'`);
  }
}

/** Scores [N, K'] → outputs, by task: binary K'=1 → sigmoid; multiclass → softmax; regression → as is. */
function finish(g: GraphBuilder, scores: string, model: SerializedModel, alreadyProba = false): void {
  if (model.task === 'regression') {
    g.node('Cast', [scores], { to: 1 }, { outputs: ['variable'] });
    g.output('variable', 'float', ['N', 1]);
    return;
  }
  const K = model.classes?.length ?? 2;
  let proba: string;
  if (alreadyProba) proba = scores;
  else if (model.task === 'binary') {
    const p1 = g.node('Sigmoid', [scores]);
    const p0 = g.node('Sub', [g.constant([1], [1, 1]), p1]);
    proba = g.node('Concat', [p0, p1], { axis: 1 });
  } else proba = g.node('Softmax', [scores], { axis: 1 });
  g.node('Cast', [proba], { to: 1 }, { outputs: ['probabilities'] });
  g.node('ArgMax', [proba], { axis: 1, keepdims: 0 }, { outputs: ['label'] });
  g.output('probabilities', 'float', ['N', K]);
  g.output('label', 'int64', ['N']);
}

function linearHead(
  g: GraphBuilder,
  x: string,
  model: SerializedModel,
  coef: Float64Array,
  intercept: Float64Array,
): void {
  const p = model.featureNames.length;
  const k = intercept.length;
  if (coef.length !== k * p) throw unsupported(`coefficient array of length ${coef.length} for ${k}×${p}`);
  // coef is K'×p row-major: Gemm with transB
  const scores = g.node('Gemm', [x, g.constant(coef, [k, p]), g.constant(intercept, [k])], { transB: 1 });
  finish(g, scores, model);
}

function mlpHead(g: GraphBuilder, x: string, model: SerializedModel): void {
  const sizes = (model.state as { sizes?: number[] }).sizes;
  if (!sizes) throw unsupported('mlp state without layer sizes');
  const tanh = model.params.activation === 'tanh';
  let a = x;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const W = model.arrays[`W${l}`] as Float64Array;
    const b = model.arrays[`b${l}`] as Float64Array;
    a = g.node('Gemm', [a, g.constant(W, [sizes[l], sizes[l + 1]]), g.constant(b, [sizes[l + 1]])]);
    if (l + 2 < sizes.length) a = g.node(tanh ? 'Tanh' : 'Relu', [a]);
  }
  finish(g, a, model);
}

interface TreeRecord {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  defaultLeft: Uint8Array;
  catLen: Int32Array;
  value: Float64Array;
  treeRoot: Int32Array;
}

function treeHead(g: GraphBuilder, x: string, model: SerializedModel): void {
  const a = model.arrays;
  const t: TreeRecord = {
    feature: a['tree.feature'] as Int32Array,
    threshold: a['tree.threshold'] as Float64Array,
    left: a['tree.left'] as Int32Array,
    right: a['tree.right'] as Int32Array,
    defaultLeft: a['tree.defaultLeft'] as Uint8Array,
    catLen: a['tree.catLen'] as Int32Array,
    value: a['tree.value'] as Float64Array,
    treeRoot: a['tree.treeRoot'] as Int32Array,
  };
  if (!t.feature || !t.value || !t.treeRoot) throw unsupported('tree model without tree arrays');
  if (t.catLen?.some((c) => c > 0))
    throw unsupported('categorical tree splits (one-hot encode the column instead)');
  const st = model.state as { nOutputs?: number; baseScore?: number[]; valueDim?: number };
  const isGbdt = model.kind === 'gbdt';
  const nNodes = t.feature.length;
  const nTrees = t.treeRoot.length;
  // GBDT: one score per leaf, tree t feeds output t mod K. Forest / CART: valueDim scores per leaf, averaged.
  const dim = isGbdt ? 1 : (st.valueDim ?? t.value.length / nNodes);
  const nTargets = isGbdt ? (st.nOutputs ?? 1) : dim;
  const nodeTree: number[] = [];
  const nodeId: number[] = [];
  const feat: number[] = [];
  const modes: string[] = [];
  const thr: number[] = [];
  const tru: number[] = [];
  const fal: number[] = [];
  const miss: number[] = [];
  const tTree: number[] = [];
  const tNode: number[] = [];
  const tId: number[] = [];
  const tW: number[] = [];
  for (let k = 0; k < nTrees; k++) {
    const root = t.treeRoot[k];
    const end = k + 1 < nTrees ? t.treeRoot[k + 1] : nNodes;
    for (let i = root; i < end; i++) {
      nodeTree.push(k);
      nodeId.push(i - root);
      if (t.feature[i] < 0) {
        feat.push(0);
        modes.push('LEAF');
        thr.push(0);
        tru.push(0);
        fal.push(0);
        miss.push(0);
        if (isGbdt) {
          tTree.push(k);
          tNode.push(i - root);
          tId.push(k % nTargets);
          tW.push(t.value[i]);
        } else {
          for (let d = 0; d < dim; d++) {
            tTree.push(k);
            tNode.push(i - root);
            tId.push(d);
            tW.push(t.value[i * dim + d]);
          }
        }
      } else {
        feat.push(t.feature[i]);
        modes.push('BRANCH_LEQ');
        thr.push(t.threshold[i]);
        tru.push(t.left[i] - root);
        fal.push(t.right[i] - root);
        miss.push(t.defaultLeft[i] ? 1 : 0);
      }
    }
  }
  const attrs: Record<string, any> = {
    n_targets: nTargets,
    nodes_treeids: nodeTree,
    nodes_nodeids: nodeId,
    nodes_featureids: feat,
    nodes_modes: modes,
    nodes_values_as_tensor: { tensor: tensor('', thr, [thr.length], 'double') },
    nodes_truenodeids: tru,
    nodes_falsenodeids: fal,
    nodes_missing_value_tracks_true: miss,
    nodes_hitrates: { floats: new Array(nodeTree.length).fill(1) },
    target_treeids: tTree,
    target_nodeids: tNode,
    target_ids: tId,
    target_weights_as_tensor: { tensor: tensor('', tW, [tW.length], 'double') },
    aggregate_function: isGbdt ? 'SUM' : 'AVERAGE',
    post_transform: 'NONE',
  };
  if (isGbdt)
    attrs.base_values_as_tensor = {
      tensor: tensor('', st.baseScore ?? new Array(nTargets).fill(0), [nTargets], 'double'),
    };
  let scores = g.node('TreeEnsembleRegressor', [x], attrs, { domain: 'ai.onnx.ml' });
  // TreeEnsembleRegressor returns float; bring scores back to double for the head
  scores = g.node('Cast', [scores], { to: 11 });
  finish(g, scores, model, !isGbdt && model.task !== 'regression');
}
