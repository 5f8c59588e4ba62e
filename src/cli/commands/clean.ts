/** `aegle clean`: apply a declarative cleaning spec to a dataset, writing a new version and a report. */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createError, sha256Hex } from '../../core/index.js';
import { readFrame, saveFrameAsVersion } from '../../dataset/index.js';
import { validateDatasetName } from '../../ingest/index.js';
import { type DuckStore, getVersion, parseDatasetRef } from '../../store/index.js';
import { type CleaningReport, applyCleaning, formatCleaningReport } from '../../transform/index.js';
import type { CliContext } from '../context.js';
import { withStore } from '../store.js';

export interface CleanOutcome {
  readonly dataset: string;
  readonly version: string;
  readonly parent: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly unchanged: boolean;
  readonly report: CleaningReport;
}

/**
 * Cleans dataset `ref` with `specText` into dataset `out`. The new version's content hash covers the
 * parent's hash and the spec, so cleaning the same data the same way twice is a no-op.
 */
export async function cleanDataset(
  db: DuckStore,
  ref: string,
  specText: string,
  out: string,
): Promise<CleanOutcome> {
  validateDatasetName(out);
  const { name, version } = parseDatasetRef(ref);
  const parent = await getVersion(db, name, version);
  const frame = await readFrame(db, parent);
  const { frame: cleaned, fitted, report } = applyCleaning(frame, specText);
  const res = await saveFrameAsVersion(db, cleaned, {
    name: out,
    hashInput: `clean\n${parent.contentHash}\n${sha256Hex(specText)}`,
    source: `clean:${parent.name}@${parent.version}`,
    parent,
    roles: Object.fromEntries(
      Object.entries(parent.roles).filter(([c]) => cleaned.columns.some((k) => k.name === c)),
    ),
    meta: { spec: specText, pipeline: fitted.toJSON(), report },
  });
  return {
    dataset: res.dataset.name,
    version: res.dataset.version,
    parent: `${parent.name}@${parent.version}`,
    rowsIn: report.rowsIn,
    rowsOut: report.rowsOut,
    unchanged: res.unchanged,
    report,
  };
}

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
