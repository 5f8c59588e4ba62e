/**
 * Shared plumbing for Aegle's own estimators: parameter handling (kept verbatim, resolved against the
 * schema at fit time), target/task resolution, sample and class weights, input checks, and a base for
 * fitted models whose predictions come from class scores.
 */
import { type Matrix, type ParamSchema, createError, resolveParams } from '../core/index.js';
import type { Estimator, FitOptions, FittedModel, SerializedModel, Task } from './estimator.js';
import { checkFeatureCount } from './registry.js';

export type FitArgs = FitOptions & { task?: Task; classes?: readonly string[] };

/** Serialised-state format version of the estimators in this folder. */
export const STATE_FORMAT_VERSION = 1;

/**
 * Base of an estimator spec: hyperparameters exactly as given (verbatim, frozen), validated and
 * defaulted by `resolve()` at fit time; `withParams` returns a new spec.
 */
export abstract class EstimatorBase<P extends object> implements Estimator<P> {
  abstract readonly kind: string;
  abstract readonly tasks: readonly Task[];
  abstract readonly schema: ParamSchema;
  /** Name used in messages ("The 'C' parameter of LogisticRegression must be …"). */
  abstract readonly owner: string;
  readonly params: Readonly<P>;

  constructor(params: Partial<P> = {}) {
    this.params = Object.freeze({ ...params }) as Readonly<P>;
  }

  protected abstract clone(params: Partial<P>): EstimatorBase<P>;

  withParams(patch: Partial<P>): EstimatorBase<P> {
    return this.clone({ ...this.params, ...patch });
  }

  /** Validates the params against the schema and fills defaults (STYLE rule 5 messages). */
  resolve(): P {
    return resolveParams<P>(this.owner, this.schema, this.params as Record<string, unknown>);
  }

  abstract fit(X: Matrix, y: Float64Array, options?: FitArgs): Promise<FittedModel>;
}

export interface TargetInfo {
  readonly task: Task;
  /** Class labels (classification) or null. */
  readonly classes: readonly string[] | null;
  readonly nClasses: number;
}

/**
 * Works out the task and classes. Classification targets must be codes 0..K−1. Without an explicit
 * `task`: `classes` given ⇒ classification; an estimator that only classifies (or only regresses)
 * decides; otherwise integer-valued targets with at most 20 distinct values are classes.
 */
export function resolveTarget(
  owner: string,
  tasks: readonly Task[],
  X: Matrix,
  y: Float64Array,
  opts: FitArgs,
): TargetInfo {
  if (y.length !== X.nRows) {
    throw createError('AEGLE_CORE_SHAPE_MISMATCH', {
      what: `${owner}.fit: y`,
      expected: `${X.nRows} values (one per row of X)`,
      got: y.length,
    });
  }
  if (X.nRows === 0)
    throw createError('AEGLE_LEARN_BAD_TARGET', { reason: `${owner} cannot be fitted on zero rows.` });
  if (X.columns.length !== X.nCols || X.data.length !== X.nRows * X.nCols) {
    throw createError('AEGLE_CORE_SHAPE_MISMATCH', {
      what: `${owner}.fit: X`,
      expected: `${X.nRows * X.nCols} values`,
      got: X.data.length,
    });
  }
  let maxCode = -1;
  let allCodes = true;
  const distinct = new Set<number>();
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) {
      throw createError('AEGLE_LEARN_BAD_TARGET', {
        reason: `The target of ${owner} is missing or not finite at row ${i}; drop or impute those rows first.`,
      });
    }
    if (!(Number.isInteger(v) && v >= 0)) allCodes = false;
    else if (v > maxCode) maxCode = v;
    if (distinct.size <= 20) distinct.add(v);
  }
  let task = opts.task;
  if (!task) {
    const canClassify = tasks.includes('binary') || tasks.includes('multiclass');
    const canRegress = tasks.includes('regression');
    if (opts.classes) task = opts.classes.length > 2 ? 'multiclass' : 'binary';
    else if (!canRegress) task = maxCode > 1 ? 'multiclass' : 'binary';
    else if (!canClassify) task = 'regression';
    else task = allCodes && distinct.size <= 20 ? (maxCode > 1 ? 'multiclass' : 'binary') : 'regression';
  }
  if (!tasks.includes(task))
    throw createError('AEGLE_LEARN_UNSUPPORTED', { owner, what: `the '${task}' task` });
  if (task === 'regression') return { task, classes: null, nClasses: 0 };
  if (!allCodes) {
    throw createError('AEGLE_LEARN_BAD_TARGET', {
      reason: `${owner} needs class codes 0..K-1 as the target; got a non-integer or negative value.`,
    });
  }
  const classes = opts.classes ?? Array.from({ length: Math.max(2, maxCode + 1) }, (_, k) => String(k));
  if (maxCode >= classes.length) {
    throw createError('AEGLE_LEARN_BAD_TARGET', {
      reason: `The target has class code ${maxCode} but only ${classes.length} classes were named.`,
    });
  }
  if (distinct.size < 2)
    throw createError('AEGLE_LEARN_BAD_TARGET', {
      reason: `${owner} needs at least two classes in the target; got one.`,
    });
  if (task === 'binary' && classes.length !== 2)
    throw createError('AEGLE_LEARN_BAD_TARGET', {
      reason: `A binary task needs exactly 2 classes; got ${classes.length}.`,
    });
  return { task, classes, nClasses: classes.length };
}

