/**
 * `aegle synth`: writes a seeded synthetic primary-care cohort (tables + ground truth) to a directory.
 * Thin over `generateCohort` / `writeCohort` (src/synth); see docs/SYNTH.md.
 */
import type { Command } from 'commander';
import { createError } from '../../core/index.js';
import {
  defectCounts,
  generateCohort,
  MAX_PATIENTS,
  NO_DEFECTS,
  rowCounts,
  writeCohort,
} from '../../synth/index.js';
import { type CliContext, formatTable } from '../context.js';

export interface SynthCliOptions {
  patients: string;
  seed: string;
  out?: string;
  format: string;
  defects: boolean;
  json?: boolean;
}

function invalidOption(option: string, expected: string, got: unknown): Error {
  return createError('AEGLE_SYNTH_INVALID_OPTION', { option, expected, got: String(got) });
}

function parseInteger(option: string, raw: string, min: number, max: number, expected: string): number {
  const v = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw invalidOption(option, expected, raw);
  return v;
}

/** Validates the raw flags. */
export function parseSynthOptions(o: SynthCliOptions): {
  patients: number;
  seed: number;
  out: string;
  format: 'csv' | 'parquet';
  defects: boolean;
  json: boolean;
} {
  const patients = parseInteger(
    'patients',
    String(o.patients),
    1,
    MAX_PATIENTS,
    `a positive integer (at most ${MAX_PATIENTS.toLocaleString('en-US')})`,
  );
  const seed = parseInteger('seed', String(o.seed), 0, 0xffffffff, 'an integer in [0, 4294967295]');
  if (typeof o.out !== 'string' || o.out.trim() === '')
    throw invalidOption('out', 'a directory path', o.out ?? '(none)');
  if (o.format !== 'csv' && o.format !== 'parquet')
    throw invalidOption('format', "'csv' or 'parquet'", o.format);
  return {
    patients,
    seed,
    out: o.out,
    format: o.format,
    defects: o.defects !== false,
    json: o.json === true,
  };
}

/** Adds `aegle synth` to the program. */
export function registerSynth(program: Command, getCtx: () => CliContext): void {
  program
    .command('synth')
    .description('Write a seeded synthetic primary-care cohort (tables + ground truth) for demos and tests')
    .option('--patients <n>', 'number of patients', '1000')
    .option('--seed <s>', 'random seed (same seed, same files)', '42')
    .option('--out <dir>', 'output directory')
    .option('--format <format>', 'csv or parquet', 'csv')
    .option('--no-defects', 'write a clean cohort (no duplicates, missing or impossible values, mixed units)')
    .option('--json', 'print a JSON summary')
    .action(async (raw: SynthCliOptions) => {
      const ctx = getCtx();
      const o = parseSynthOptions(raw);
      if (!o.json) ctx.err(`Generating ${o.patients} patients (seed ${o.seed})…`);
      const cohort = generateCohort({
        patients: o.patients,
        seed: o.seed,
        defects: o.defects ? undefined : NO_DEFECTS,
      });
      const { files } = await writeCohort(cohort, o.out, { format: o.format });
      const rows = rowCounts(cohort);
      const defects = defectCounts(cohort);
      const t = cohort.truth;
      if (o.json) {
        ctx.json({ dir: o.out, files, rows, prevalence: t.prevalence, bestAuroc: t.bestAuroc, defects });
        return;
      }
      ctx.out(`Wrote ${files.length} files to ${o.out}`);
      ctx.out('');
      ctx.out(formatTable(['table', 'rows'], Object.entries(rows)));
      ctx.out('');
      ctx.out(`Outcome diabetes_5y: prevalence ${(100 * t.prevalence).toFixed(1)}%`);
      ctx.out(`Best achievable AUROC (true risk model): ${t.bestAuroc.toFixed(3)}`);
      ctx.out('');
      ctx.out(formatTable(['defect', 'count'], Object.entries(defects)));
      ctx.out('');
      for (const f of files) ctx.out(f);
    });
}
