import { defineErrors } from '../core/index.js';

export const IngestErrors = defineErrors({
  AEGLE_INGEST_FILE_NOT_FOUND: {
    message: "File '{file}' does not exist or cannot be read.",
    status: 400,
    fix: 'Check the path.',
  },
  AEGLE_INGEST_EMPTY: {
    message: "File '{file}' {what}.",
    status: 400,
    fix: 'Ingest a file with a header and at least one data row.',
  },
  AEGLE_INGEST_FORMAT: {
    message: "File '{file}' is not a valid {format} file: {reason}.",
    status: 400,
    fix: 'Check that the file is in the format claimed (by extension or --format), or pass the right --format.',
  },
  AEGLE_INGEST_PARSE: {
    message: "File '{file}', line {line}: {reason}.",
    status: 400,
    fix: 'Fix the line named (every row needs the header’s number of fields; quotes must be balanced), or pass the right --delimiter.',
  },
  AEGLE_INGEST_ENCODING: {
    message: "File '{file}', line {line}: invalid UTF-8 byte sequence at byte offset {offset}.",
    status: 400,
    fix: 'Convert the file to UTF-8 first (e.g. iconv -f latin1 -t utf-8).',
  },
  AEGLE_INGEST_TYPE: {
    message: "File '{file}', line {line}, column '{column}': value '{value}' does not fit type {type}.",
    status: 400,
    fix: 'Choose another --type for the column, or add the token to --missing if it marks a missing value.',
  },
  AEGLE_INGEST_BAD_OPTION: {
    message: '{option}: {reason}',
    status: 400,
    fix: 'Correct the option named in the message.',
  },
  AEGLE_INGEST_NAME: {
    message:
      "Dataset name '{name}' is invalid: use letters, digits, '_', '-' or '.', starting with a letter (at most 64 characters).",
    status: 400,
    fix: 'Pick a name like heart_disease or cohort-2024.',
  },
});
