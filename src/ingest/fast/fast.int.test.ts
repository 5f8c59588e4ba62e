/**
 * The fast CSV path against the reference reader: every file it accepts must give the same table —
 * column names, types, values, row order — as DuckDB's CSV reader gives through the DuckDB path, and
 * every file it declines must still be ingested (by DuckDB) with the reason recorded.
 */
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MISSING_TOKENS } from '../../config/index.js';
import { isAegleError, Rng } from '../../core/index.js';
import { profileDataset, readFrame } from '../../dataset/index.js';
import { generateCohort, writeCohort } from '../../synth/index.js';
import {
  DuckStore,
  dropVersions,
  ensureCatalog,
  getVersion,
  listVersions,
  openDatasetStore,
} from '../../store/index.js';
import { ingestFile } from '../index.js';
import { csvToParquet, isoDate, numberLike, strictNumber, textWitness } from './index.js';
import { ParquetFileWriter } from './parquet.js';

const DATA = path.resolve(__dirname, '../../../../shared/data');

let dir: string;
let db: DuckStore; // a home on disk: the fast path
let ref: DuckStore; // in memory: always DuckDB's reader
let n = 0;

const opts = (name: string, extra: object = {}) => ({
  name,
  missingTokensDefault: DEFAULT_MISSING_TOKENS,
  ...extra,
});

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

