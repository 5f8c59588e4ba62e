export * from './ingest-fhir.js';
export { listFhirFiles, readFhirSources, resourcesOfDocument, type SourceItem } from './sources.js';
