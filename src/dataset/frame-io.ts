/**
 * Moving data between DuckDB tables and `Frame`s without row objects: chunks of column vectors are
 * copied straight into typed arrays (≈ memcpy for numbers), and frames are written back through
 * DuckDB's appender in 2,048-row data chunks.
 */
import { DOUBLE, DuckDBDataChunk, INTEGER } from '@duckdb/node-api';
import {
  type CategoricalColumn,
  type Column,
  type ColumnRole,
  type Frame,
  columnNotFound,
  sha256Hex,
  newId,
} from '../core/index.js';
import {
  type ColumnSchema,
  type DatasetVersion,
  type DuckStore,
  copyDoubleVector,
  describeTable,
  getVersion,
  ident,
  insertVersion,
  refreshViews,
  tableNameFor,
  versionIdFor,
} from '../store/index.js';

export interface ReadFrameOptions {
  /** Columns to read (default: all), in this order. */
  readonly columns?: readonly string[];
  /** An SQL filter over the table's columns (trusted callers only). */
  readonly where?: string;
  /** Read at most this many rows. */
  readonly limit?: number;
}

function numericExpr(c: ColumnSchema): string {
  const id = ident(c.name);
  if (c.kind === 'datetime')
    return `COALESCE(CAST(epoch_ms(CAST(${id} AS TIMESTAMP)) AS DOUBLE), 'NaN'::DOUBLE)`;
  if (c.type === 'BOOLEAN') return `COALESCE(CAST(CAST(${id} AS INTEGER) AS DOUBLE), 'NaN'::DOUBLE)`;
  return `COALESCE(CAST(${id} AS DOUBLE), 'NaN'::DOUBLE)`;
}

/**
 * Reads a dataset version (or any table) into a Frame: numbers as Float64Array (NaN missing), text as
 * dictionary-coded categoricals (sorted dictionary, −1 missing), dates/timestamps as epoch ms.
 */
export async function readFrame(
  db: DuckStore,
  v: DatasetVersion,
  opts: ReadFrameOptions = {},
): Promise<Frame> {
  const wanted = opts.columns ?? v.columns.map((c) => c.name);
  const schema = wanted.map((n) => {
    const c = v.columns.find((x) => x.name === n);
    if (!c) throw columnNotFound(n, v.columns, ` in dataset '${v.name}'`);
    return c;
  });
  const where = opts.where ? ` WHERE ${opts.where}` : '';
  const limit = opts.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(opts.limit))}` : '';
  const [{ n }] = await db.all<{ n: number }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM ${ident(v.table)}${where}${limit})`,
  );
  const nRows = Number(n);
  const numeric: (Float64Array | null)[] = schema.map((c) =>
    c.kind === 'categorical' ? null : new Float64Array(nRows),
  );
  const strings: (Array<string | null> | null)[] = schema.map((c) =>
    c.kind === 'categorical' ? new Array(nRows) : null,
  );
  const exprs = schema.map((c) =>
    c.kind === 'categorical' ? `CAST(${ident(c.name)} AS VARCHAR)` : numericExpr(c),
  );
  let offset = 0;
  for await (const chunk of db.chunks(`SELECT ${exprs.join(', ')} FROM ${ident(v.table)}${where}${limit}`)) {
    const rows = chunk.rowCount;
    for (let j = 0; j < schema.length; j++) {
      const vec = chunk.getColumnVector(j);
      const num = numeric[j];
      if (num) copyDoubleVector(vec, num, offset);
      else {
        const s = strings[j]!;
        for (let i = 0; i < rows; i++) s[offset + i] = vec.getItem(i) as string | null;
      }
    }
    offset += rows;
  }
  const columns: Column[] = schema.map((c, j) => {
    if (c.kind === 'categorical') return encodeStrings(c.name, strings[j]!);
    return c.kind === 'datetime'
      ? { kind: 'datetime', name: c.name, values: numeric[j]! }
      : { kind: 'numeric', name: c.name, values: numeric[j]! };
  });
  const roles: Record<string, ColumnRole> = {};
  for (const name of wanted) if (v.roles[name]) roles[name] = v.roles[name];
  return { nRows, columns, roles };
}

