/**
 * `aegle demo` (what `npm start` runs): the whole foundation journey on the embedded default —
 * synthesise a cohort, ingest it, profile it, clean it — and a readable summary. No server needed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { profileDataset } from '../../dataset/index.js';
import { ingestFile } from '../../ingest/index.js';
import { getVersion } from '../../store/index.js';
import { generateCohort, writeCohort } from '../../synth/index.js';
import { formatCleaningReport } from '../../transform/index.js';
import { type CliContext, formatTable } from '../context.js';
import { withStore } from '../store.js';
import { cleanDataset } from './clean.js';

/** The cleaning spec the demo applies (the same format as `aegle clean --spec`). */
export const DEMO_CLEANING_SPEC = `# Demo cleaning spec (docs/CLEANING.md)
steps:
  - dedupe: { keys: [mrn], keep: most_complete }
  - units: { column: glucose, unitColumn: glucose_unit, to: mg/dL }
  - outliers: { method: clinical, action: set_missing }
  - impute: { strategy: median, indicators: true }
`;

export function registerDemo(program: Command, getCtx: () => CliContext): void {
  program
    .command('demo')
    .description('Run the demo on the embedded default: synthesise a cohort, ingest, profile and clean it')
    .option('--patients <n>', 'cohort size', '5000')
    .option('--seed <s>', 'random seed', '7')
    .option('--json', 'print a JSON summary')
    .action(async (o) => {
      const ctx = getCtx();
      const log = o.json ? (_: string) => {} : (s: string) => ctx.out(s);
      const patients = Number(o.patients);
      const seed = Number(o.seed);
      const dir = path.join(ctx.config.home, 'demo', `cohort-${patients}-${seed}`);
      log(`Aegle demo — data directory ${ctx.config.home}\n`);

      const t0 = performance.now();
      if (!existsSync(path.join(dir, 'patients.csv'))) {
        const cohort = generateCohort({ patients, seed });
        await writeCohort(cohort, dir, { format: 'csv' });
        log(
          `1. Synthesised ${patients} patients (seed ${seed}): prevalence of 5-year diabetes ${(100 * cohort.truth.prevalence).toFixed(1)}%, best achievable AUROC ${cohort.truth.bestAuroc.toFixed(3)}.`,
        );
      } else log(`1. Synthetic cohort already in ${dir}.`);

      const summary = await withStore(ctx, async (db) => {
        const ing = await ingestFile(db, path.join(dir, 'patients.csv'), {
          name: 'cohort',
          missingTokensDefault: ctx.config.missingTokens,
          roles: { patient_id: 'id', diabetes_5y: 'target' },
        });
        const v = ing.dataset;
        log(
          `2. Ingested patients.csv as ${v.name}@${v.version}: ${v.rows} rows × ${v.columns.length} columns${ing.unchanged ? ' (unchanged since the last run)' : ''}.`,
        );

        const profile = await profileDataset(db, v);
        log(`3. Profiled it: ${profile.duplicateRows} duplicate rows, ${profile.warnings.length} warnings:`);
        for (const w of profile.warnings) log(`     [${w.severity}] ${w.message}`);

        const cleaned = await cleanDataset(db, 'cohort', DEMO_CLEANING_SPEC, 'cohort_clean');
        log(`4. Cleaned it into ${cleaned.dataset}@${cleaned.version}:\n`);
        if (!o.json) log(indent(formatCleaningReport(cleaned.report, 5)));
        const after = await profileDataset(db, await getVersion(db, 'cohort_clean', cleaned.version));
        log('');
        log(
          formatTable(
            ['', 'rows', 'duplicate rows', 'missing cells', 'warnings'],
            [
              [
                'before',
                profile.rows,
                profile.duplicateRows,
                sum(profile.columns.map((c) => c.missing)),
                profile.warnings.length,
              ],
              [
                'after',
                after.rows,
                after.duplicateRows,
                sum(after.columns.map((c) => c.missing)),
                after.warnings.length,
              ],
            ],
          ),
        );
        return {
          raw: `${v.name}@${v.version}`,
          clean: `${cleaned.dataset}@${cleaned.version}`,
          before: profile.rows,
          after: after.rows,
          warningsBefore: profile.warnings.length,
          warningsAfter: after.warnings.length,
        };
      });
      const seconds = (performance.now() - t0) / 1000;
      if (o.json) {
        ctx.json({ ...summary, seconds });
        return;
      }
      log(`\nDone in ${seconds.toFixed(1)} s. Try next:`);
      log('  npx aegle profile cohort_clean');
      log(
        '  npx aegle sql "SELECT smoking, avg(hba1c) AS hba1c, avg(diabetes_5y) AS risk FROM cohort_clean GROUP BY 1"',
      );
      log('  npx aegle --help');
    });
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
