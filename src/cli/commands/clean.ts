/** `aegle clean`: apply a declarative cleaning spec to a dataset, writing a new version and a report. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createError } from '../../core/index.js';
import { cleanDataset, formatCleaningReport } from '../../transform/index.js';
import type { CliContext } from '../context.js';
import { withStore } from '../store.js';

export { type CleanOutcome, cleanDataset } from '../../transform/index.js';

export function registerClean(program: Command, getCtx: () => CliContext): void {
  program
    .command('clean')
    .description(
      'Apply a cleaning spec (YAML/JSON, see docs/CLEANING.md) and write a new dataset version plus a report',
    )
    .argument('<dataset>', 'NAME or NAME@VERSION')
    .requiredOption('--spec <file>', 'cleaning spec file')
    .requiredOption('--out <name>', 'name of the cleaned dataset')
    .option('--report <file>', 'also write the full cleaning report as JSON')
    .option('--json', 'print {"dataset","version","parent","rowsIn","rowsOut","report"} as JSON')
    .action(async (ref: string, o) => {
      const ctx = getCtx();
      let specText: string;
      try {
        specText = readFileSync(o.spec, 'utf8');
      } catch {
        throw createError('AEGLE_INGEST_FILE_NOT_FOUND', { file: o.spec });
      }
      const res = await withStore(ctx, (db) => cleanDataset(db, ref, specText, o.out));
      if (o.report) {
        const file = path.resolve(o.report);
        writeFileSync(`${file}.tmp`, JSON.stringify(res.report, null, 2));
        renameSync(`${file}.tmp`, file);
      }
      if (o.json) {
        ctx.json(res);
        return;
      }
      ctx.out(formatCleaningReport(res.report));
      ctx.out('');
      ctx.out(
        res.unchanged
          ? `Unchanged: ${res.parent} cleaned with this spec is already ${res.dataset}@${res.version}.`
          : `Wrote ${res.dataset}@${res.version} (${res.rowsOut} of ${res.rowsIn} rows) from ${res.parent}.`,
      );
    });
}
