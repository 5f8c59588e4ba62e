export * from './parsers.js';
export * from './encoders.js';
export * from './ingest.js';
export { writeRecordTable, type ColumnTypes } from './table-writer.js';
