import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellValue, type Column, getColumn, type NumericColumn } from '../core/index.js';
import { isoDate } from './builders.js';
import { csvField } from './csv.js';
import { generateCohort } from './generate.js';
import { COLUMN_TYPES } from './schema.js';
import { type Cohort, TABLE_NAMES } from './types.js';
import { writeCohort } from './write.js';

/** A small RFC 4180 parser, independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

function expectedText(c: Column, i: number, table: keyof typeof COLUMN_TYPES): string {
  const v = cellValue(c, i);
  if (v === null) return '';
  if (c.kind === 'datetime') return COLUMN_TYPES[table][c.name] === 'DATE' ? isoDate(c.values[i]) : String(v);
  return String(v);
}

let dir: string;
let cohort: Cohort;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegle-synth-'));
  cohort = generateCohort({ patients: 400, seed: 99 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('csvField', () => {
  it('quotes commas, quotes and line breaks only', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('x\ny')).toBe('"x\ny"');
  });
});

describe('writeCohort', () => {
  it('writes CSV files that parse back to the same values', async () => {
    const out = join(dir, 'csv');
    const { files } = await writeCohort(cohort, out, { format: 'csv' });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      ...TABLE_NAMES.map((t) => `${t}.csv`),
      'truth.csv',
      'ground_truth.json',
    ]);
    expect((await readdir(out)).sort()).toEqual(files.map((f) => f.slice(out.length + 1)).sort());
    for (const table of TABLE_NAMES) {
      const frame = cohort.tables[table];
      const rows = parseCsv(await readFile(join(out, `${table}.csv`), 'utf8'));
      expect(rows[0]).toEqual(frame.columns.map((c) => c.name));
      expect(rows.length - 1).toBe(frame.nRows);
      const step = Math.max(1, Math.floor(frame.nRows / 500));
      for (let i = 0; i < frame.nRows; i += step) {
        frame.columns.forEach((c, j) => {
          const got = rows[i + 1][j];
          if (c.kind === 'numeric') {
            const v = c.values[i];
            if (Number.isNaN(v)) expect(got).toBe('');
            else expect(Number(got)).toBe(v);
          } else expect(got).toBe(expectedText(c, i, table));
        });
      }
    }
    const truth = JSON.parse(await readFile(join(out, 'ground_truth.json'), 'utf8'));
    expect(truth.bestAuroc).toBe(cohort.truth.bestAuroc);
    expect(truth.defects.exactDuplicates.count).toBe(cohort.truth.defects.exactDuplicates.count);
    expect(truth.phi.length).toBe(cohort.truth.phi.length);
    const truthRows = parseCsv(await readFile(join(out, 'truth.csv'), 'utf8'));
    expect(Number(truthRows[5][2])).toBe(cohort.truth.probability[4]);
  });

  it('writes byte-identical files for the same seed', async () => {
    const again = generateCohort({ patients: 400, seed: 99 });
    await writeCohort(again, join(dir, 'csv2'), { format: 'csv' });
    for (const f of ['patients.csv', 'notes.csv', 'observations.csv', 'ground_truth.json']) {
      expect(await readFile(join(dir, 'csv2', f), 'utf8')).toBe(await readFile(join(dir, 'csv', f), 'utf8'));
    }
  });

  it('writes typed Parquet files through DuckDB', async () => {
    const out = join(dir, 'parquet');
    const { files } = await writeCohort(cohort, out, { format: 'parquet' });
    expect(files.filter((f) => f.endsWith('.parquet'))).toHaveLength(6);
    expect((await readdir(out)).some((f) => f.includes('.tmp') || f.startsWith('.synth-staging'))).toBe(
      false,
    );
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const p = cohort.tables.patients;
      const reader = await conn.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, count(hba1c)::INTEGER AS a1c, typeof(any_value(visit_date)) AS t FROM '${join(out, 'patients.parquet')}'`,
      );
      const [row] = reader.getRowObjectsJson();
      expect(row.n).toBe(p.nRows);
      const a1c = (getColumn(p, 'hba1c') as NumericColumn).values;
      const present = a1c.filter((v) => !Number.isNaN(v)).length;
      expect(row.a1c).toBe(present);
      expect(row.t).toBe('DATE');
      const notes = await conn.runAndReadAll(
        `SELECT text FROM '${join(out, 'notes.parquet')}' ORDER BY note_id LIMIT 3`,
      );
      const texts = notes.getRowObjectsJson().map((r) => r.text);
      expect(texts).toEqual([0, 1, 2].map((i) => cellValue(cohort.tables.notes.columns[3], i)));
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
