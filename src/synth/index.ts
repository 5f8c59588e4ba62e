/**
 * Synthetic adult primary-care cohort generator: seeded, documented demo data and a test oracle.
 * See docs/SYNTH.md.
 */
export { auroc, RISK_COEFFICIENTS, RISK_FORMULA, sigmoid, trueRisk } from './risk.js';
export type { Activity, RiskInputs, Smoking } from './risk.js';
export { DEFAULT_DEFECT_RATES, GLUCOSE_MG_PER_MMOL, LAB_COLUMNS, MNAR_RULE, NO_DEFECTS } from './defects.js';
export { generateCohort, MAX_PATIENTS, PHI_COLUMNS, resolveDefectRates } from './generate.js';
export { cohortResources, writeCohortFhir } from './fhir-write.js';
export type { FhirWriteOptions, FhirWriteResult } from './fhir-write.js';
export { defectCounts, groundTruthJson, rowCounts, truthFrame, writeCohort } from './write.js';
export type { WriteOptions } from './write.js';
export { csvField, frameToCsv, frameToCsvChunks } from './csv.js';
export { COLUMN_TYPES } from './schema.js';
export { OBSERVATION_CODES, CONDITION_CODES } from './longitudinal.js';
export { RESTRICTED_ZIP_PREFIXES } from './names.js';
export { SynthErrors } from './errors.js';
export { TABLE_NAMES } from './types.js';
export type * from './types.js';
