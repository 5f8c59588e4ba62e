export * from './errors.js';
export * from './ingest.js';
export * from './roles.js';
export { diagnoseDelimited } from './csv-diagnose.js';
export * from './fhir/index.js';
