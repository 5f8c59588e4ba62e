import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MISSING_TOKENS } from '../config/index.js';
import { categoricalColumn, datetimeColumn, isAegleError, makeFrame, numericColumn } from '../core/index.js';
import { ingestFile } from '../ingest/index.js';
import { type DuckStore, getVersion, openDatasetStore } from '../store/index.js';
import { exportDataset, profileDataset, readFrame, readOnlyQuery, saveFrameAsVersion } from './index.js';

let dir: string;
let db: DuckStore;

function csv(name: string, lines: string[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aegle-ds-'));
  db = await openDatasetStore({ home: path.join(dir, 'home') });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('profile', () => {
  it('column statistics equal hand computation (type-7 quantiles, sample SD)', async () => {
    const f = csv('small.csv', ['x,label', '1,a', '2,b', '3,a', '4,a', '100,', '1,a']);
    const { dataset } = await ingestFile(db, f, {
      name: 'small',
      missingTokensDefault: DEFAULT_MISSING_TOKENS,
    });
    const p = await profileDataset(db, dataset);
    expect(p.rows).toBe(6);
    expect(p.duplicateRows).toBe(1); // "1,a" twice
    const x = p.columns.find((c) => c.name === 'x')!;
    // x = 1,2,3,4,100,1: mean 111/6 = 18.5; squared deviations sum to 7977.5 → sample variance 1595.5
    expect(x.mean).toBeCloseTo(18.5, 12);
    expect(x.sd).toBeCloseTo(Math.sqrt(1595.5), 10);
    // sorted 1,1,2,3,4,100: p25 h=1.25 → 1.25; p50 h=2.5 → 2.5; p75 h=3.75 → 3.75; p95 h=4.75 → 4+0.75·96 = 76
    expect(x.quantiles).toEqual({ p5: 1, p25: 1.25, p50: 2.5, p75: 3.75, p95: 76 });
    expect(x.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(x.histogram!.counts[0]).toBe(5);
    expect(x.histogram!.counts[19]).toBe(1);
    const label = p.columns.find((c) => c.name === 'label')!;
    expect(label.missing).toBe(1);
    expect(label.distinct).toBe(2);
    expect(label.top).toEqual([
      { value: 'a', count: 4 },
      { value: 'b', count: 1 },
    ]);
  });

  it('warns about constant, ID-like, leakage, missingness, implausible values and mixed units', async () => {
    const lines = ['patient_id,site,sbp,glucose,glucose_unit,mostly_missing,discharge_code,outcome'];
    for (let i = 0; i < 200; i++) {
      const outcome = i % 3 === 0 ? 1 : 0;
      const sbp = i === 5 ? 0 : i === 6 ? 400 : 110 + (i % 40);
      const mmol = i % 10 === 0;
      const glucose = mmol ? (5 + (i % 3) / 10).toFixed(1) : String(90 + (i % 50));
      lines.push(
        `P${1000 + i},north,${sbp},${glucose},${mmol ? 'mmol/L' : 'mg/dL'},${i % 5 === 0 ? 7 : ''},${outcome ? 'D99' : 'A01'},${outcome}`,
      );
    }
    const { dataset } = await ingestFile(db, csv('warn.csv', lines), {
      name: 'warn',
      missingTokensDefault: DEFAULT_MISSING_TOKENS,
      roles: { outcome: 'target' },
    });
    const p = await profileDataset(db, dataset);
    const kinds = (col: string) =>
      p.warnings
        .filter((w) => w.column === col)
        .map((w) => w.kind)
        .sort();
    expect(kinds('site')).toEqual(['constant']);
    expect(kinds('patient_id')).toEqual(['id_like']);
    expect(kinds('discharge_code')).toEqual(['leakage_suspect']);
    expect(kinds('mostly_missing')).toEqual(['constant', 'high_missingness']);
    expect(kinds('sbp')).toEqual(['implausible_values']);
    expect(p.warnings.find((w) => w.column === 'sbp')!.message).toMatch(/2 values outside/);
    expect(kinds('glucose')).toEqual(['mixed_units']);
    expect(kinds('glucose_unit')).toEqual(['mixed_units']);
    expect(kinds('outcome')).toEqual([]);
  });
});

describe('profile of a large table (sampled path)', () => {
  it('keeps counts, moments, histograms, out-of-range and duplicates exact and estimates the rest closely', async () => {
    // 60,000 rows, profiled with a 12,000-row sample: x ~ U(0,100) with 5% missing, y = 0.6·z + 0.8·e
    // (r(y, z) = 0.6), code = i mod 40,000 (40,000 distinct), sbp with 37 planted impossible values,
    // and the last 250 rows copying earlier rows exactly (250 duplicates).
    let s = 12345;
    const u = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    const n = 60_000;
    const rows: string[] = [];
    const x: number[] = [];
    const y: number[] = [];
    const z: number[] = [];
    const sbp: number[] = [];
    for (let i = 0; i < n - 250; i++) {
      const xi = u() < 0.05 ? Number.NaN : Math.round(u() * 100_000) / 1000;
      const zi = Math.round(normal() * 1e6) / 1e6;
      const yi = Math.round((0.6 * zi + 0.8 * normal()) * 1e6) / 1e6;
      const si = i % 1500 === 7 ? 400 + (i % 3) : 100 + Math.round(u() * 60);
      x.push(xi);
      y.push(yi);
      z.push(zi);
      sbp.push(si);
      rows.push(`${i},${Number.isNaN(xi) ? '' : xi},${yi},${zi},${i % 40_000},${si}`);
    }
    for (let k = 0; k < 250; k++) {
      const i = k * 97;
      rows.push(rows[i]);
      x.push(x[i]);
      y.push(y[i]);
      z.push(z[i]);
      sbp.push(sbp[i]);
    }
    const { dataset } = await ingestFile(db, csv('large.csv', ['id,x,y,z,code,sbp', ...rows]), {
      name: 'large',
      missingTokensDefault: DEFAULT_MISSING_TOKENS,
    });
    const p = await profileDataset(db, dataset, { sampleRows: 12_000 });
    expect(p.approximate).not.toBeNull();
    expect(Math.abs(p.approximate!.sampleRows - 12_000)).toBeLessThan(400); // Bernoulli: SD ≈ 98
    expect(p.duplicateRows).toBe(250);

    // exact figures against a plain two-pass computation over the generated values
    const present = x.filter((v) => !Number.isNaN(v));
    const mean = present.reduce((a, b) => a + b, 0) / present.length;
    const sd = Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / (present.length - 1));
    const px = p.columns.find((c) => c.name === 'x')!;
    expect(px.count).toBe(present.length);
    expect(px.mean).toBeCloseTo(mean, 9);
    expect(px.sd).toBeCloseTo(sd, 9);
    const lo = Math.min(...present);
    const w = (Math.max(...present) - lo) / 20;
    const counts = new Array(20).fill(0);
    for (const v of present) counts[Math.min(Math.floor((v - lo) / w), 19)]++;
    expect(px.histogram!.counts).toEqual(counts);
    const psbp = p.columns.find((c) => c.name === 'sbp')!;
    expect(psbp.clinical!.outOfRange).toBe(
      sbp.filter((v) => v < psbp.clinical!.min || v > psbp.clinical!.max).length,
    );
    expect(psbp.clinical!.outOfRange).toBeGreaterThan(30);

    // estimates: HyperLogLog distinct counts within 3%, sample quantiles and correlations close
    const pcode = p.columns.find((c) => c.name === 'code')!;
    expect(Math.abs(pcode.distinct - 40_000) / 40_000).toBeLessThan(0.03);
    const sorted = [...present].sort((a, b) => a - b);
    const q = (pr: number) => {
      const h = (sorted.length - 1) * pr;
      const l = Math.floor(h);
      return sorted[l] + (h - l) * (sorted[Math.min(l + 1, sorted.length - 1)] - sorted[l]);
    };
    for (const [key, pr] of [
      ['p5', 0.05],
      ['p25', 0.25],
      ['p50', 0.5],
      ['p75', 0.75],
      ['p95', 0.95],
    ] as const)
      expect(Math.abs(px.quantiles![key] - q(pr))).toBeLessThan(2); // U(0,100): sampling SD of a quantile ≈ 0.5
    const iy = p.correlations.columns.indexOf('y');
    const iz = p.correlations.columns.indexOf('z');
    expect(Math.abs(p.correlations.matrix[iy][iz]! - 0.6)).toBeLessThan(0.03);
    expect(p.warnings.map((w) => w.kind)).toContain('duplicate_rows');
  });
});

describe('frames in and out of DuckDB', () => {
  it('round-trips numeric, categorical and datetime columns, missing values included', async () => {
    const frame = makeFrame(
      [
        numericColumn('x', [1.5, Number.NaN, -3]),
        categoricalColumn('c', ['b', null, 'a']),
        datetimeColumn('t', [Date.UTC(2020, 0, 2, 3, 4, 5), Number.NaN, Date.UTC(1999, 11, 31)]),
      ],
      { c: 'group' },
    );
    const { dataset } = await saveFrameAsVersion(db, frame, {
      name: 'rt',
      hashInput: 'rt-1',
      source: 'test',
      parent: null,
    });
    expect(dataset.columns.map((c) => c.type)).toEqual(['DOUBLE', 'VARCHAR', 'TIMESTAMP']);
    expect(dataset.roles).toEqual({ c: 'group' });
    const back = await readFrame(db, dataset);
    expect(back.nRows).toBe(3);
    const [x, c, t] = back.columns;
    expect(x.kind === 'numeric' && Array.from(x.values)).toEqual([1.5, Number.NaN, -3]);
    expect(c.kind === 'categorical' && [Array.from(c.codes), c.dictionary]).toEqual([
      [1, -1, 0],
      ['a', 'b'],
    ]);
    expect(t.kind === 'datetime' && Array.from(t.values)).toEqual([
      Date.UTC(2020, 0, 2, 3, 4, 5),
      Number.NaN,
      Date.UTC(1999, 11, 31),
    ]);
    const again = await saveFrameAsVersion(db, frame, {
      name: 'rt',
      hashInput: 'rt-1',
      source: 'test',
      parent: null,
    });
    expect(again.unchanged).toBe(true);
  });

  it('extracts 200,000 rows × 5 columns through typed arrays in order', async () => {
    await db.run(
      'CREATE TABLE big_src AS SELECT i::DOUBLE AS a, (i * 2)::BIGINT AS b, i % 7 AS c, CASE WHEN i % 11 = 0 THEN NULL ELSE i / 3 END AS d, chr(65 + (i % 3)::INTEGER) AS e FROM range(200000) t(i)',
    );
    const file = path.join(dir, 'big.parquet');
    await db.run(`COPY big_src TO '${file}' (FORMAT parquet)`);
    const { dataset } = await ingestFile(db, file, {
      name: 'big',
      missingTokensDefault: DEFAULT_MISSING_TOKENS,
    });
    const f = await readFrame(db, dataset);
    const [a, b, , d, e] = f.columns;
    expect(f.nRows).toBe(200000);
    if (a.kind !== 'numeric' || b.kind !== 'numeric' || d.kind !== 'numeric' || e.kind !== 'categorical')
      throw new Error('kinds');
    for (const i of [0, 1, 2047, 2048, 123457, 199999]) {
      expect(a.values[i]).toBe(i);
      expect(b.values[i]).toBe(2 * i);
      expect(Number.isNaN(d.values[i])).toBe(i % 11 === 0);
      expect(e.dictionary[e.codes[i]]).toBe('ABC'[i % 3]);
    }
  });
});

describe('read-only SQL and export', () => {
  it('answers SELECT over dataset views and refuses writes, DDL, COPY and file reads', async () => {
    expect(await readOnlyQuery(db, 'SELECT count(*) AS n FROM small')).toEqual([{ n: 6 }]);
    for (const sql of [
      'DROP TABLE small',
      "INSERT INTO small VALUES (1, 'a')",
      "COPY small TO '/tmp/x.csv'",
      'CREATE TABLE z (a INT)',
      "SELECT * FROM read_csv('/etc/passwd')",
      'SELECT 1; DROP TABLE small',
      "ATTACH '/tmp/x.db'",
      'SET threads = 1',
      'EXPLAIN ANALYZE DELETE FROM small',
      'PRAGMA database_list',
    ]) {
      try {
        await readOnlyQuery(db, sql);
        throw new Error(`accepted: ${sql}`);
      } catch (e) {
        expect(
          isAegleError(e) && ['AEGLE_STORE_READ_ONLY', 'AEGLE_STORE_QUERY'].includes(e.code),
          `${sql}: ${e}`,
        ).toBe(true);
      }
    }
    expect(await readOnlyQuery(db, 'SELECT count(*) AS n FROM small')).toEqual([{ n: 6 }]);
  });

  it('exports CSV and Parquet that read back identically', async () => {
    const v = await getVersion(db, 'small');
    const out = path.join(dir, 'out.csv');
    await exportDataset(db, v, out, 'csv');
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('x,label');
    await exportDataset(db, v, path.join(dir, 'out.parquet'), 'parquet');
    const back = await db.all(`SELECT * FROM '${path.join(dir, 'out.parquet')}' EXCEPT SELECT * FROM small`);
    expect(back).toEqual([]);
  });
});
