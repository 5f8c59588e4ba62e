import { StatementType } from '@duckdb/node-api';
import { createError } from '../core/index.js';
import { type DuckStore, firstLine } from '../store/index.js';

const READ_ONLY = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * Runs user SQL that may only read. Each statement is prepared first and its type checked (SELECT,
 * EXPLAIN), so writes, DDL, COPY, ATTACH, SET and PRAGMA are refused before anything runs. Dataset
 * names are views of their latest version (`SELECT * FROM heart`). Table functions that read or write
 * files are refused too, so the query cannot reach outside the store.
 */
export async function readOnlyQuery(
  db: DuckStore,
  sql: string,
  opts: { limit?: number } = {},
): Promise<Record<string, unknown>[]> {
  if (
    /\b(read_csv|read_csv_auto|read_parquet|parquet_scan|read_json|read_json_auto|read_text|read_blob|glob|sniff_csv|query_table|getenv)\s*\(/i.test(
      sql,
    )
  ) {
    throw createError('AEGLE_STORE_READ_ONLY', { statement: 'a query that reads files or the environment' });
  }
  const first = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*\(*\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase();
  if (
    !first ||
    !['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', 'DESCRIBE', 'SUMMARIZE', 'EXPLAIN', 'SHOW'].includes(first)
  ) {
    throw createError('AEGLE_STORE_READ_ONLY', { statement: first ?? 'an empty statement' });
  }
  if (/\bEXPLAIN\s+ANALY[SZ]E\b/i.test(sql)) {
    throw createError('AEGLE_STORE_READ_ONLY', { statement: 'EXPLAIN ANALYZE (it executes the statement)' });
  }
  let extracted: Awaited<ReturnType<DuckStore['connection']['extractStatements']>>;
  try {
    extracted = await db.connection.extractStatements(sql);
  } catch (e) {
    throw createError('AEGLE_STORE_QUERY', { reason: firstLine(e) }, { cause: e });
  }
  if (extracted.count !== 1) {
    throw createError('AEGLE_STORE_READ_ONLY', {
      statement: `${extracted.count} statements (send exactly one)`,
    });
  }
  let prepared: Awaited<ReturnType<typeof extracted.prepare>>;
  try {
    prepared = await extracted.prepare(0);
  } catch (e) {
    throw createError('AEGLE_STORE_QUERY', { reason: firstLine(e) }, { cause: e });
  }
  if (!READ_ONLY.has(prepared.statementType)) {
    throw createError('AEGLE_STORE_READ_ONLY', {
      statement: StatementType[prepared.statementType] ?? 'unknown',
    });
  }
  const limited = opts.limit
    ? `SELECT * FROM (${sql.replace(/;\s*$/, '')}) LIMIT ${Math.floor(opts.limit)}`
    : sql;
  return db.all(prepared.statementType === StatementType.SELECT ? limited : sql);
}
