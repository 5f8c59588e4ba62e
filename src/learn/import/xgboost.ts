/**
 * Import of XGBoost models saved as JSON (`Booster.save_model("m.json")`, XGBoost ≥ 1.0; the schema is
 * `doc/model.schema` in the XGBoost repository) into Aegle's tree runtime: a `FittedGbdt` over the same
 * `TreeArrays` that Aegle's own GBDT grows, so an imported model predicts, explains (TreeSHAP), reports
 * and serves like a native one.
 *
 * Faithful to XGBoost's predictor: features are compared as float32 (`fvalue < split_condition` goes
 * left; XGBoost casts inputs to float), NaN follows `default_left`; leaf values are the leaves'
 * `split_conditions`; node covers are `sum_hessian` (what `pred_contribs` uses). Aegle routes
 * `x <= threshold`, so each split condition s becomes the largest double T with fround(T) < s — then
 * x <= T exactly when fround(x) < s, for every double x.
 *
 * Supported: booster `gbtree` with numeric splits; objectives binary:logistic, binary:logitraw,
 * reg:squarederror (and reg:linear), multi:softprob, multi:softmax.
 */
import { type TreeArrays, treeArraysFromRecord } from '../../compute/index.js';
import { createError, defineErrors } from '../../core/index.js';
import type { Task } from '../estimator.js';
import { FittedGbdt } from '../gbdt/gbdt.js';

export const XgboostImportErrors = defineErrors({
  AEGLE_LEARN_XGBOOST_UNSUPPORTED: {
    message: 'Cannot import this XGBoost model: {reason}',
    status: 400,
    fix: 'Save a gbtree model with numeric splits and a binary:logistic, reg:squarederror or multi:softprob objective (`booster.save_model("m.json")`).',
  },
  AEGLE_LEARN_XGBOOST_BAD_JSON: {
    message: 'Not an XGBoost JSON model: {reason}',
    status: 400,
    fix: 'Pass the file written by `Booster.save_model("model.json")` (JSON, not the binary or UBJSON format).',
  },
});

interface XgbTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: number[] | boolean[];
  base_weights: number[];
  sum_hessian: number[];
  loss_changes: number[];
  split_type?: number[];
  categories_nodes?: number[];
}

const OBJECTIVES: Record<
  string,
  { task: Task; objective: 'binary' | 'multiclass' | 'squared_error'; baseIsProbability: boolean }
> = {
  'binary:logistic': { task: 'binary', objective: 'binary', baseIsProbability: true },
  'binary:logitraw': { task: 'binary', objective: 'binary', baseIsProbability: false },
  'reg:squarederror': { task: 'regression', objective: 'squared_error', baseIsProbability: false },
  'reg:linear': { task: 'regression', objective: 'squared_error', baseIsProbability: false },
  'multi:softprob': { task: 'multiclass', objective: 'multiclass', baseIsProbability: false },
  'multi:softmax': { task: 'multiclass', objective: 'multiclass', baseIsProbability: false },
};

