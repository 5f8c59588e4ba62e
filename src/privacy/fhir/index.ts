/**
 * FHIR de-identification by FHIRPath rules, reading Microsoft's FHIR Tools for Anonymization
 * configuration format. See docs/PRIVACY.md § FHIR.
 */
export * from './config.js';
export * from './anonymize.js';
