/**
 * Model types by name. Each estimator module registers its kind once; the CLI's `model.type`, the
 * artifact loader and the API look kinds up here, so adding a learner is one `registerModelKind` call.
 */
import { createError, defineErrors, type ParamSchema } from '../core/index.js';
import type { Estimator, FittedModel, SerializedModel, Task } from './estimator.js';

export const LearnErrors = defineErrors({
  AEGLE_LEARN_UNKNOWN_MODEL: {
    message: "Unknown model type '{type}'. Known types: {known}.",
    status: 400,
    fix: 'Use one of the listed model types.',
  },
  AEGLE_LEARN_BAD_TARGET: {
    message: '{reason}',
    status: 400,
    fix: 'Check the target column: classification needs at least two classes, regression needs finite numbers, no target may be missing.',
  },
  AEGLE_LEARN_FEATURE_MISMATCH: {
    message: '{owner} was fitted on {expected} features but got {got}.',
    status: 400,
    fix: 'Pass the same feature columns, in the same order, as at fit time.',
  },
  AEGLE_LEARN_UNSUPPORTED: {
    message: '{owner} does not support {what}.',
    status: 400,
    fix: 'Choose another model type or task.',
  },
  AEGLE_LEARN_MISSING_VALUES: {
    message: "{owner} cannot handle missing or infinite values; column '{column}' has one at row {row}.",
    status: 400,
    fix: 'Add an impute step to the preprocessing pipeline, or use a model that handles missing values (gbdt).',
  },
  AEGLE_LEARN_NOT_CONVERGED: {
    message: '{owner} did not converge in {iterations} iterations (gradient {gradient}).',
    status: 422,
    fix: 'Scale the features, raise maxIter, or loosen tol.',
  },
  AEGLE_LEARN_BAD_STATE: {
    message: 'Cannot load a {kind} model: {reason}.',
    status: 400,
    fix: 'The artifact is damaged or was written by an incompatible Aegle version; retrain or re-export it.',
  },
});

export interface ModelKind {
  readonly kind: string;
  readonly description: string;
  readonly tasks: readonly Task[];
  readonly schema: ParamSchema;
  create(params?: Record<string, unknown>): Estimator<any>;
  fromJSON(s: SerializedModel): FittedModel;
}

const kinds = new Map<string, ModelKind>();

export function registerModelKind(k: ModelKind): void {
  kinds.set(k.kind, k);
}

export function modelKind(kind: string): ModelKind {
  const k = kinds.get(kind);
  if (!k)
    throw createError('AEGLE_LEARN_UNKNOWN_MODEL', {
      type: kind,
      known: [...kinds.keys()].sort().join(', ') || '(none)',
    });
  return k;
}

export function modelKinds(): ModelKind[] {
  return [...kinds.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}

/** Restores a fitted model from its serialised form. */
export function loadFittedModel(s: SerializedModel): FittedModel {
  return modelKind(s.kind).fromJSON(s);
}

/** Throws the coded feature-count error when X has the wrong width. */
export function checkFeatureCount(owner: string, expected: number, got: number): void {
  if (expected !== got) throw createError('AEGLE_LEARN_FEATURE_MISMATCH', { owner, expected, got });
}