/** Dictionary-encodes strings: sorted dictionary, −1 for null. One pass with a Map, then a remap. */
export function encodeStrings(name: string, values: ReadonlyArray<string | null>): CategoricalColumn {
  const firstSeen = new Map<string, number>();
  const raw = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = values[i];
    if (s === null || s === undefined) {
      raw[i] = -1;
      continue;
    }
    let code = firstSeen.get(s);
    if (code === undefined) {
      code = firstSeen.size;
      firstSeen.set(s, code);
    }
    raw[i] = code;
  }
  const dictionary = [...firstSeen.keys()].sort();
  const remap = new Int32Array(dictionary.length);
  dictionary.forEach((s, sortedIdx) => {
    remap[firstSeen.get(s)!] = sortedIdx;
  });
  for (let i = 0; i < raw.length; i++) if (raw[i] >= 0) raw[i] = remap[raw[i]];
  return { kind: 'categorical', name, codes: raw, dictionary };
}

const CHUNK = 2048;

/** The DuckDB type a frame column is written back as (the original type where the values allow). */
function targetType(c: Column, hint: ColumnSchema | undefined): string {
  if (c.kind === 'categorical') return 'VARCHAR';
  if (c.kind === 'datetime') return hint && hint.type === 'DATE' ? 'DATE' : 'TIMESTAMP';
  if (hint && /^(BIGINT|INTEGER|SMALLINT|TINYINT|BOOLEAN)$/.test(hint.type)) {
    for (let i = 0; i < c.values.length; i++) {
      const x = c.values[i];
      if (!Number.isNaN(x) && !Number.isInteger(x)) return 'DOUBLE';
      if (hint.type === 'BOOLEAN' && !Number.isNaN(x) && x !== 0 && x !== 1) return 'DOUBLE';
    }
    return hint.type;
  }
  return 'DOUBLE';
}

/**
 * Writes a Frame as a new table (inside the caller's transaction if any). Numeric NaN → NULL; codes →
 * strings through a dictionary table; epoch ms → TIMESTAMP. `hints` keep integer/boolean/date types.
 */
