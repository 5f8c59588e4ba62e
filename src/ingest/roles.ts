import { type ColumnRole, COLUMN_ROLES, createError } from '../core/index.js';
import { type DatasetVersion, type DuckStore, getVersion, updateRoles } from '../store/index.js';

/**
 * Sets column roles on a dataset version (metadata only — the data are immutable). `null` removes a
 * role. At most one target, weight and time column.
 */
export async function setRoles(
  db: DuckStore,
  v: DatasetVersion,
  patch: Readonly<Record<string, ColumnRole | null>>,
): Promise<DatasetVersion> {
  const names = v.columns.map((c) => c.name);
  const roles: Record<string, ColumnRole> = { ...v.roles };
  for (const [col, role] of Object.entries(patch)) {
    if (!names.includes(col))
      throw createError('AEGLE_CORE_COLUMN_NOT_FOUND', {
        column: col,
        where: ` in dataset '${v.name}'`,
        available: names.join(', '),
      });
    if (role === null) delete roles[col];
    else if (!COLUMN_ROLES.includes(role)) {
      throw createError('AEGLE_INGEST_BAD_OPTION', {
        option: `role of ${col}`,
        reason: `must be one of ${COLUMN_ROLES.join('|')}. Got '${role}'.`,
      });
    } else roles[col] = role;
  }
  for (const single of ['target', 'weight', 'time'] as const) {
    const cols = Object.entries(roles).filter(([, r]) => r === single);
    if (cols.length > 1) {
      throw createError('AEGLE_INGEST_BAD_OPTION', {
        option: `role ${single}`,
        reason: `at most one column can be the ${single}; got ${cols.map(([c]) => c).join(', ')}.`,
      });
    }
  }
  await updateRoles(db, v.name, v.version, roles);
  return getVersion(db, v.name, v.version);
}

/** Parses `col=role,col2=role` (CLI form) into a roles object. */
export function parseRoleList(spec: string | string[] | undefined): Record<string, ColumnRole> {
  const out: Record<string, ColumnRole> = {};
  const items = (Array.isArray(spec) ? spec : spec ? [spec] : []).flatMap((s) => s.split(','));
  for (const item of items) {
    const t = item.trim();
    if (!t) continue;
    const eq = t.lastIndexOf('=');
    if (eq <= 0)
      throw createError('AEGLE_INGEST_BAD_OPTION', {
        option: `--role ${t}`,
        reason: 'expected COLUMN=ROLE, e.g. --role DEATH_EVENT=target.',
      });
    out[t.slice(0, eq)] = t.slice(eq + 1) as ColumnRole;
  }
  return out;
}
