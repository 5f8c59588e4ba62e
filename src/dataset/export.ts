import { renameSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createError, defineErrors } from '../core/index.js';
import { type DatasetVersion, type DuckStore, firstLine, ident, literal } from '../store/index.js';

export const DatasetErrors = defineErrors({
  AEGLE_DATASET_EXPORT: {
    message: "Cannot export '{name}' to '{file}': {reason}.",
    status: 500,
    fix: 'Check that the output directory exists and is writable.',
  },
  AEGLE_DATASET_BAD_OPTION: {
    message: '{option}: {reason}',
    status: 400,
    fix: 'Correct the option named in the message.',
  },
});

export type ExportFormat = 'csv' | 'parquet';

/** Writes a dataset version to a CSV or Parquet file, atomically (temp file, then rename). */
export async function exportDataset(
  db: DuckStore,
  v: DatasetVersion,
  file: string,
  format: ExportFormat,
): Promise<{ file: string; rows: number }> {
  if (format !== 'csv' && format !== 'parquet') {
    throw createError('AEGLE_DATASET_BAD_OPTION', {
      option: '--format',
      reason: `must be csv or parquet. Got '${format}'.`,
    });
  }
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}`;
  const opts = format === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet, COMPRESSION zstd)';
  try {
    await db.runRaw(`COPY (SELECT * FROM ${ident(v.table)}) TO ${literal(tmp)} ${opts}`);
    renameSync(tmp, abs);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw createError('AEGLE_DATASET_EXPORT', { name: v.name, file, reason: firstLine(e) }, { cause: e });
  }
  return { file: abs, rows: v.rows };
}
