export * from './ingest-fhir.js';
export { closeFhirParsePool } from './parse-pool.js';
export {
  type FileChunk,
  listFhirFiles,
  readFhirChunks,
  readFhirSources,
  resourcesOfDocument,
  type SourceItem,
} from './sources.js';