/** Rejects missing or infinite feature values (models that cannot handle them natively). */
export function requireFinite(owner: string, X: Matrix): void {
  const { data, nRows } = X;
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const j = Math.floor(k / nRows);
      throw createError('AEGLE_LEARN_MISSING_VALUES', { owner, column: X.columns[j], row: k - j * nRows });
    }
  }
}

/** Feature-count check at prediction time. */
export function checkPredictInput(owner: string, nFeatures: number, X: Matrix): void {
  checkFeatureCount(owner, nFeatures, X.nCols);
}

/** Weights per row: sample weights × class weights (`balanced`: n / (K · count_k), as scikit-learn). */
export function rowWeights(
  y: Float64Array,
  target: TargetInfo,
  sampleWeight: Float64Array | undefined,
  classWeight: unknown,
  owner: string,
): Float64Array {
  const n = y.length;
  const w = new Float64Array(n).fill(1);
  if (sampleWeight) {
    if (sampleWeight.length !== n) {
      throw createError('AEGLE_CORE_SHAPE_MISMATCH', {
        what: `${owner}.fit: sampleWeight`,
        expected: `${n} values`,
        got: sampleWeight.length,
      });
    }
    for (let i = 0; i < n; i++) {
      const v = sampleWeight[i];
      if (!(v >= 0 && Number.isFinite(v))) {
        throw createError('AEGLE_CORE_INVALID_PARAM', {
          param: 'sampleWeight',
          owner,
          expected: 'finite non-negative numbers',
          got: `${v} at row ${i}`,
        });
      }
      w[i] = v;
    }
  }
  if (classWeight === null || classWeight === undefined || target.task === 'regression') return w;
  const K = target.nClasses;
  const cw = new Float64Array(K).fill(1);
  if (classWeight === 'balanced') {
    // scikit-learn's compute_class_weight('balanced'): counts ignore sample weights
    const counts = new Float64Array(K);
    for (let i = 0; i < n; i++) counts[y[i]]++;
    const present = counts.filter((c) => c > 0).length;
    for (let k = 0; k < K; k++) cw[k] = counts[k] > 0 ? n / (present * counts[k]) : 1;
  } else {
    const map = classWeight as Record<string, number>;
    const classes = target.classes!;
    for (const [label, v] of Object.entries(map)) {
      const k = classes.indexOf(label);
      if (k < 0) {
        throw createError('AEGLE_CORE_INVALID_PARAM', {
          param: 'classWeight',
          owner,
          expected: `weights for the classes ${classes.join('|')}`,
          got: `'${label}'`,
        });
      }
      cw[k] = v;
    }
  }
  for (let i = 0; i < n; i++) w[i] *= cw[y[i]];
  return w;
}

