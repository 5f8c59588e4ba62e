/**
 * Privacy layer: de-identification of tables, free text, FHIR and DICOM; keyed pseudonyms and date
 * shifting; re-identification risk (k-anonymity, ℓ-diversity, t-closeness); envelope encryption.
 * See docs/PRIVACY.md.
 */
export * from './errors.js';
export * from './keys.js';
export * from './text/index.js';
export * from './gate/index.js';
export * from './table.js';
export * from './risk.js';
export * from './dicom.js';
export * from './crypto.js';
export * from './atomic.js';