export async function writeFrameTable(
  db: DuckStore,
  table: string,
  frame: Frame,
  hints: readonly ColumnSchema[] = [],
): Promise<void> {
  const stage = `_stage_${newId('t')
    .slice(2)
    .replace(/[^A-Za-z0-9]/g, '_')}`;
  const cols = frame.columns;
  await db.runRaw(
    `CREATE TEMP TABLE ${ident(stage)} (${['"__row" INTEGER', ...cols.map((c, j) => `"c${j}" ${c.kind === 'categorical' ? 'INTEGER' : 'DOUBLE'}`)].join(', ')})`,
  );
  const types = [INTEGER, ...cols.map((c) => (c.kind === 'categorical' ? INTEGER : DOUBLE))];
  const appender = await db.connection.createAppender(stage, 'main', 'temp');
  try {
    for (let start = 0; start < frame.nRows; start += CHUNK) {
      const rows = Math.min(CHUNK, frame.nRows - start);
      const chunk = DuckDBDataChunk.create(types, rows);
      const rowVec = chunk.getColumnVector(0) as unknown as { items: Int32Array; flush(): void };
      for (let i = 0; i < rows; i++) rowVec.items[i] = start + i;
      rowVec.flush();
      cols.forEach((c, j) => {
        const vec = chunk.getColumnVector(j + 1) as unknown as {
          items: Float64Array | Int32Array;
          flush(): void;
        };
        if (c.kind === 'categorical') (vec.items as Int32Array).set(c.codes.subarray(start, start + rows));
        else (vec.items as Float64Array).set(c.values.subarray(start, start + rows));
        vec.flush();
      });
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const joins: string[] = [];
  const selects: string[] = [];
  for (let j = 0; j < cols.length; j++) {
    const c = cols[j];
    const hint = hints.find((h) => h.name === c.name);
    const t = targetType(c, hint);
    const src = `s."c${j}"`;
    if (c.kind === 'categorical') {
      const dict = `${stage}_d${j}`;
      await db.runRaw(`CREATE TEMP TABLE ${ident(dict)} (code INTEGER, value VARCHAR)`);
      const app = await db.connection.createAppender(dict, 'main', 'temp');
      try {
        c.dictionary.forEach((value, code) => {
          app.appendInteger(code);
          app.appendVarchar(value);
          app.endRow();
        });
        app.flushSync();
      } finally {
        app.closeSync();
      }
      joins.push(`LEFT JOIN ${ident(dict)} d${j} ON d${j}.code = ${src}`);
      selects.push(`d${j}.value AS ${ident(c.name)}`);
    } else if (c.kind === 'datetime') {
      const ts = `make_timestamp(CAST(${src} * 1000 AS BIGINT))`;
      selects.push(
        `CASE WHEN isnan(${src}) THEN NULL ELSE ${t === 'DATE' ? `CAST(${ts} AS DATE)` : ts} END AS ${ident(c.name)}`,
      );
    } else {
      selects.push(`CASE WHEN isnan(${src}) THEN NULL ELSE CAST(${src} AS ${t}) END AS ${ident(c.name)}`);
    }
  }
  await db.runRaw(
    `CREATE TABLE ${ident(table)} AS SELECT ${selects.join(', ') || '1 AS "_empty"'} FROM ${ident(stage)} s ${joins.join(' ')} ORDER BY s."__row"`,
  );
  await db.runRaw(`DROP TABLE ${ident(stage)}`);
  for (let j = 0; j < cols.length; j++)
    if (cols[j].kind === 'categorical') await db.runRaw(`DROP TABLE ${ident(`${stage}_d${j}`)}`);
}

export interface SaveFrameOptions {
  readonly name: string;
  /** What the content hash is computed over (e.g. parent hash + spec); it identifies the version. */
  readonly hashInput: string;
  readonly source: string;
  readonly parent: DatasetVersion | null;
  readonly meta?: Record<string, unknown>;
  readonly roles?: Record<string, ColumnRole>;
}

/** Saves a Frame as a new dataset version, atomically; a no-op when the same hash input exists. */
export async function saveFrameAsVersion(
  db: DuckStore,
  frame: Frame,
  opts: SaveFrameOptions,
): Promise<{ dataset: DatasetVersion; unchanged: boolean }> {
  const contentHash = sha256Hex(opts.hashInput);
  const version = versionIdFor(contentHash);
  const existing = (
    await db.all<{ n: number }>(`SELECT count(*) AS n FROM _aegle_versions WHERE name = ? AND version = ?`, [
      opts.name,
      version,
    ])
  )[0];
  if (Number(existing.n) > 0) return { dataset: await getVersion(db, opts.name, version), unchanged: true };
  const table = tableNameFor(opts.name, version);
  await db.transaction(async () => {
    await writeFrameTable(db, table, frame, opts.parent?.columns ?? []);
    await insertVersion(db, {
      name: opts.name,
      version,
      contentHash,
      table,
      createdAt: new Date().toISOString(),
      rows: frame.nRows,
      columns: await describeTable(db, table),
      roles: opts.roles ?? { ...frame.roles },
      source: opts.source,
      format: 'table',
      parent: opts.parent ? `${opts.parent.name}@${opts.parent.version}` : null,
      meta: opts.meta ?? {},
    });
    await refreshViews(db);
  });
  return { dataset: await getVersion(db, opts.name, version), unchanged: false };
}
