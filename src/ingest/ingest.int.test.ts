import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MISSING_TOKENS } from '../config/index.js';
import { isAegleError } from '../core/index.js';
import { readFrame } from '../dataset/index.js';
import { type DuckStore, getVersion, listVersions, openDatasetStore } from '../store/index.js';
import { ingestFile, setRoles } from './index.js';

const DATA = path.resolve(__dirname, '../../../shared/data/tabular');
const CLEVELAND = path.join(DATA, 'uci-heart-disease-processed.cleveland.data.csv');
const HEART_FAILURE = path.join(DATA, 'uci-heart-failure-clinical-records.csv');

let dir: string;
let db: DuckStore;
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

async function expectCode(p: Promise<unknown>, code: string, re?: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    expect(isAegleError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    if (re) expect((e as Error).message).toMatch(re);
    return e as Error;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aegle-ingest-'));
  db = await openDatasetStore({ home: path.join(dir, 'home') });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ingest of the real UCI files', () => {
  it('reads the Cleveland file with "?" as missing: ca ×4 and thal ×2, as its .names file says', async () => {
    const { dataset, unchanged } = await ingestFile(db, CLEVELAND, opts('cleveland'));
    expect(unchanged).toBe(false);
    expect(dataset.rows).toBe(303);
    expect(dataset.columns).toHaveLength(14);
    const [m] = await db.all<{ ca: number; thal: number; age: number }>(
      `SELECT count(*) - count("(ca)") AS ca, count(*) - count("(thal)") AS thal, count(*) - count("(age)") AS age FROM cleveland`,
    );
    expect(m).toEqual({ ca: 4, thal: 2, age: 0 });
    const frame = await readFrame(db, dataset, { columns: ['(ca)', '(age)'] });
    const ca = frame.columns[0];
    expect(ca.kind).toBe('numeric');
    if (ca.kind === 'numeric') expect(Array.from(ca.values).filter(Number.isNaN)).toHaveLength(4);
  });

  it('re-ingesting the same bytes is a no-op that says so', async () => {
    const before = (await listVersions(db, 'cleveland')).length;
    const again = await ingestFile(db, CLEVELAND, opts('cleveland'));
    expect(again.unchanged).toBe(true);
    expect((await listVersions(db, 'cleveland')).length).toBe(before);
  });

  it('reads the heart-failure file with its target role; typed columns extract into a Frame', async () => {
    const { dataset } = await ingestFile(db, HEART_FAILURE, opts('hf', { roles: { DEATH_EVENT: 'target' } }));
    expect(dataset.rows).toBe(299);
    expect(dataset.roles).toEqual({ DEATH_EVENT: 'target' });
    const frame = await readFrame(db, dataset);
    const death = frame.columns.find((c) => c.name === 'DEATH_EVENT')!;
    // 96 deaths in 299 patients (Chicco & Jurman 2020, Table 1)
    if (death.kind === 'numeric') expect(death.values.reduce((a, b) => a + b, 0)).toBe(96);
    expect(frame.roles.DEATH_EVENT).toBe('target');
  });

  it('sets roles later, and refuses a second target', async () => {
    const v = await getVersion(db, 'hf');
    const v2 = await setRoles(db, v, { time: 'time' });
    expect(v2.roles).toEqual({ DEATH_EVENT: 'target', time: 'time' });
    await expectCode(
      setRoles(db, v2, { age: 'target' }),
      'AEGLE_INGEST_BAD_OPTION',
      /at most one column can be the target/,
    );
    await expectCode(setRoles(db, v2, { nope: 'id' }), 'AEGLE_CORE_COLUMN_NOT_FOUND', /'nope'/);
  });
});

describe('formats and dialects', () => {
  it('reads TSV, JSON, NDJSON and Parquet to the same table', async () => {
    const tsv = await ingestFile(db, file('a.tsv', 'x\ty\n1\tu\n2\tv\n'), opts('fmt_tsv'));
    const json = await ingestFile(db, file('a.json', '[{"x":1,"y":"u"},{"x":2,"y":"v"}]'), opts('fmt_json'));
    const nd = await ingestFile(db, file('a.ndjson', '{"x":1,"y":"u"}\n{"x":2,"y":"v"}\n'), opts('fmt_nd'));
    await db.run(`COPY (SELECT * FROM fmt_tsv) TO '${path.join(dir, 'a.parquet')}' (FORMAT parquet)`);
    const pq = await ingestFile(db, path.join(dir, 'a.parquet'), opts('fmt_pq'));
    for (const name of ['fmt_tsv', 'fmt_json', 'fmt_nd', 'fmt_pq']) {
      expect(await db.all(`SELECT CAST(x AS INTEGER) AS x, y FROM ${name} ORDER BY x`)).toEqual([
        { x: 1, y: 'u' },
        { x: 2, y: 'v' },
      ]);
    }
    expect([tsv, json, nd, pq].map((r) => r.dataset.format)).toEqual(['tsv', 'json', 'ndjson', 'parquet']);
  });

  it('detects a missing header, keeps leading zeros of codes, reads quoted fields with commas and newlines', async () => {
    const noHeader = await ingestFile(db, file('nh.csv', '1,2.5\n3,4.5\n'), opts('nh'));
    expect(noHeader.dataset.columns.map((c) => c.name)).toEqual(['column0', 'column1']);
    expect(noHeader.dataset.rows).toBe(2);
    const q = await ingestFile(
      db,
      file('q.csv', 'zip,note\n02134,"fever, cough"\n10001,"line one\nline two ""quoted"""\n'),
      opts('quoted'),
    );
    expect(q.dataset.rows).toBe(2);
    const rows = await db.all<{ zip: string; note: string }>('SELECT zip, note FROM quoted');
    expect(rows[0]).toEqual({ zip: '02134', note: 'fever, cough' });
    expect(rows[1].note).toBe('line one\nline two "quoted"');
  });

  it('applies type overrides and configurable missing tokens', async () => {
    const r = await ingestFile(
      db,
      file('t.csv', 'id,v\n1,-999\n2,3.5\n'),
      opts('typed', { types: { id: 'VARCHAR' }, missingTokens: ['-999', ''] }),
    );
    const cols = Object.fromEntries(r.dataset.columns.map((c) => [c.name, c.type]));
    expect(cols).toEqual({ id: 'VARCHAR', v: 'DOUBLE' });
    expect(await db.all('SELECT v FROM typed ORDER BY id')).toEqual([{ v: null }, { v: 3.5 }]);
  });

  it('types a column from the whole file when a late value does not fit the sampled type', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 30000; i++) lines.push(`${i},${i % 7}`);
    lines.push('30000,x7');
    const r = await ingestFile(db, file('late.csv', `${lines.join('\n')}\n`), opts('late'));
    expect(r.dataset.columns.find((c) => c.name === 'b')!.type).toBe('VARCHAR');
    expect(r.dataset.rows).toBe(30001);
  });
});