function plain(rows: Record<string, unknown>[]): string {
  return JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Ingests `f` both ways; returns the fast side's version after checking it equals the reference. */
async function sameAsDuckDb(f: string, reader: 'aegle' | 'duckdb' | 'either' = 'aegle', extra: object = {}) {
  const name = `t${n++}`;
  const a = await ingestFile(db, f, opts(name, extra));
  const b = await ingestFile(ref, f, opts(name, extra));
  if (reader !== 'either') expect(a.dataset.meta.reader, String(a.dataset.meta.fastPathSkipped)).toBe(reader);
  expect(b.dataset.meta.reader).toBe('duckdb');
  expect(a.dataset.columns).toEqual(b.dataset.columns);
  expect(a.dataset.rows).toBe(b.dataset.rows);
  const rowsA = await db.connection.runAndReadAll(`SELECT * FROM "${a.dataset.table}"`);
  const rowsB = await ref.connection.runAndReadAll(`SELECT * FROM "${b.dataset.table}"`);
  expect(plain(rowsA.getRowObjectsJS())).toBe(plain(rowsB.getRowObjectsJS()));
  return a.dataset;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aegle-fast-'));
  db = await openDatasetStore({ home: path.join(dir, 'home') });
  ref = await DuckStore.create({ path: ':memory:' });
  await ensureCatalog(ref);
});
afterAll(() => {
  db.close();
  ref.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the fast path reads what DuckDB reads', () => {
  it('gives the same tables for the real clinical CSVs in ../shared/data', async () => {
    const files = [
      path.join(DATA, 'tabular/uci-heart-disease-processed.cleveland.data.csv'),
      path.join(DATA, 'tabular/uci-heart-failure-clinical-records.csv'),
    ];
    for (const f of files) {
      const v = await sameAsDuckDb(f);
      expect(v.meta.storage).toMatchObject({ kind: 'parquet' });
    }
  });

  it("gives the same tables for every CSV of a synthetic cohort (Aegle's or DuckDB's reader, as each decides)", async () => {
    const out = path.join(dir, 'cohort');
    const { files } = await writeCohort(generateCohort({ patients: 400, seed: 11 }), out, { format: 'csv' });
    const readers: Record<string, unknown> = {};
    for (const f of files.filter((x) => x.endsWith('.csv'))) {
      const v = await sameAsDuckDb(f, 'either');
      readers[path.basename(f)] = v.meta.reader;
    }
    // the quoted tables (conditions, notes) go to DuckDB; patients, observations, vitals, truth are Aegle's
    expect(readers).toMatchObject({
      'patients.csv': 'aegle',
      'observations.csv': 'aegle',
      'vitals.csv': 'aegle',
    });
  });

  it('keeps integers, decimals, negatives, missing tokens, UTF-8 text and CRLF line ends', async () => {
    const lines = ['id,age,bmi,delta,ward,note'];
    const rng = new Rng(7);
    const wards = ['cardiologie', 'ICU', 'néphrologie', 'général'];
    for (let i = 0; i < 3000; i++) {
      const miss = (p: number) => rng.uniform() < p;
      lines.push(
        [
          `P${String(i).padStart(5, '0')}`,
          miss(0.05) ? 'NA' : String(18 + rng.int(80)),
          miss(0.05) ? '' : (15 + 30 * rng.uniform()).toFixed(rng.int(3) + 1),
          miss(0.05) ? '?' : (rng.normal(0, 5) * (i % 7 === 0 ? 1e6 : 1)).toFixed(4),
          miss(0.05) ? 'NULL' : wards[rng.int(wards.length)],
          miss(0.1) ? '' : `seen ${rng.int(9)} times; ok`,
        ].join(','),
      );
    }
    await sameAsDuckDb(file('mixed.csv', `${lines.join('\r\n')}\r\n`));
    await sameAsDuckDb(file('mixed-lf.csv', lines.join('\n'))); // no final newline
    await sameAsDuckDb(file('mixed.tsv', `${lines.map((l) => l.replaceAll(',', '\t')).join('\n')}\n`));
  });

  it('reads ISO dates as DATE, and codes with leading zeros and impossible dates as text', async () => {
    const rows = ['id,zip,born,seen,note'];
    for (let i = 0; i < 400; i++) {
      const y = 1900 + ((i * 7) % 130);
      const m = String(1 + (i % 12)).padStart(2, '0');
      const d = String(1 + (i % 28)).padStart(2, '0');
      rows.push(
        `${i},${String((i * 7919) % 99999).padStart(5, '0')},${y}-${m}-${d},${i % 9 ? `2024-${m}-${d}` : ''},x${i}`,
      );
    }
    const v = await sameAsDuckDb(file('dates.csv', `${rows.join('\n')}\n`));
    expect(v.columns.map((c) => c.type)).toEqual(['BIGINT', 'VARCHAR', 'DATE', 'DATE', 'VARCHAR']);
    const bad = await sameAsDuckDb(file('baddate.csv', 'a,d\n1,2024-02-30\n2,2024-01-01\n'));
    expect(bad.columns[1].type).toBe('VARCHAR');
    const mixed = await sameAsDuckDb(file('datenum.csv', 'a,d\n1,2024-01-02\n2,12\n'));
    expect(mixed.columns[1].type).toBe('VARCHAR');
    // LOINC codes, fractions, percentages and zoned timestamps are text for DuckDB too
    const codes = await sameAsDuckDb(
      file(
        'codes.csv',
        'a,loinc,f,p,t\n1,4548-4,1/2,5%,2018-08-09T08:57:23.000Z\n2,2345-7,3/4,7,2018-08-09T09:55:52+02:00\n',
      ),
    );
    expect(codes.columns.map((c) => c.type)).toEqual(['BIGINT', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR']);
  });

  it('reads ISO timestamps without a zone as TIMESTAMP, to the microsecond', async () => {
    const rows = ['id,at,t2,short'];
    for (let i = 0; i < 500; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const hh = String(i % 24).padStart(2, '0');
      const mm = String((i * 7) % 60).padStart(2, '0');
      const ss = String((i * 13) % 60).padStart(2, '0');
      const frac = i % 3 === 0 ? '' : `.${String(i * 37).slice(0, 1 + (i % 6))}`;
      rows.push(
        `${i},${1970 + (i % 200)}-03-${day} ${hh}:${mm}:${ss}${frac},2024-01-${day}T${hh}:${mm}:${ss},${i % 5 ? `1999-12-31 ${hh}:${mm}` : ''}`,
      );
    }
    rows.push('500,1969-12-31 23:59:59.999999,1900-02-28T00:00:00,');
    const v = await sameAsDuckDb(file('times.csv', `${rows.join('\n')}\n`));
    expect(v.columns.map((c) => c.type)).toEqual(['BIGINT', 'TIMESTAMP', 'TIMESTAMP', 'TIMESTAMP']);
    // a zoned value after the sample: DuckDB's call (it reads it into the TIMESTAMP column)
    const lines = Array.from(
      { length: 150_000 },
      (_, i) => `${i},2020-01-01 ${String(i % 24).padStart(2, '0')}:00:00`,
    );
    lines.splice(60_000, 0, '-1,2020-01-01T10:00:00Z');
    const z = await sameAsDuckDb(file('zoned.csv', `a,t\n${lines.join('\n')}\n`), 'duckdb');
    expect(z.meta.fastPathSkipped).toMatch(/another spelling/);
  });

  it('retypes a date column that meets text after the sample, and a number column that meets a ZIP code', async () => {
    const lines = Array.from(
      { length: 150_000 },
      (_, i) => `${i},2020-01-${String(1 + (i % 28)).padStart(2, '0')},${i % 97}`,
    );
    lines.splice(60_000, 0, '-1,unknown,00123');
    const v = await sameAsDuckDb(file('latedate.csv', `a,d,z\n${lines.join('\n')}\n`));
    expect(v.columns.map((c) => c.type)).toEqual(['BIGINT', 'VARCHAR', 'VARCHAR']);
  });

  it('reads missing-value tokens written as numbers as missing, as DuckDB does', async () => {
    const f = file('sentinel.csv', 'a,b,c\n1,-999,x\n2,3.5,-999\n-999,4,y\n3,-999.0,z\n');
    const v = await sameAsDuckDb(f, 'aegle', { missingTokens: ['', '-999', '-999.0'] });
    expect(v.columns.map((c) => c.type)).toEqual(['BIGINT', 'DOUBLE', 'VARCHAR']);
    const [r] = await db.all<{ a: number; b: number }>(
      `SELECT count(a) AS a, count(b) AS b FROM "${v.table}"`,
    );
    expect(r).toEqual({ a: 3, b: 2 });
  });

  it('converts long mantissas exactly and keeps 15-digit integers', async () => {
    const rows = ['x,k'];
    const rng = new Rng(11);
    for (let i = 0; i < 500; i++) {
      const v = rng.normal(0, 1) * 10 ** rng.int(12);
      rows.push(`${v.toPrecision(17).replace(/e.*$/, '')},${-(10 ** 14) + rng.int(1e9) * 1000}`);
    }
    for (let i = 0; i < 2000; i++) {
      // every fraction length from 1 to 20 digits, read four at a time and one at a time
      const v = rng.normal(0, 1) * 10 ** (rng.int(9) - 3);
      rows.push(`${v.toFixed(1 + (i % 20))},${i}`);
    }
    rows.push('0.30000000000000004,999999999999999', '-0.1,-999999999999999');
    rows.push('1.2345678901234567e-05,1', '-9.87E+20,2', '5e-324,3', '1.7976931348623157e308,4');
    await sameAsDuckDb(file('precise.csv', `${rows.join('\n')}\n`));
  });

  it('retypes a column when a later value needs it: an integer column meets a decimal, a numeric one text', async () => {
    // ~1.8 MB; the sample reads the first 512 kB and 128 kB at a quarter, half, three quarters and
    // the end, so the two rows put at ~720 kB are seen only by the full read
    const lines = Array.from({ length: 150_000 }, (_, i) => `${i},${i % 100},${(i % 13) * 2}`);
    lines.splice(60_000, 0, '7,3.5,12', '8,4,high');
    const f = file('late.csv', `a,b,c\n${lines.join('\n')}\n`);
    const v = await sameAsDuckDb(f);
    expect(v.columns.map((c) => c.type)).toEqual(['BIGINT', 'DOUBLE', 'VARCHAR']);
  });

  it('declines what DuckDB must decide, which then reads the file itself', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['quoted.csv', 'a,b\n1,"x, y"\n2,z\n', /quoted/],
      ['usdates.csv', 'a,d\n1,01/02/2024\n2,03/04/2024\n', /date or a boolean/],
      ['badtime.csv', 'a,d\n1,2024-01-02 25:00:00\n2,2024-03-04 11:00:00\n', /does not exist/],
      ['datetime.csv', 'a,d\n1,2024-01-02\n2,2024-03-04 11:00:00\n', /mixes dates and timestamps/],
      ['bools.csv', 'a,f\n1,true\n2,false\n', /date or a boolean/],
      ['spelled.csv', 'a,b\n1,.5\n2,3\n', /spelling/],
      ['padded.csv', 'a,b\n1, 3\n2,4\n', /spelling/],
      ['dupe.csv', 'a,A\n1,2\n', /repeated/],
      ['allmissing.csv', 'a,b\n1,\n2,NA\n', /missing throughout/],
      ['ampm.csv', 'a,t\n1,10:00\n2,11:30\n', /date or a boolean/],
    ];
    for (const [name, content, reason] of cases) {
      const v = await sameAsDuckDb(file(name, content), 'duckdb');
      expect(String(v.meta.fastPathSkipped)).toMatch(reason);
      expect(v.meta.storage).toBeUndefined();
    }
    // no header: DuckDB names the columns
    const v = await sameAsDuckDb(file('noheader.csv', '1,2.5,x\n2,3.5,y\n'), 'duckdb');
    expect(v.meta.fastPathSkipped).toMatch(/header/);
    // asked for DuckDB's reader
    const r = await ingestFile(db, file('asked.csv', 'a,b\n1,x\n'), opts('asked', { reader: 'duckdb' }));
    expect(r.dataset.meta.reader).toBe('duckdb');
    expect(r.dataset.meta.fastPathSkipped).toBeUndefined();
  });

  it("types DuckDB's reads from the whole file: a decimal after its 20,480-row sample is not rounded", async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `${i},${i % 10},"n${i % 3}"`);
    lines[50_000] = '50000,1.75,"n1"'; // quoted fields: the DuckDB path
    const { dataset } = await ingestFile(
      db,
      file('rounding.csv', `a,b,c\n${lines.join('\n')}\n`),
      opts('rounding'),
    );
    expect(dataset.meta.reader).toBe('duckdb');
    expect(dataset.columns.map((c) => c.type)).toEqual(['BIGINT', 'DOUBLE', 'VARCHAR']);
    const [r] = await db.all<{ b: number }>(`SELECT b FROM rounding WHERE a = 50000`);
    expect(r.b).toBe(1.75);
  });

  it('leaves ragged rows, unbalanced quotes and bad bytes to DuckDB, whose errors name the line', async () => {
    for (const [name, content, code] of [
      ['ragged.csv', 'a,b,c\n1,2,3\n4,5\n', 'AEGLE_INGEST_PARSE'],
      ['extra.csv', 'a,b\n1,2\n3,4,5\n', 'AEGLE_INGEST_PARSE'],
      [
        'latin1.csv',
        Buffer.concat([Buffer.from('a,b\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
        'AEGLE_INGEST_ENCODING',
      ],
    ] as const) {
      try {
        await ingestFile(db, file(name, content), opts(`bad${n++}`));
        throw new Error(`${name} was accepted`);
      } catch (e) {
        expect(isAegleError(e), String(e)).toBe(true);
        expect((e as { code: string }).code).toBe(code);
      }
    }
    const data = readdirSync(path.join(dir, 'home', 'data'));
    expect(data.filter((d) => d.startsWith('.staging'))).toEqual([]);
  });

  it('splits a file across worker threads in row order, reusing them when a column is retyped', async () => {
    const rng = new Rng(3);
    const lines = ['id,v,k,s'];
    for (let i = 0; i < 600_000; i++)
      lines.push(`${i},${rng.int(1000)},${rng.int(50)},${['a', 'b', 'c'][i % 3]}`);
    // v: an integer column meets a decimal at ~55% of the ~10 MB file, outside every sample window
    // (the second worker finds it; all three read again with v as DOUBLE)
    lines[330_000] = `${330_000 - 1},1.25,7,a`;
    const f = file('parts.csv', `${lines.join('\n')}\n`);
    const out = path.join(dir, 'parts-out');
    mkdirSync(out);
    const res = await csvToParquet(f, statSync(f).size, {
      delimiter: ',',
      missing: DEFAULT_MISSING_TOKENS,
      dir: out,
      workers: 3,
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.parts).toEqual(['part-0.parquet', 'part-1.parquet', 'part-2.parquet']);
    expect(res.columns.map((c) => c.type)).toEqual(['BIGINT', 'DOUBLE', 'BIGINT', 'VARCHAR']);
    const files = res.parts.map((p) => `'${path.join(out, p)}'`).join(', ');
    const r = await ref.all<{ n: number; bad: number; v: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE id <> rn - 1) AS bad, sum(v) AS v
         FROM (SELECT *, row_number() OVER () AS rn FROM read_parquet([${files}]))`,
    );
    const csv = await ref.all<{ v: number }>(`SELECT sum(v) AS v FROM read_csv('${f}', sample_size = -1)`);
    expect(r[0]).toEqual({ n: 600_000, bad: 0, v: csv[0].v });
  });
});

describe('Parquet-backed versions in the store', () => {
  it('are views over their parts: SQL, frames and profiles read them, drop removes the files', async () => {
    const lines = ['pid,sbp,hr,sex'];
    const rng = new Rng(5);
    for (let i = 0; i < 2000; i++)
      lines.push(`${i},${rng.normal(130, 15).toFixed(1)},${60 + rng.int(60)},${i % 2 ? 'F' : 'M'}`);
    const f = file('vitals.csv', `${lines.join('\n')}\n`);
    const { dataset } = await ingestFile(db, f, opts('vitals', { roles: { pid: 'id' } }));
    expect(dataset.meta.reader).toBe('aegle');
    const dirOf = path.join(dir, 'home', 'data', dataset.table);
    expect(readdirSync(dirOf)).toEqual(['part-0.parquet']);
    const [m] = await db.all<{ n: number; f: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE sex = 'F') AS f FROM vitals`,
    );
    expect(m).toEqual({ n: 2000, f: 1000 });
    const frame = await readFrame(db, dataset, { columns: ['sbp', 'hr'] });
    expect(frame.nRows).toBe(2000);
    expect(frame.columns.map((c) => c.name)).toEqual(['sbp', 'hr']);
    // the sampled profile path (a view has no rowid)
    const p = await profileDataset(db, dataset, { sampleRows: 500 });
    expect(p.rows).toBe(2000);
    expect(p.columns.find((c) => c.name === 'hr')?.missing).toBe(0);
    // re-ingesting the same bytes changes nothing and writes nothing
    const again = await ingestFile(db, f, opts('vitals'));
    expect(again.unchanged).toBe(true);
    await dropVersions(db, 'vitals');
    expect(existsSync(dirOf)).toBe(false);
    expect((await listVersions(db, 'vitals')).length).toBe(0);
  });

  it('a failed ingest leaves no files and no catalog row', async () => {
    const f = file('roles.csv', 'a,b\n1,2\n');
    try {
      await ingestFile(db, f, opts('roles', { roles: { nope: 'id' } }));
      throw new Error('accepted');
    } catch (e) {
      expect((e as { code: string }).code).toBe('AEGLE_CORE_COLUMN_NOT_FOUND');
    }
    expect(await listVersions(db, 'roles')).toEqual([]);
    const entries = readdirSync(path.join(dir, 'home', 'data'));
    expect(entries.filter((e) => e.includes('roles') || e.startsWith('.staging'))).toEqual([]);
  });

  it('follow the home when it moves, and old orphans are swept when the store opens', async () => {
    const home = path.join(dir, 'movable');
    const a = await openDatasetStore({ home });
    const { dataset } = await ingestFile(a, file('m.csv', 'x,y\n1,a\n2,b\n3,c\n'), opts('m'));
    a.close();
    const moved = path.join(dir, 'moved');
    cpSync(home, moved, { recursive: true });
    rmSync(home, { recursive: true, force: true });
    const orphan = path.join(moved, 'data', '.staging-old');
    const fresh = path.join(moved, 'data', '.staging-new');
    mkdirSync(orphan);
    mkdirSync(fresh);
    const old = new Date(Date.now() - 3600_000);
    utimesSync(orphan, old, old);
    const b = await openDatasetStore({ home: moved });
    try {
      const rows = await b.all<{ s: number }>(`SELECT sum(x) AS s FROM m`);
      expect(rows[0].s).toBe(6);
      expect((await getVersion(b, 'm')).version).toBe(dataset.version);
      expect(existsSync(orphan)).toBe(false);
      expect(existsSync(fresh)).toBe(true); // maybe an ingest still running
    } finally {
      b.close();
    }
  });
});

describe('the pieces', () => {
  it('classifies values the way DuckDB 1.5 sniffs them (strict, number-like, text)', () => {
    expect(['0', '-0', '12', '-7'].map(strictNumber)).toEqual(['int', 'int', 'int', 'int']);
    expect(['1.5', '-0.25', '0.0'].map(strictNumber)).toEqual(['double', 'double', 'double']);
    expect(['1e5', '1.5E-07', '-2.5e+10', '0e0'].map(strictNumber)).toEqual([
      'double',
      'double',
      'double',
      'double',
    ]);
    for (const v of ['012', '.5', '5.', '-', '', '1.2.3', ' 3', '+3', '1e', '5.e3', '01e5', '1e5e6'])
      expect(strictNumber(v)).toBeNull();
    for (const v of ['1e5', ' 3', '.5', '5.', 'nan', 'inf', '0x10', '00.5']) expect(numberLike(v)).toBe(true);
    for (const v of [
      'M',
      'never',
      'P0001',
      'E11.9',
      'x y',
      '4548-4',
      '1/2',
      '5%',
      '2018-08-09T08:57:23.000Z',
    ])
      expect(textWitness(v)).toBe(true);
    expect([isoDate('2024-02-29'), isoDate('1970-01-01'), isoDate('1969-12-31')]).toEqual([19782, 0, -1]);
    expect(isoDate('2023-02-29')).toBe(Number.NEGATIVE_INFINITY);
    expect(isoDate('2024-1-2')).toBeNaN();
    for (const v of [
      'T',
      'f',
      'yes',
      '2024-01-02',
      '01/02/2024',
      '10:00',
      '12',
      ' x',
      '',
      '2018-08-09 08:57',
    ])
      expect(textWitness(v)).toBe(false);
  });

  it('writes Parquet that DuckDB reads back value for value, with statistics', async () => {
    const out = path.join(dir, 'w.parquet');
    const fd = openSync(out, 'w');
    const w = new ParquetFileWriter(fd, [
      { name: 'x', type: 'DOUBLE' },
      { name: 'n', type: 'INT64' },
      { name: 's', type: 'UTF8' },
    ]);
    const enc = new TextEncoder();
    const expected: Array<[number | null, number | null, string | null]> = [];
    for (let g = 0; g < 3; g++) {
      const rows = 700 + g;
      const x = new Float64Array(rows);
      const xv = new Uint8Array(rows);
      const k = new Float64Array(rows);
      const kv = new Uint8Array(rows);
      const starts = new Int32Array(rows);
      const ends = new Int32Array(rows);
      let text = '';
      for (let i = 0; i < rows; i++) {
        const r = expected.length;
        x[i] = (r - 300) / 8;
        xv[i] = r % 9 === 4 ? 0 : 1;
        k[i] = r % 5 === 0 ? -(2 ** 53) + r : r * 4_000_000_007;
        kv[i] = r % 11 === 3 ? 0 : 1;
        // the third row group has too many distinct strings for a dictionary: PLAIN
        const s = r % 13 === 6 ? null : g === 2 ? `id-${r}-ü` : ['α', 'beta', ''][r % 3];
        if (s === null) starts[i] = -1;
        else {
          starts[i] = enc.encode(text).length;
          text += s;
          ends[i] = enc.encode(text).length;
        }
        expected.push([xv[i] ? x[i] : null, kv[i] ? k[i] : null, s]);
      }
      const bytes = enc.encode(text);
      w.writeRowGroup(
        [
          { kind: 'num', values: x, valid: xv },
          { kind: 'num', values: k, valid: kv },
          { kind: 'text', bytes, starts, ends },
        ],
        rows,
      );
    }
    w.finish();
    closeSync(fd);
    const got = await ref.connection.runAndReadAll(`SELECT x, n, s FROM read_parquet('${out}')`);
    const rows = got.getRowsJS().map(([x, nn, s]) => [x, nn === null ? null : Number(nn), s]);
    expect(rows).toEqual(expected);
    const meta = await ref.all<{ c: string; lo: string; hi: string; nulls: number; enc: string }>(
      `SELECT path_in_schema AS c, stats_min_value AS lo, stats_max_value AS hi, stats_null_count AS nulls, encodings AS enc
         FROM parquet_metadata('${out}') WHERE row_group_id = 0 ORDER BY column_id`,
    );
    const first = expected.slice(0, 700);
    const xs = first.map((e) => e[0]).filter((v): v is number => v !== null);
    expect(Number(meta[0].lo)).toBe(Math.min(...xs));
    expect(Number(meta[0].hi)).toBe(Math.max(...xs));
    expect(meta[0].nulls).toBe(first.filter((e) => e[0] === null).length);
    expect(meta[2].enc).toMatch(/RLE_DICTIONARY/);
  });
});
