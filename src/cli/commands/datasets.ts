/** Dataset commands: ingest, datasets, show, roles, export, drop, sql, profile. */
import { type Command, Option } from 'commander';
import { type ColumnRole, cellValue } from '../../core/index.js';
import {
  exportDataset,
  profileDataset,
  readFrame,
  readOnlyQuery,
  type DatasetProfile,
  type ExportFormat,
} from '../../dataset/index.js';
import {
  INGEST_FORMATS,
  type IngestFormat,
  ingestFile,
  parseRoleList,
  setRoles,
} from '../../ingest/index.js';
import {
  type DatasetVersion,
  dropVersions,
  getVersion,
  listVersions,
  parquetStorageOf,
  parseDatasetRef,
} from '../../store/index.js';
import { type CliContext, formatTable } from '../context.js';
import { withStore } from '../store.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function parseTypes(items: string[] | undefined): Record<string, string> | undefined {
  if (!items?.length) return undefined;
  const out: Record<string, string> = {};
  for (const item of items.flatMap((s) => s.split(','))) {
    const eq = item.lastIndexOf('=');
    if (eq <= 0) throw new Error(`--type expects COLUMN=TYPE (e.g. zip=VARCHAR). Got '${item}'.`);
    out[item.slice(0, eq)] = item.slice(eq + 1).toUpperCase();
  }
  return out;
}

/** How a version is stored and which reader read it, for `aegle show`. */
function storageLine(v: DatasetVersion): string {
  const storage = parquetStorageOf(v);
  if (storage) {
    const n = storage.parts.length;
    return `stored as Parquet (${n} part${n === 1 ? '' : 's'}), read by Aegle's CSV reader`;
  }
  const skipped = typeof v.meta.fastPathSkipped === 'string' ? ` (${v.meta.fastPathSkipped})` : '';
  return v.meta.reader === 'duckdb'
    ? `stored as a DuckDB table, read by DuckDB's reader${skipped}`
    : 'stored as a DuckDB table';
}

