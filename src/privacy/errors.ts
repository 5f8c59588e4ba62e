/** Error codes of the privacy stage (de-identification, pseudonyms, risk, DICOM, FHIR, encryption). */
import { defineErrors } from '../core/index.js';

export const PrivacyErrors = defineErrors({
  AEGLE_PRIVACY_BAD_KEY: {
    message: '{what} must be {expected}. Got {got}.',
    status: 500,
    fix: 'Set AEGLE_SECRET_KEY / AEGLE_MASTER_KEY (or their *_FILE variants) to 32 random bytes as 64 hex digits or base64.',
  },
  AEGLE_PRIVACY_BAD_TOKEN: {
    message: 'Cannot open pseudonym token: {reason}.',
    status: 400,
    fix: 'Pass a token made by Aegle with the same secret key; tokens cannot be forged or altered.',
  },
  AEGLE_PRIVACY_TAMPERED: {
    message: 'Encrypted object {what} failed authentication: {reason}. It was altered or the key is wrong.',
    status: 500,
    fix: 'Restore the object from a trusted copy; check that the master key is the one it was written with.',
  },
  AEGLE_PRIVACY_BAD_INPUT: {
    message: '{what}: {reason}',
    status: 400,
    fix: 'Correct the input named in the message.',
  },
  AEGLE_PRIVACY_BAD_POLICY: {
    message: "Column policy for '{column}' is invalid: {reason}.",
    status: 400,
    fix: 'Use one of drop, keep, pseudonymise, generalise, mask, date-shift, year, zip3, age90, text for an existing column.',
  },
  AEGLE_PRIVACY_DICOM: {
    message: "Cannot de-identify DICOM '{file}': {reason}.",
    status: 400,
    fix: 'Pass a DICOM Part 10 file (with the DICM preamble).',
  },
  AEGLE_PRIVACY_FHIR_RULE: {
    message: "FHIR de-identification rule '{path}' is invalid: {reason}.",
    status: 400,
    fix: 'Use a FHIRPath expression and one of redact, dateShift, cryptoHash, encrypt, substitute, generalize, perturb, keep.',
  },
  AEGLE_PRIVACY_K_UNREACHABLE: {
    message: 'Cannot reach k = {k} on {qi} within the suppression limit of {maxSuppression}.',
    status: 400,
    fix: 'Lower k, allow more suppression (--max-suppression), or use fewer quasi-identifiers.',
  },
});
