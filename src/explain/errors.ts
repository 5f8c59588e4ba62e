import { defineErrors } from '../core/index.js';

export const ExplainErrors = defineErrors({
  AEGLE_EXPLAIN_UNSUPPORTED: {
    message: "{what} cannot explain a '{kind}' model: {hint}.",
    status: 400,
    fix: 'Pick the explainer that fits the model: TreeSHAP for tree models, linear SHAP for linear ones, permutation importance for any.',
  },
  AEGLE_EXPLAIN_BAD_INPUT: {
    message: '{what}: {reason}',
    status: 400,
    fix: 'Pass data with the columns the model was trained on.',
  },
});
