/**
 * The estimator contract: scikit-learn's API made TypeScript (Buitinck et al. 2013; `sklearn/base.py`).
 *
 * - An `Estimator` holds hyperparameters only, declared once in a `ParamSchema` (default, range,
 *   description) that validates at fit time and feeds CLI flags, OpenAPI and docs.
 *   `withParams(patch)` returns a new estimator; nothing mutates.
 * - `fit(X, y, options)` validates, trains and returns a new immutable `FittedModel`.
 * - `predict` / `predictProba` take a column-major `Matrix` and return typed arrays.
 * - A fitted model serialises to `{ kind, params, state, arrays }`: JSON-able state plus named typed
 *   arrays, which the artifact format stores little-endian in `weights.bin`. Loading gives
 *   bit-identical predictions.
 *
 * Every estimator is registered in `registry.ts` under its model type name (`logistic`, `gbdt`, …) and
 * passes the conformance suite in `conformance.ts`.
 */
import type { Matrix, ParamSchema } from '../core/index.js';

export type Task = 'binary' | 'multiclass' | 'regression';

/** Progress of a fit, reported as it goes (iterations, losses). */
export interface FitProgress {
  readonly iteration: number;
  readonly totalIterations: number;
  readonly trainLoss?: number;
  readonly validLoss?: number;
  readonly message?: string;
}

export interface FitOptions {
  /** Cancels the fit; the promise rejects with AEGLE_CORE_ABORTED. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: FitProgress) => void;
  /** A validation set for early stopping and progress. */
  readonly evalSet?: { readonly X: Matrix; readonly y: Float64Array };
  /** Per-row sample weights. */
  readonly sampleWeight?: Float64Array;
  /** Worker threads to use where the estimator parallelises (default: all cores). */
  readonly threads?: number;
}

/**
 * Targets are Float64Array: class labels are encoded 0..K−1 (the label strings live in `classes`),
 * regression targets are the values themselves.
 */
export interface Estimator<P extends object = Record<string, unknown>> {
  /** Model type name, e.g. `logistic`. */
  readonly kind: string;
  /** What the estimator can learn. */
  readonly tasks: readonly Task[];
  readonly params: Readonly<P>;
  readonly schema: ParamSchema;
  withParams(patch: Partial<P>): Estimator<P>;
  fit(
    X: Matrix,
    y: Float64Array,
    options?: FitOptions & { task?: Task; classes?: readonly string[] },
  ): Promise<FittedModel>;
}

/** Named typed arrays of a fitted model (stored in weights.bin). */
export type ModelArrays = Record<
  string,
  Float64Array | Float32Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array
>;

export interface SerializedModel {
  readonly kind: string;
  /** Serialised-state format version of this kind (bumped on incompatible change). */
  readonly formatVersion: number;
  readonly task: Task;
  readonly params: Record<string, unknown>;
  readonly featureNames: readonly string[];
  readonly classes: readonly string[] | null;
  /** JSON-able fitted state. */
  readonly state: Record<string, unknown>;
  readonly arrays: ModelArrays;
}

export interface FittedModel {
  readonly kind: string;
  readonly task: Task;
  readonly params: Readonly<Record<string, unknown>>;
  readonly featureNames: readonly string[];
  /** Class labels (classification) in code order; null for regression. */
  readonly classes: readonly string[] | null;
  /** Class codes (classification) or values (regression). */
  predict(X: Matrix): Float64Array;
  /**
   * Class probabilities, row-major n × K (K = classes.length); for binary, K = 2 and column 1 is the
   * positive class. Throws for regression.
   */
  predictProba(X: Matrix): Float64Array;
  toJSON(): SerializedModel;
}

/** Reads the positive-class probability column out of a row-major n × 2 probability matrix. */
export function positiveProba(proba: Float64Array, nRows: number): Float64Array {
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) out[i] = proba[2 * i + 1];
  return out;
}
