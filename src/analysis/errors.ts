/** Error codes of the analysis stage (`AEGLE_ANALYSIS_*`); see docs/ERRORS.md. */
import { defineErrors } from '../core/index.js';

export const AnalysisErrors = defineErrors({
  AEGLE_ANALYSIS_BAD_COLUMN: {
    message: "Column '{column}' {problem}.",
    status: 400,
    fix: 'Pick a column of the kind the analysis needs (numeric time, 0/1 event, categorical group…).',
  },
  AEGLE_ANALYSIS_BAD_EVENT: {
    message:
      "Event column '{column}' must hold only 0/1 (or 1/2 as R's censored/dead, or false/true). Got {got}.",
    status: 400,
    fix: 'Recode the event indicator to 0 = censored, 1 = event.',
  },
  AEGLE_ANALYSIS_NEGATIVE_TIME: {
    message: "Time column '{column}' has {count} negative value(s) (first at row {row}: {value}).",
    status: 400,
    fix: 'Survival times must be ≥ 0; check the origin of the time scale.',
  },
  AEGLE_ANALYSIS_TOO_FEW_ROWS: {
    message: '{what} needs at least {needed} usable rows; {got} remain after dropping missing values.',
    status: 400,
    fix: 'Use more data or fewer variables with missing values.',
  },
  AEGLE_ANALYSIS_NO_EVENTS: {
    message: '{what}: there are no events in the {n} usable rows.',
    status: 400,
    fix: 'Check the event column: a survival analysis needs at least one observed event.',
  },
  AEGLE_ANALYSIS_SINGULAR: {
    message: '{what}: the matrix is singular or not positive definite ({detail}).',
    status: 400,
    fix: 'Remove collinear or constant covariates, or categories with no events.',
  },
  AEGLE_ANALYSIS_NOT_CONVERGED: {
    message: '{what} did not converge in {iterations} iterations ({detail}).',
    status: 422,
    fix: 'Check for separation (a covariate that perfectly predicts the outcome) or rescale covariates.',
  },
  AEGLE_ANALYSIS_BAD_ARGUMENT: {
    message: "The '{param}' argument of {owner} must be {expected}. Got {got}.",
    status: 400,
    fix: 'Pass a value of the stated kind.',
  },
  AEGLE_ANALYSIS_UNKNOWN_KIND: {
    message: "Unknown analysis '{kind}'. Known: {known}.",
    status: 400,
    fix: 'Use one of the listed analysis kinds.',
  },
});

export { createError } from '../core/index.js';
