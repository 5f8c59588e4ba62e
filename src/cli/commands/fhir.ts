/**
 * `aegle ingest-fhir PATH… --name NAME` (FHIR R4 Bundles + Bulk NDJSON → `NAME_<table>` datasets) and
 * `aegle fhir-features SPEC --name OUT` (a feature spec → a patient-level dataset). Thin over
 * ingest/fhir and dataset/features; see docs/FHIR.md.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { createError } from '../../core/index.js';
import { saveFeatures } from '../../dataset/index.js';
import { parseFeatureSpec } from '../../fhir/index.js';
import { ingestFhir } from '../../ingest/index.js';
import { type CliContext, formatTable } from '../context.js';
import { withStore } from '../store.js';

/** Adds `ingest-fhir` and `features` to the program. */
export function registerFhir(program: Command, getCtx: () => CliContext): void {
  program
    .command('ingest-fhir')
    .description(
      'Import FHIR R4 Bundles and Bulk Data NDJSON (files or directories) as NAME_patients, NAME_observations, …',
    )
    .argument('<paths...>', 'Bundle .json files, .ndjson files, or directories holding them')
    .requiredOption('--name <name>', 'dataset name prefix')
    .option('--json', 'print {"resources": {...}, "skipped": {...}, "errors": [...]}')
    .action(async (paths: string[], o: { name: string; json?: boolean }) => {
      const ctx = getCtx();
      const r = await withStore(ctx, (db) =>
        ingestFhir(db, paths, {
          name: o.name,
          onProgress: o.json ? undefined : (n) => ctx.err(`  ${n.toLocaleString('en-US')} resources…`),
        }),
      );
      if (o.json) {
        ctx.json({ resources: r.resources, skipped: r.skipped, errors: r.errors });
        return;
      }
      const total = Object.values(r.resources).reduce((a, b) => a + b, 0);
      ctx.out(
        `${r.unchanged ? 'Unchanged (already imported)' : 'Imported'}: ${total.toLocaleString('en-US')} resources from ${r.files.length} files`,
      );
      ctx.out('');
      ctx.out(
        formatTable(
          ['dataset', 'version', 'rows'],
          Object.values(r.datasets).map((d) => [d.name, d.version, d.rows]),
        ),
      );
      if (Object.keys(r.skipped).length)
        ctx.out(
          `\nSkipped (no table): ${Object.entries(r.skipped)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')}`,
        );
      if (r.errors.length) {
        ctx.out(`\n${r.errors.length} problems:`);
        for (const e of r.errors.slice(0, 20)) ctx.out(`  ${e}`);
        if (r.errors.length > 20) ctx.out('  … (use --json for all)');
      }
    });

  program
    .command('fhir-features')
    .description('Build a patient-level feature table from a FHIR import and a YAML/JSON feature spec')
    .argument('<spec>', 'feature spec file (YAML or JSON)')
    .requiredOption('--name <name>', 'name of the dataset to write')
    .option('--json', 'print a JSON summary')
    .action(async (specFile: string, o: { name: string; json?: boolean }) => {
      const ctx = getCtx();
      let text: string;
      try {
        text = await readFile(specFile, 'utf8');
      } catch {
        throw createError('AEGLE_INGEST_FILE_NOT_FOUND', { file: specFile });
      }
      const spec = parseFeatureSpec(parseYaml(text));
      const r = await withStore(ctx, (db) => saveFeatures(db, spec, o.name));
      if (o.json) {
        ctx.json({ dataset: r.dataset, unchanged: r.unchanged, unconverted: r.unconverted });
        return;
      }
      ctx.out(
        `${r.unchanged ? 'Unchanged' : 'Wrote'} ${r.dataset.name}@${r.dataset.version}: ${r.dataset.rows} rows × ${r.dataset.columns.length} columns`,
      );
      ctx.out(
        formatTable(
          ['column', 'type', 'role'],
          r.dataset.columns.map((c) => [c.name, c.type, r.dataset.roles[c.name] ?? 'feature']),
        ),
      );
    });
}
