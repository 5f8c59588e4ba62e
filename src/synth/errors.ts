/** Error codes of the synthetic cohort generator (see docs/SYNTH.md). */
import { defineErrors } from '../core/index.js';

export const SynthErrors = defineErrors({
  AEGLE_SYNTH_INVALID_OPTION: {
    message: "The '{option}' option of aegle synth must be {expected}. Got {got}.",
    status: 400,
    fix: 'Pass a value in the stated range or of the stated type (see `aegle synth --help`).',
  },
  AEGLE_SYNTH_INVALID_PARAM: {
    message: "The '{param}' parameter of {owner} must be {expected}. Got {got}.",
    status: 400,
    fix: 'Pass a value in the stated range or of the stated type (see docs/SYNTH.md).',
  },
  AEGLE_SYNTH_WRITE_FAILED: {
    message: 'Could not write the synthetic cohort to {dir}: {reason}.',
    status: 500,
    fix: 'Check that the output directory is writable and that the disk has room.',
  },
});
