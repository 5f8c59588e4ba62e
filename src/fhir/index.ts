/**
 * Pure FHIR R4 code (layer 1): no I/O, no environment. Resource → row mappers, terminology (LOINC,
 * UCUM, ICD-10 / SNOMED CT code sets), RiskAssessment / OperationOutcome builders and their structural
 * validator, CDS Hooks 2.0 types. See docs/FHIR.md.
 */
export * from './types.js';
export * from './datetime.js';
export * from './terminology.js';
export * from './ucum.js';
export * from './references.js';
export * from './tables.js';
export * from './mappers.js';
export * from './feature-spec.js';
export * from './outcomes.js';
export * from './cds-hooks.js';
export * from './patient-features.js';
export * from './cds-hooks-shapes.js';
export * from './diagnostic-report.js';