/** Largest double T with fround(T) < s, for a float32 value s: `x <= T` ⇔ `fround(x) < s`. */
export function float32StrictThreshold(s: number): number {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = s;
  if (f[0] === 0)
    u[0] = 0x80000001; // the float below ±0 is −min subnormal
  else if (f[0] > 0) u[0] -= 1;
  else u[0] += 1;
  const prev = f[0];
  if (s === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  const m = (prev + Math.fround(s)) / 2; // exact in double
  return Math.fround(m) < Math.fround(s) ? m : prevDouble(m);
}

function prevDouble(x: number): number {
  const d = new Float64Array([x]);
  const b = new BigInt64Array(d.buffer);
  if (x === 0) return -Number.MIN_VALUE;
  b[0] += x > 0 ? -1n : 1n;
  return d[0];
}

export interface XgboostImportOptions {
  /** Feature names to use when the model has none (default f0…fN−1). */
  readonly featureNames?: readonly string[];
}

export interface XgboostModelInfo {
  readonly objective: string;
  readonly nFeatures: number;
  readonly nClasses: number;
  readonly nTrees: number;
  readonly baseScore: number;
  readonly version: string | null;
  readonly featureNamesFromModel: boolean;
}

/** Parses an XGBoost JSON model (text or parsed object) into a `FittedGbdt`. */
export function importXgboostJson(
  json: string | unknown,
  opts: XgboostImportOptions = {},
): { model: FittedGbdt; info: XgboostModelInfo } {
  let doc: any;
  try {
    doc = typeof json === 'string' ? JSON.parse(json) : json;
  } catch (e) {
    throw createError('AEGLE_LEARN_XGBOOST_BAD_JSON', { reason: 'the file is not valid JSON' }, { cause: e });
  }
  const learner = doc?.learner;
  if (!learner?.gradient_booster || !learner.learner_model_param || !learner.objective) {
    throw createError('AEGLE_LEARN_XGBOOST_BAD_JSON', {
      reason: "no 'learner.gradient_booster' / 'learner.objective' object",
    });
  }
  const gb = learner.gradient_booster;
  if (gb.name !== 'gbtree')
    throw createError('AEGLE_LEARN_XGBOOST_UNSUPPORTED', {
      reason: `booster '${gb.name}' (only gbtree is supported)`,
    });
  const objName = String(learner.objective.name);
  const obj = OBJECTIVES[objName];
  if (!obj)
    throw createError('AEGLE_LEARN_XGBOOST_UNSUPPORTED', {
      reason: `objective '${objName}' (supported: ${Object.keys(OBJECTIVES).join(', ')})`,
    });
  const mp = learner.learner_model_param;
  const nFeatures = Number(mp.num_feature);
  const nClass = Number(mp.num_class);
  if (Number(mp.num_target ?? 1) > 1)
    throw createError('AEGLE_LEARN_XGBOOST_UNSUPPORTED', { reason: 'multi-target models' });
  const K = obj.task === 'multiclass' ? nClass : 1;
  if (obj.task === 'multiclass' && !(K >= 2))
    throw createError('AEGLE_LEARN_XGBOOST_BAD_JSON', { reason: `num_class is ${mp.num_class}` });
  const baseScore = Math.fround(Number(mp.base_score));
  // ProbToMargin of the objective (XGBoost does it in float32).
  const baseMargin = obj.baseIsProbability
    ? Math.fround(-Math.log(Math.fround(1 / baseScore - 1)))
    : baseScore;

  const trees: XgbTree[] = gb.model?.trees;
  const treeInfo: number[] = gb.model?.tree_info ?? [];
  if (!Array.isArray(trees))
    throw createError('AEGLE_LEARN_XGBOOST_BAD_JSON', { reason: "no 'gradient_booster.model.trees' array" });
  const npt = Number(gb.model?.gbtree_model_param?.num_parallel_tree ?? 1);
  if (npt !== 1)
    throw createError('AEGLE_LEARN_XGBOOST_UNSUPPORTED', {
      reason: `num_parallel_tree = ${npt} (boosted random forests)`,
    });

  // Aegle's GBDT adds tree t to output t mod K: order the trees round by round.
  const perClass: number[][] = Array.from({ length: K }, () => []);
  trees.forEach((_, t) => {
    const c = K === 1 ? 0 : Number(treeInfo[t] ?? t % K);
    if (!(c >= 0 && c < K))
      throw createError('AEGLE_LEARN_XGBOOST_BAD_JSON', { reason: `tree ${t} belongs to class ${c}` });
    perClass[c].push(t);
  });
  const rounds = perClass[0].length;
  if (perClass.some((l) => l.length !== rounds))
    throw createError('AEGLE_LEARN_XGBOOST_UNSUPPORTED', {
      reason: 'classes have different numbers of trees',
    });
  const order: number[] = [];
  for (let r = 0; r < rounds; r++) for (let k = 0; k < K; k++) order.push(perClass[k][r]);

  const arrays = buildArrays(
    order.map((t) => trees[t]),
    nFeatures,
  );
  const featureNames: string[] =
    Array.isArray(learner.feature_names) && learner.feature_names.length === nFeatures
      ? learner.feature_names.map(String)
      : opts.featureNames && opts.featureNames.length === nFeatures
        ? [...opts.featureNames]
        : Array.from({ length: nFeatures }, (_, j) => `f${j}`);
  const classes =
    obj.task === 'regression' ? null : Array.from({ length: Math.max(2, K) }, (_, k) => String(k));
  const version = Array.isArray(doc.version) ? doc.version.join('.') : null;
  const model = new FittedGbdt(
    obj.task,
    { source: 'xgboost', xgboostVersion: version, xgboostObjective: objName, nEstimators: rounds },
    featureNames,
    classes,
    {
      trees: arrays,
      baseScore: Array.from({ length: K }, () => baseMargin),
      nOutputs: K,
      objective: obj.objective,
      nIterations: rounds,
      bestIteration: null,
    },
  );
  return {
    model,
    info: {
      objective: objName,
      nFeatures,
      nClasses: K === 1 && obj.task === 'binary' ? 2 : K,
      nTrees: trees.length,
      baseScore,
      version,
      featureNamesFromModel:
        Array.isArray(learner.feature_names) && learner.feature_names.length === nFeatures,
    },
  };
}

function buildArrays(trees: XgbTree[], nFeatures: number): TreeArrays {
  let nodes = 0;
  for (const t of trees) nodes += t.left_children.length;
  const rec: Record<string, unknown> = {
    'tree.feature': new Int32Array(nodes),
    'tree.threshold': new Float64Array(nodes),
    'tree.thresholdBin': new Int32Array(nodes).fill(-1),
    'tree.left': new Int32Array(nodes),
    'tree.right': new Int32Array(nodes),
    'tree.defaultLeft': new Uint8Array(nodes),
    'tree.catStart': new Int32Array(nodes),
    'tree.catLen': new Int32Array(nodes),
    'tree.catBits': new Uint32Array(0),
    'tree.value': new Float64Array(nodes),
    'tree.cover': new Float64Array(nodes),
    'tree.count': new Float64Array(nodes),
    'tree.gain': new Float64Array(nodes),
    'tree.treeRoot': new Int32Array(trees.length),
  };
  const a = rec as Record<string, any>;
  let off = 0;
  trees.forEach((t, k) => {
    const m = t.left_children.length;
    for (const key of [
      'right_children',
      'split_indices',
      'split_conditions',
      'default_left',
      'sum_hessian',
    ] as const) {
      if (!Array.isArray(t[key]) || t[key].length !== m)
        throw createError('AEGLE_LEARN_XGBOOST_BAD_JSON', {
          reason: `tree ${k}: '${key}' is missing or has the wrong length`,
        });
    }
    if (t.split_type?.some((s) => s !== 0) || (t.categories_nodes?.length ?? 0) > 0) {
      throw createError('AEGLE_LEARN_XGBOOST_UNSUPPORTED', { reason: 'categorical splits' });
    }
    a['tree.treeRoot'][k] = off;
    for (let i = 0; i < m; i++) {
      const g = off + i;
      const l = t.left_children[i];
      const r = t.right_children[i];
      a['tree.cover'][g] = t.sum_hessian[i];
      a['tree.count'][g] = t.sum_hessian[i];
      a['tree.gain'][g] = t.loss_changes?.[i] ?? 0;
      if (l === -1) {
        a['tree.feature'][g] = -1;
        a['tree.left'][g] = -1;
        a['tree.right'][g] = -1;
        a['tree.value'][g] = Math.fround(t.split_conditions[i]);
        continue;
      }
      const f = t.split_indices[i];
      if (!(f >= 0 && f < nFeatures) || !(l > i && r > i && l < m && r < m)) {
        throw createError('AEGLE_LEARN_XGBOOST_BAD_JSON', {
          reason: `tree ${k} node ${i}: bad feature index or children`,
        });
      }
      a['tree.feature'][g] = f;
      a['tree.threshold'][g] = float32StrictThreshold(t.split_conditions[i]);
      a['tree.left'][g] = off + l;
      a['tree.right'][g] = off + r;
      a['tree.defaultLeft'][g] = Number(t.default_left[i]) ? 1 : 0;
      a['tree.value'][g] = t.base_weights?.[i] ?? 0;
    }
    off += m;
  });
  const arrays = treeArraysFromRecord(rec, 1);
  if (!arrays) throw createError('AEGLE_LEARN_XGBOOST_BAD_JSON', { reason: 'the trees are inconsistent' });
  return arrays;
}
