import { defineErrors } from '../core/index.js';

export const StoreErrors = defineErrors({
  AEGLE_STORE_OPEN: {
    message: "Cannot open the dataset store at '{path}': {reason}.",
    status: 503,
    fix: 'Check that AEGLE_HOME is writable and that no other Aegle process holds the store open for writing.',
  },
  AEGLE_STORE_QUERY: {
    message: 'Query failed: {reason}',
    status: 400,
    fix: 'Correct the SQL named in the message.',
  },
  AEGLE_STORE_READ_ONLY: {
    message:
      'Only read-only queries (SELECT, WITH … SELECT, DESCRIBE, SUMMARIZE, EXPLAIN) are allowed here. Got: {statement}.',
    status: 403,
    fix: 'Use aegle ingest, clean or drop to change datasets; aegle sql only reads.',
  },
  AEGLE_STORE_DATASET_NOT_FOUND: {
    message: "Dataset '{name}'{version} not found. Known datasets: {known}.",
    status: 404,
    fix: 'Run aegle datasets to list datasets and their versions.',
  },
});