export function registerDatasetCommands(program: Command, getCtx: () => CliContext): void {
  program
    .command('ingest')
    .description('Ingest a CSV/TSV, Parquet, JSON or NDJSON file as a new immutable dataset version')
    .argument('<file>', 'file to ingest')
    .requiredOption('--name <name>', 'dataset name')
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices(
        INGEST_FORMATS as string[],
      ),
    )
    .option(
      '--delimiter <char>',
      "field delimiter for delimited text, or 'auto' (default ',' / tab for .tsv)",
    )
    .option('--header', 'the first line is a header (default: detected)')
    .option('--no-header', 'the first line is data')
    .option(
      '--missing <tokens>',
      'comma-separated tokens read as missing (default: config; "" NA N/A NaN NULL ? .)',
    )
    .option(
      '--type <col=TYPE>',
      'force a column type (DOUBLE, BIGINT, VARCHAR, BOOLEAN, DATE, TIMESTAMP); repeatable',
      collect,
    )
    .option('--role <col=role>', 'set a column role (id, target, time, group, weight); repeatable', collect)
    .addOption(
      new Option(
        '--reader <reader>',
        "delimited text: 'auto' tries Aegle's parallel reader (Parquet storage) and falls back to DuckDB's; 'duckdb' always uses DuckDB's (a DuckDB table)",
      )
        .choices(['auto', 'duckdb'])
        .default('auto'),
    )
    .option('--json', 'print {"dataset","version","rows","columns"} as JSON')
    .action(async (file: string, o) => {
      const ctx = getCtx();
      const res = await withStore(ctx, (db) =>
        ingestFile(db, file, {
          name: o.name,
          format: o.format as IngestFormat | undefined,
          delimiter: o.delimiter,
          header: o.header as boolean | undefined,
          missingTokens: o.missing !== undefined ? String(o.missing).split(',') : undefined,
          missingTokensDefault: ctx.config.missingTokens,
          types: parseTypes(o.type),
          roles: parseRoleList(o.role),
          reader: o.reader as 'auto' | 'duckdb',
        }),
      );
      const d = res.dataset;
      if (o.json)
        ctx.json({
          dataset: d.name,
          version: d.version,
          rows: d.rows,
          columns: d.columns.length,
          unchanged: res.unchanged,
        });
      else if (res.unchanged)
        ctx.out(
          `Unchanged: ${file} is already ${d.name}@${d.version} (${d.rows} rows × ${d.columns.length} columns); nothing to do.`,
        );
      else
        ctx.out(`Ingested ${file} as ${d.name}@${d.version}: ${d.rows} rows × ${d.columns.length} columns.`);
    });

  program
    .command('datasets')
    .description('List datasets and their versions')
    .option('--json', 'JSON output')
    .action(async (o) => {
      const ctx = getCtx();
      const versions = await withStore(ctx, (db) => listVersions(db));
      if (o.json) {
        ctx.json(
          versions.map((v) => ({
            name: v.name,
            version: v.version,
            rows: v.rows,
            columns: v.columns.length,
            createdAt: v.createdAt,
            source: v.source,
            parent: v.parent,
          })),
        );
        return;
      }
      if (!versions.length) {
        ctx.out('No datasets yet. Try: aegle ingest FILE --name NAME');
        return;
      }
      const latest = new Set<string>();
      ctx.out(
        formatTable(
          ['name', 'version', 'rows', 'columns', 'created', 'source'],
          versions.map((v) => {
            const mark = latest.has(v.name) ? '' : ' *';
            latest.add(v.name);
            return [
              v.name + mark,
              v.version,
              v.rows,
              v.columns.length,
              v.createdAt.slice(0, 19).replace('T', ' '),
              v.parent ? `${v.source}` : v.source,
            ];
          }),
        ),
      );
      ctx.out('(* = latest version)');
    });

  program
    .command('show')
    .description('Show a dataset version: schema, roles, lineage and the first rows')
    .argument('<dataset>', 'NAME or NAME@VERSION')
    .option('--rows <n>', 'rows to show', '5')
    .option('--json', 'JSON output')
    .action(async (ref: string, o) => {
      const ctx = getCtx();
      const { name, version } = parseDatasetRef(ref);
      const { v, head, versions } = await withStore(ctx, async (db) => {
        const v = await getVersion(db, name, version);
        const frame = await readFrame(db, v, { limit: Number(o.rows) });
        const head = Array.from({ length: frame.nRows }, (_, i) =>
          Object.fromEntries(frame.columns.map((c) => [c.name, cellValue(c, i)])),
        );
        return { v, head, versions: await listVersions(db, name) };
      });
      if (o.json) {
        ctx.json({ ...v, versions: versions.map((x) => x.version), head });
        return;
      }
      ctx.out(
        `${v.name}@${v.version}  ${v.rows} rows × ${v.columns.length} columns  (created ${v.createdAt}, from ${v.source}${v.parent ? `, parent ${v.parent}` : ''})`,
      );
      ctx.out(`content hash ${v.contentHash}`);
      ctx.out(storageLine(v));
      ctx.out('');
      ctx.out(
        formatTable(
          ['column', 'type', 'kind', 'role'],
          v.columns.map((c) => [c.name, c.type, c.kind, v.roles[c.name] ?? '']),
        ),
      );
      if (head.length) {
        ctx.out('');
        const names = v.columns.map((c) => c.name);
        ctx.out(
          formatTable(
            names,
            head.map((r) => names.map((n) => r[n])),
          ),
        );
      }
      if (versions.length > 1)
        ctx.out(`\nVersions (newest first): ${versions.map((x) => x.version).join(', ')}`);
    });

  program
    .command('roles')
    .description(
      'Set column roles of a dataset version (id, target, time, group, weight, feature; "none" removes)',
    )
    .argument('<dataset>', 'NAME or NAME@VERSION')
    .argument('<assignments...>', 'COLUMN=ROLE pairs')
    .option('--json', 'JSON output')
    .action(async (ref: string, assignments: string[], o) => {
      const ctx = getCtx();
      const { name, version } = parseDatasetRef(ref);
      const parsed = parseRoleList(assignments) as Record<string, ColumnRole | 'none'>;
      const patch = Object.fromEntries(
        Object.entries(parsed).map(([k, r]) => [k, r === 'none' ? null : r]),
      ) as Record<string, ColumnRole | null>;
      const v = await withStore(ctx, async (db) => setRoles(db, await getVersion(db, name, version), patch));
      if (o.json) ctx.json({ dataset: v.name, version: v.version, roles: v.roles });
      else
        ctx.out(
          `Roles of ${v.name}@${v.version}: ${
            Object.entries(v.roles)
              .map(([c, r]) => `${c}=${r}`)
              .join(', ') || '(none)'
          }`,
        );
    });

  program
    .command('export')
    .description('Export a dataset version to CSV or Parquet')
    .argument('<dataset>', 'NAME or NAME@VERSION')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'parquet']).default('csv'))
    .requiredOption('--out <file>', 'output file')
    .option('--json', 'JSON output')
    .action(async (ref: string, o) => {
      const ctx = getCtx();
      const { name, version } = parseDatasetRef(ref);
      const res = await withStore(ctx, async (db) =>
        exportDataset(db, await getVersion(db, name, version), o.out, o.format as ExportFormat),
      );
      if (o.json) ctx.json(res);
      else ctx.out(`Wrote ${res.rows} rows to ${res.file}`);
    });

  program
    .command('drop')
    .description('Drop a dataset (all versions) or one version')
    .argument('<dataset>', 'NAME or NAME@VERSION')
    .option('--json', 'JSON output')
    .action(async (ref: string, o) => {
      const ctx = getCtx();
      const { name, version } = parseDatasetRef(ref);
      const dropped = await withStore(ctx, (db) => dropVersions(db, name, version));
      if (o.json) ctx.json({ dropped: dropped.map((v) => `${v.name}@${v.version}`) });
      else ctx.out(`Dropped ${dropped.map((v) => `${v.name}@${v.version}`).join(', ')}`);
    });

  program
    .command('sql')
    .description('Run a read-only SQL query; datasets are views by name (SELECT * FROM heart)')
    .argument('<query>', 'one SELECT statement')
    .option('--limit <n>', 'at most this many rows')
    .option('--json', 'print an array of row objects')
    .action(async (query: string, o) => {
      const ctx = getCtx();
      const rows = await withStore(ctx, (db) =>
        readOnlyQuery(db, query, { limit: o.limit ? Number(o.limit) : undefined }),
      );
      if (o.json) {
        ctx.json(rows);
        return;
      }
      const headers = rows.length ? Object.keys(rows[0]) : [];
      ctx.out(
        formatTable(
          headers,
          rows.map((r) =>
            headers.map((h) => (typeof r[h] === 'object' && r[h] !== null ? JSON.stringify(r[h]) : r[h])),
          ),
        ),
      );
      ctx.out(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
    });

  program
    .command('profile')
    .description('Profile a dataset: column statistics, histograms, duplicates, correlations, and warnings')
    .argument('<dataset>', 'NAME or NAME@VERSION')
    .option('--json', 'JSON output')
    .action(async (ref: string, o) => {
      const ctx = getCtx();
      const { name, version } = parseDatasetRef(ref);
      const p = await withStore(ctx, async (db) => profileDataset(db, await getVersion(db, name, version)));
      if (o.json) ctx.json(p);
      else ctx.out(formatProfile(p));
    });
}

/** A readable profile summary for the terminal. */
export function formatProfile(p: DatasetProfile): string {
  const lines: string[] = [];
  lines.push(
    `${p.dataset}@${p.version}: ${p.rows} rows, ${p.columns.length} columns, ${p.duplicateRows} duplicate rows`,
  );
  lines.push('');
  lines.push(
    formatTable(
      ['column', 'type', 'missing', 'distinct', 'min', 'median', 'max', 'mean', 'sd', 'top'],
      p.columns.map((c) => [
        c.role ? `${c.name} [${c.role}]` : c.name,
        c.type,
        c.missing ? `${c.missing} (${(100 * c.missingShare).toFixed(1)}%)` : '0',
        c.distinct,
        c.min,
        c.quantiles?.p50 ?? null,
        c.max,
        c.mean,
        c.sd,
        c.top
          .slice(0, 3)
          .map((t) => `${t.value} (${t.count})`)
          .join(', '),
      ]),
    ),
  );
  if (p.warnings.length) {
    lines.push('');
    lines.push(`Warnings (${p.warnings.length}):`);
    for (const w of p.warnings) lines.push(`  [${w.severity}] ${w.kind}: ${w.message}`);
  } else lines.push('\nNo warnings.');
  return lines.join('\n');
}
