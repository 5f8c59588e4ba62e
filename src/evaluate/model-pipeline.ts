/**
 * A model pipeline: the fitted preprocessing `Pipeline` (on a Frame) followed by an estimator (on
 * the Matrix of the remaining feature columns). Fitting runs the preprocessing on the training rows
 * only — never on test rows — so cross-validation and search are leakage-safe by construction.
 *
 * The target column travels through the preprocessing with role `target` (transformers leave such
 * columns alone by default), so rows a cleaning step drops lose their target too.
 */
import {
  type Frame,
  type Matrix,
  createError,
  frameToMatrix,
  getColumn,
  hasColumn,
  resolveParams,
} from '../core/index.js';
import { type Estimator, type FitProgress, type FittedModel, type Task, modelKind } from '../learn/index.js';
import type { FittedPipeline, Pipeline } from '../transform/index.js';
import './errors.js';

export interface ModelPipelineSpec {
  readonly preprocess: Pipeline | null;
  readonly estimator: Estimator<any>;
  readonly target: string;
}

/** Task and class labels of a target (labels in code order; binary: the positive class is index 1). */
export interface TargetInfo {
  readonly task: Task;
  readonly classes: readonly string[] | null;
}

export interface FittedModelPipeline {
  readonly preprocess: FittedPipeline | null;
  readonly model: FittedModel;
  readonly featureNames: readonly string[];
  readonly target: string;
  readonly task: Task;
  readonly classes: readonly string[] | null;
}

const NON_FEATURE_ROLES = new Set(['id', 'target', 'group', 'time', 'weight']);

/** Sorts labels numerically when all are numbers, else as strings. */
function sortLabels(labels: string[]): string[] {
  const numeric = labels.every((l) => l.trim() !== '' && !Number.isNaN(Number(l)));
  return numeric ? labels.sort((a, b) => Number(a) - Number(b)) : labels.sort();
}

/**
 * Orders binary classes so that the positive class is second: `positiveClass` when given, else `1`,
 * else `true`, else the second in sorted order.
 */
export function orderClasses(labels: readonly string[], positiveClass?: string | null): string[] {
  const sortedLabels = sortLabels([...labels]);
  if (sortedLabels.length !== 2) return sortedLabels;
  const pos =
    positiveClass ??
    (sortedLabels.includes('1')
      ? '1'
      : (sortedLabels.find((l) => l.toLowerCase() === 'true') ?? sortedLabels[1]));
  if (!sortedLabels.includes(pos)) {
    throw createError('AEGLE_CORE_INVALID_SPEC', {
      path: 'positiveClass',
      expected: `one of the target's classes ${sortedLabels.join('|')}`,
      got: `'${pos}'`,
    });
  }
  return [sortedLabels.find((l) => l !== pos)!, pos];
}

function labelOf(v: number): string {
  return String(v);
}

/**
 * Works out the task and classes from the target column and what the estimator can learn:
 * text targets are classes; numeric targets are classes when the estimator only classifies or when
 * they are integers with at most 10 distinct values and the estimator can classify.
 */
export function inferTarget(
  frame: Frame,
  target: string,
  tasks: readonly Task[],
  opts: { task?: Task; positiveClass?: string | null } = {},
): TargetInfo {
  const col = getColumn(frame, target);
  const canClassify = tasks.includes('binary') || tasks.includes('multiclass');
  const canRegress = tasks.includes('regression');
  let labels: string[] | null = null;
  if (col.kind === 'categorical') {
    const present = new Set<number>();
    for (const c of col.codes) if (c >= 0) present.add(c);
    labels = [...present].map((c) => col.dictionary[c]);
  } else {
    const distinct = new Set<number>();
    let integers = true;
    for (const v of col.values) {
      if (Number.isNaN(v)) continue;
      if (!Number.isInteger(v)) integers = false;
      if (distinct.size <= 50) distinct.add(v);
    }
    const asClasses = opts.task
      ? opts.task !== 'regression'
      : !canRegress || (canClassify && integers && distinct.size <= 10);
    if (asClasses) labels = [...distinct].map(labelOf);
  }
  if (labels === null) {
    if (!canRegress)
      throw createError('AEGLE_LEARN_UNSUPPORTED', {
        owner: 'This model',
        what: 'a numeric (regression) target',
      });
    return { task: 'regression', classes: null };
  }
  if (labels.length < 2)
    throw createError('AEGLE_LEARN_BAD_TARGET', {
      reason: `The target '${target}' has ${labels.length} class; classification needs at least two.`,
    });
  const classes = orderClasses(labels, opts.positiveClass);
  const task: Task = classes.length === 2 ? 'binary' : 'multiclass';
  if (!tasks.includes(task))
    throw createError('AEGLE_LEARN_UNSUPPORTED', { owner: 'This model', what: `the '${task}' task` });
  return { task, classes };
}

