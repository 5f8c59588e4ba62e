/**
 * writeCohort: one file per table (CSV or Parquet), `truth.csv|parquet` (per-patient true logit,
 * probability, outcome and clean lab values) and `ground_truth.json` (model, prevalence, best AUROC,
 * defect report, injected PHI). Every file is written to a temporary name, fsynced and renamed, so a
 * reader never sees half a file. Parquet goes through DuckDB: the CSV is read back with explicit types and
 * `COPY … TO … (FORMAT parquet)`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Frame, getColumn, makeFrame } from '../core/index.js';
import { createError } from '../core/index.js';
import { frameToCsvChunks } from './csv.js';
import { COLUMN_TYPES } from './schema.js';
import { type Cohort, type SqlType, TABLE_NAMES, type TableName } from './types.js';

export interface WriteOptions {
  readonly format: 'csv' | 'parquet';
}

function tmpName(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function writeChunks(path: string, chunks: Iterable<string>): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (const chunk of chunks) await fh.write(chunk);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes text to `path` atomically (temp file, fsync, rename). */
export async function writeFileAtomic(path: string, chunks: Iterable<string>): Promise<void> {
  const tmp = tmpName(path);
  try {
    await writeChunks(tmp, chunks);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** The per-patient truth table. */
export function truthFrame(cohort: Cohort): Frame {
  const t = cohort.truth;
  const c = t.clean;
  const pick = (name: string) => getColumn(c, name);
  const glucose = pick('glucose');
  return makeFrame(
    [
      pick('patient_id'),
      { kind: 'numeric', name: 'true_logit', values: t.logit },
      { kind: 'numeric', name: 'true_probability', values: t.probability },
      { kind: 'numeric', name: 'diabetes_5y', values: Float64Array.from(t.outcome) },
      ...['bmi', 'sbp', 'dbp', 'heart_rate', 'hba1c'].map(pick),
      { ...glucose, name: 'glucose_mg_dl' },
      ...['total_chol', 'hdl', 'ldl', 'triglycerides', 'egfr'].map(pick),
    ],
    { patient_id: 'id', diabetes_5y: 'target' },
  );
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function readCsvSql(
  path: string,
  types: Readonly<Record<string, SqlType>>,
  columns: readonly string[],
): string {
  const cols = columns.map((c) => `${sqlString(c)}: ${sqlString(types[c] ?? 'VARCHAR')}`).join(', ');
  return `read_csv(${sqlString(path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${cols}})`;
}

/** Writes the cohort to `dir` (created if missing). Returns the files written, in order. */
export async function writeCohort(
  cohort: Cohort,
  dir: string,
  opts: WriteOptions,
): Promise<{ files: string[] }> {
  const out = resolve(dir);
  const files: string[] = [];
  const frames: Array<[TableName | 'truth', Frame]> = [
    ...TABLE_NAMES.map((n): [TableName, Frame] => [n, cohort.tables[n]]),
    ['truth', truthFrame(cohort)],
  ];
  try {
    await mkdir(out, { recursive: true });
    if (opts.format === 'csv') {
      for (const [name, frame] of frames) {
        const path = join(out, `${name}.csv`);
        await writeFileAtomic(path, frameToCsvChunks(frame, COLUMN_TYPES[name]));
        files.push(path);
      }
    } else {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const staging = join(out, `.synth-staging-${process.pid}-${randomBytes(4).toString('hex')}`);
      await mkdir(staging, { recursive: true });
      const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
      const conn = await db.connect();
      try {
        for (const [name, frame] of frames) {
          const csv = join(staging, `${name}.csv`);
          await writeChunks(csv, frameToCsvChunks(frame, COLUMN_TYPES[name]));
          const path = join(out, `${name}.parquet`);
          const tmp = tmpName(path);
          const columns = frame.columns.map((c) => c.name);
          await conn.run(
            `COPY (SELECT * FROM ${readCsvSql(csv, COLUMN_TYPES[name], columns)}) TO ${sqlString(tmp)} (FORMAT parquet)`,
          );
          await rename(tmp, path);
          files.push(path);
        }
      } finally {
        conn.closeSync();
        db.closeSync();
        await rm(staging, { recursive: true, force: true });
      }
    }
    const jsonPath = join(out, 'ground_truth.json');
    await writeFileAtomic(jsonPath, [JSON.stringify(groundTruthJson(cohort, opts.format), null, 2)]);
    files.push(jsonPath);
  } catch (e) {
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('AEGLE_'))
      throw e;
    throw createError(
      'AEGLE_SYNTH_WRITE_FAILED',
      { dir: out, reason: e instanceof Error ? e.message : String(e) },
      { cause: e },
    );
  }
  return { files };
}

/** Row counts per table. */
export function rowCounts(cohort: Cohort): Record<TableName, number> {
  const out = {} as Record<TableName, number>;
  for (const n of TABLE_NAMES) out[n] = cohort.tables[n].nRows;
  return out;
}

/** Defect counts only (the summary the CLI prints). */
export function defectCounts(cohort: Cohort): Record<string, number> {
  const d = cohort.truth.defects;
  return {
    exactDuplicates: d.exactDuplicates.count,
    nearDuplicates: d.nearDuplicates.count,
    mcar: d.mcar.count,
    mnar: d.mnar.count,
    impossibleValues: d.impossibleValues.count,
    mixedUnits: d.mixedUnits.count,
  };
}

/** The JSON document written beside the tables (per-patient arrays go to the truth table instead). */
export function groundTruthJson(cohort: Cohort, format: 'csv' | 'parquet'): Record<string, unknown> {
  const t = cohort.truth;
  return {
    formatVersion: 1,
    generator: 'aegle synth',
    seed: t.seed,
    patients: t.patients,
    rows: rowCounts(cohort),
    outcome: 'diabetes_5y',
    prevalence: t.prevalence,
    meanProbability: t.meanProbability,
    bestAuroc: t.bestAuroc,
    formula: t.formula,
    coefficients: t.coefficients,
    truthTable: `truth.${format}`,
    defects: t.defects,
    phiColumns: t.phiColumns,
    phi: t.phi,
  };
}
