/**
 * Error codes of the transform stage (`AEGLE_TRANSFORM_*`). Column look-ups reuse
 * `AEGLE_CORE_COLUMN_NOT_FOUND`; hyperparameter checks reuse `AEGLE_CORE_INVALID_PARAM`.
 */
import { defineErrors } from '../core/index.js';

export const TransformErrors = defineErrors({
  AEGLE_TRANSFORM_INVALID_SPEC: {
    message: '{path} must be {expected}. Got {got}.',
    status: 400,
    fix: 'Correct the cleaning/pipeline spec at the place named in the message (see docs/CLEANING.md).',
  },
  AEGLE_TRANSFORM_COLUMN_KIND: {
    message: "Column '{column}'{where} is {got}; {owner} needs {expected}.",
    status: 400,
    fix: 'Select columns of the kind the transformer works on, or convert the column first.',
  },
  AEGLE_TRANSFORM_UNKNOWN_CATEGORY: {
    message: "Column '{column}' has categories not seen at fit time: {categories}.",
    status: 400,
    fix: "Refit on data that includes these categories, or use handleUnknown: 'ignore'.",
  },
  AEGLE_TRANSFORM_UNKNOWN_KIND: {
    message: "Unknown transformer kind '{kind}'{where}. Known: {known}.",
    status: 400,
    fix: 'Use one of the listed transformer kinds.',
  },
  AEGLE_TRANSFORM_BAD_STATE: {
    message: 'Cannot restore fitted transformer: {reason}.',
    status: 400,
    fix: 'Pass the object produced by fitted.toJSON() unchanged.',
  },
  AEGLE_TRANSFORM_UNIT: {
    message: "Unit '{unit}'{where} cannot be used: {reason}.",
    status: 400,
    fix: "Use a valid UCUM code (e.g. 'mg/dL', 'mmol/L', 'Cel'); for mass <-> molar conversions give molarMass.",
  },
  AEGLE_TRANSFORM_DUPLICATE_COLUMN: {
    message: "{owner} would produce column '{column}' twice.",
    status: 400,
    fix: 'Rename the input column or choose column subsets that do not produce clashing output names.',
  },
  AEGLE_TRANSFORM_ROW_DROP_NOT_ALLOWED: {
    message: "Step '{step}' drops rows, which is not allowed inside {owner}.",
    status: 400,
    fix: 'Put row-dropping steps (dedupe, outliers with drop_row) in the Pipeline, before the ColumnTransformer.',
  },
});