/** The target as class codes (per `info.classes`) or values; NaN where missing or an unknown label. */
export function targetVector(frame: Frame, target: string, info: TargetInfo): Float64Array {
  const col = getColumn(frame, target);
  const out = new Float64Array(frame.nRows);
  if (!info.classes) {
    if (col.kind === 'categorical')
      throw createError('AEGLE_LEARN_BAD_TARGET', {
        reason: `The target '${target}' is text; a regression target must be numeric.`,
      });
    out.set(col.values);
    return out;
  }
  const index = new Map(info.classes.map((c, k) => [c, k]));
  for (let i = 0; i < frame.nRows; i++) {
    let label: string | null;
    if (col.kind === 'categorical') label = col.codes[i] < 0 ? null : col.dictionary[col.codes[i]];
    else label = Number.isNaN(col.values[i]) ? null : labelOf(col.values[i]);
    const k = label === null ? undefined : index.get(label);
    out[i] = k === undefined ? Number.NaN : k;
  }
  return out;
}

/** Names of the model's input columns in a (preprocessed) frame: every column without a non-feature role. */
export function featureColumns(frame: Frame): string[] {
  return frame.columns
    .filter((c) => !NON_FEATURE_ROLES.has(frame.roles[c.name] ?? 'feature'))
    .map((c) => c.name);
}

/** The feature matrix; a categorical column left unencoded is a clear error. */
export function featureMatrix(frame: Frame, names: readonly string[]): Matrix {
  for (const n of names) {
    const c = getColumn(frame, n);
    if (c.kind === 'categorical') {
      throw createError('AEGLE_EVALUATE_UNENCODED', { column: n });
    }
  }
  return frameToMatrix(frame, names);
}

/** Rows whose target is present. */
export function rowsWithTarget(y: Float64Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(y[i])) out.push(i);
  return Int32Array.from(out);
}

export interface PipelineFitOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: FitProgress) => void;
  readonly threads?: number;
}

/** Validates the estimator's params against its kind's schema (STYLE rule-5 message) before any work. */
export function validateEstimator(estimator: Estimator<any>): void {
  const kind = modelKind(estimator.kind);
  const owner = (estimator as { owner?: string }).owner ?? estimator.kind;
  resolveParams(owner, kind.schema, estimator.params as Record<string, unknown>);
}

/** Fits preprocessing then the estimator on `frame` (training rows only). */
export async function fitModelPipeline(
  spec: ModelPipelineSpec,
  frame: Frame,
  info: TargetInfo,
  opts: PipelineFitOptions = {},
): Promise<FittedModelPipeline> {
  validateEstimator(spec.estimator);
  let cur = frame;
  let fitted: FittedPipeline | null = null;
  if (spec.preprocess) {
    const r = spec.preprocess.fitTransform(frame, { signal: opts.signal, mode: 'clean' });
    fitted = r.fitted;
    cur = r.frame;
  }
  if (!hasColumn(cur, spec.target)) {
    throw createError('AEGLE_CORE_COLUMN_NOT_FOUND', {
      column: spec.target,
      where: ' after preprocessing (a step removed the target)',
      available: cur.columns.map((c) => c.name).join(', '),
    });
  }
  const yAll = targetVector(cur, spec.target, info);
  const keep = rowsWithTarget(yAll);
  const featureNames = featureColumns(cur);
  let X = featureMatrix(cur, featureNames);
  let y = yAll;
  if (keep.length !== cur.nRows) {
    X = takeMatrixRows(X, keep);
    y = Float64Array.from(keep, (i) => yAll[i]);
  }
  const model = await spec.estimator.fit(X, y, {
    task: info.task,
    classes: info.classes ?? undefined,
    signal: opts.signal,
    onProgress: opts.onProgress,
    threads: opts.threads,
  });
  return {
    preprocess: fitted,
    model,
    featureNames,
    target: spec.target,
    task: info.task,
    classes: info.classes,
  };
}

/** Rows of a column-major matrix. */
export function takeMatrixRows(X: Matrix, rows: ArrayLike<number>): Matrix {
  const m = rows.length;
  const data = new Float64Array(m * X.nCols);
  for (let j = 0; j < X.nCols; j++) {
    const off = j * X.nRows;
    for (let r = 0; r < m; r++) data[j * m + r] = X.data[off + rows[r]];
  }
  return { data, nRows: m, nCols: X.nCols, columns: X.columns };
}

/**
 * Applies the fitted pipeline (prediction mode: one output row per input row) then the model.
 * Returns probabilities n × K for classifiers, values for regression.
 */
export function predictModelPipeline(
  fitted: Pick<FittedModelPipeline, 'preprocess' | 'model' | 'featureNames'>,
  frame: Frame,
): Float64Array {
  const cur = fitted.preprocess ? fitted.preprocess.transform(frame, { mode: 'predict' }) : frame;
  const X = featureMatrix(cur, fitted.featureNames);
  return fitted.model.task === 'regression' ? fitted.model.predict(X) : fitted.model.predictProba(X);
}
