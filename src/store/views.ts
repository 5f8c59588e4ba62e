import { listVersions } from './catalog.js';
import { type DuckStore, ident } from './duck.js';

/**
 * Keeps one view per dataset name pointing at its latest version, so SQL can say `FROM heart` rather
 * than the version's table name. Views of dropped datasets are removed.
 */
export async function refreshViews(db: DuckStore): Promise<void> {
  const latest = new Map<string, string>();
  for (const v of await listVersions(db)) if (!latest.has(v.name)) latest.set(v.name, v.table);
  const views = await db.allRaw<{ view_name: string; comment: string | null }>(
    "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'",
  );
  for (const view of views) {
    if (view.comment === 'aegle-dataset' && !latest.has(view.view_name))
      await db.runRaw(`DROP VIEW ${ident(view.view_name)}`);
  }
  for (const [name, table] of latest) {
    await db.runRaw(`CREATE OR REPLACE VIEW ${ident(name)} AS SELECT * FROM ${ident(table)}`);
    await db.runRaw(`COMMENT ON VIEW ${ident(name)} IS 'aegle-dataset'`);
  }
}
