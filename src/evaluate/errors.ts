import { defineErrors } from '../core/index.js';

export const EvaluateErrors = defineErrors({
  AEGLE_EVALUATE_ONE_CLASS: {
    message: '{metric} is undefined when only one class is present ({n} rows).',
    status: 400,
    fix: 'Evaluate on a set with both classes (use a stratified split).',
  },
  AEGLE_EVALUATE_BAD_SPLIT: {
    message: 'Cannot split: {reason}',
    status: 400,
    fix: 'Lower k or testSize, or provide more rows / groups per class.',
  },
});

export const EvaluateSpecErrors = defineErrors({
  AEGLE_EVALUATE_UNENCODED: {
    message:
      "Column '{column}' is categorical; models take numbers. Add an encoding step (onehot or ordinal) to the preprocessing.",
    status: 400,
    fix: 'Add `- onehot: {}` (or ordinal) to the preprocess steps, or exclude the column.',
  },
});
