import { defineErrors } from '../core/index.js';

export const ReportErrors = defineErrors({
  AEGLE_REPORT_UNSUPPORTED: {
    message: "The model report covers binary risk models; this model's task is '{task}'.",
    status: 400,
    fix: 'Report a binary classifier, or use `aegle predict` and evaluate metrics directly.',
  },
  AEGLE_REPORT_BAD_CARD: {
    message: 'The model card file {path} could not be read: {reason}',
    status: 400,
    fix: 'Give a YAML or JSON mapping with fields such as intendedUse, intendedUsers, limitations.',
  },
});