/** Param definition of `classWeight`: null, 'balanced', or a map of class label → weight. */
export const CLASS_WEIGHT_PARAM = {
  type: 'any',
  default: null,
  description: "Class weights: null (all 1), 'balanced' (n / (K · count)), or a map of class label → weight.",
  check: (v: unknown) =>
    v === null ||
    v === 'balanced' ||
    (typeof v === 'object' &&
      !Array.isArray(v) &&
      Object.values(v as object).every((x) => typeof x === 'number' && x >= 0))
      ? null
      : "null, 'balanced', or a map of class label to a non-negative weight",
} as const;

export function throwIfAborted(signal: AbortSignal | undefined, owner: string): void {
  if (signal?.aborted) throw createError('AEGLE_CORE_ABORTED', { what: `${owner}.fit` });
}

/** Yields to the event loop so that an abort (or a timer) can land during a long fit. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Argmax of each row of a row-major n × K matrix (ties → the lower class code). */
export function argmaxRows(proba: Float64Array, n: number, K: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = proba[i * K];
    for (let k = 1; k < K; k++) {
      if (proba[i * K + k] > bv) {
        bv = proba[i * K + k];
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Common fields and behaviour of a fitted model. */
export abstract class FittedBase implements FittedModel {
  abstract readonly kind: string;
  abstract readonly owner: string;
  constructor(
    readonly task: Task,
    readonly params: Readonly<Record<string, unknown>>,
    readonly featureNames: readonly string[],
    readonly classes: readonly string[] | null,
  ) {
    Object.freeze(this.params);
    Object.freeze(this.featureNames);
    if (this.classes) Object.freeze(this.classes);
  }

  /** Regression output, or class probabilities (row-major n × K). */
  protected abstract compute(X: Matrix): Float64Array;

  predict(X: Matrix): Float64Array {
    checkPredictInput(this.owner, this.featureNames.length, X);
    const out = this.compute(X);
    if (this.task === 'regression') return out;
    return argmaxRows(out, X.nRows, this.classes!.length);
  }

  predictProba(X: Matrix): Float64Array {
    if (this.task === 'regression')
      throw createError('AEGLE_LEARN_UNSUPPORTED', {
        owner: this.owner,
        what: 'predictProba on a regression model',
      });
    checkPredictInput(this.owner, this.featureNames.length, X);
    return this.compute(X);
  }

  protected serialised(state: Record<string, unknown>, arrays: SerializedModel['arrays']): SerializedModel {
    return {
      kind: this.kind,
      formatVersion: STATE_FORMAT_VERSION,
      task: this.task,
      params: { ...this.params },
      featureNames: [...this.featureNames],
      classes: this.classes ? [...this.classes] : null,
      state,
      arrays,
    };
  }

  abstract toJSON(): SerializedModel;
}

/** Checks a serialised model before restoring it. */
export function checkSerialized(s: SerializedModel, kind: string, arrays: readonly string[]): void {
  if (s.kind !== kind)
    throw createError('AEGLE_LEARN_BAD_STATE', { kind, reason: `it is a '${s.kind}' model` });
  if (s.formatVersion !== STATE_FORMAT_VERSION) {
    throw createError('AEGLE_CORE_FORMAT_VERSION', {
      what: `The ${kind} model state`,
      got: s.formatVersion,
      expected: STATE_FORMAT_VERSION,
    });
  }
  for (const a of arrays)
    if (!s.arrays[a]) throw createError('AEGLE_LEARN_BAD_STATE', { kind, reason: `array '${a}' is missing` });
}