describe('bad input: a clear error, and nothing half-written', () => {
  const cases: Array<[string, string | Buffer, string, RegExp]> = [
    [
      'ragged.csv',
      'a,b,c\n1,2,3\n4,5\n6,7,8\n',
      'AEGLE_INGEST_PARSE',
      /line 3: expected 3 fields .* found 2/,
    ],
    ['extra.csv', 'a,b\n1,2\n3,4\n5,6,7\n', 'AEGLE_INGEST_PARSE', /line 4: expected 2 fields .* found 3/],
    [
      'quote.csv',
      'a,b\n1,"open\n2,3\n',
      'AEGLE_INGEST_PARSE',
      /line 2: unbalanced or misplaced double quote/,
    ],
    ['empty.csv', '', 'AEGLE_INGEST_EMPTY', /empty \(0 bytes\)/],
    ['header-only.csv', 'a,b\n', 'AEGLE_INGEST_EMPTY', /no data rows/],
    [
      'latin1.csv',
      Buffer.from('a,b\n1,ok\n2,caf\xe9\n', 'latin1'),
      'AEGLE_INGEST_ENCODING',
      /line 3: invalid UTF-8/,
    ],
    ['fake.parquet', 'a,b\n1,2\n', 'AEGLE_INGEST_FORMAT', /not a valid Parquet file/],
    ['broken.json', '[{"a": 1},', 'AEGLE_INGEST_FORMAT', /not a valid JSON file/],
    [
      'binary.csv',
      Buffer.from([0x50, 0x41, 0x52, 0x31, 0, 0, 1, 2, 0x0a, 0, 0x0a]),
      'AEGLE_INGEST_FORMAT',
      /binary data/,
    ],
  ];
  for (const [name, content, code, re] of cases) {
    it(`${name} → ${code}`, async () => {
      const before = await listVersions(db);
      const tables = await db.all('SELECT table_name FROM duckdb_tables() WHERE NOT temporary');
      await expectCode(
        ingestFile(db, file(name, content), opts(`bad_${name.replace(/\W/g, '_')}`)),
        code,
        re,
      );
      expect(await listVersions(db)).toEqual(before);
      expect(await db.all('SELECT table_name FROM duckdb_tables() WHERE NOT temporary')).toEqual(tables);
    });
  }

  it('a type override that does not fit names the line, column and value', async () => {
    await expectCode(
      ingestFile(db, file('ov.csv', 'a,b\n1,2\n3,oops\n'), opts('ov', { types: { b: 'DOUBLE' } })),
      'AEGLE_INGEST_TYPE',
      /line 3, column 'b': value 'oops' does not fit type DOUBLE/,
    );
  });

  it('an override or role naming a missing column is refused before anything is written', async () => {
    await expectCode(
      ingestFile(db, file('ok.csv', 'a,b\n1,2\n'), opts('ok1', { roles: { zz: 'target' } })),
      'AEGLE_CORE_COLUMN_NOT_FOUND',
      /'zz'.*Available: a, b/,
    );
    await expectCode(
      ingestFile(db, file('ok2.csv', 'a,b\n1,2\n'), opts('ok2', { types: { zz: 'DOUBLE' } })),
      'AEGLE_INGEST_PARSE',
    );
    expect((await listVersions(db)).filter((v) => v.name.startsWith('ok'))).toEqual([]);
  });

  it('refuses bad names, missing files and unknown extensions', async () => {
    await expectCode(ingestFile(db, CLEVELAND, opts('1bad name')), 'AEGLE_INGEST_NAME');
    await expectCode(ingestFile(db, path.join(dir, 'nope.csv'), opts('x')), 'AEGLE_INGEST_FILE_NOT_FOUND');
    await expectCode(
      ingestFile(db, file('x.xyz', 'a\n1\n'), opts('x')),
      'AEGLE_INGEST_BAD_OPTION',
      /cannot tell the format/,
    );
  });
});
