import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { type RowSplit, type RowSplitResult, readNumericRows, readRowTable } from './row-table.js';

const enc = (s: string) => Buffer.from(s, 'utf8');

/** Every value of every row, as the table holds it, beside `JSON.parse`'s. */
function compareWithJsonParse(text: string): void {
  const table = readRowTable(enc(text), 1e6);
  expect(table).not.toBeNull();
  const rows = (JSON.parse(text) as { rows: Record<string, unknown>[] }).rows;
  expect(table!.n).toBe(rows.length);
  expect(table!.names).toEqual(Object.keys(rows[0]));
  const back = table!.toRows();
  for (let i = 0; i < rows.length; i++)
    for (const k of table!.names) {
      // Object.is: -0 and 0 differ, as do the last bits of a double
      if (!Object.is(back[i][k], rows[i][k]))
        expect({ row: i, k, got: back[i][k] }).toEqual({ row: i, k, got: rows[i][k] });
    }
}

describe('readRowTable', () => {
  it('reads numbers bit for bit as JSON.parse does (fast path and beyond it)', () => {
    const r = new Rng(7);
    const rng = () => r.uniform();
    const shapes: ((u: number) => string)[] = [
      (u) => String(u * 100), // shortest round-trip form, up to 17 digits
      (u) => (u * 1000 - 500).toFixed(2),
      (u) => (u * 10).toFixed(4),
      (u) => String(Math.round(u * 1e6)),
      (u) => (u * 1e-5).toExponential(6),
      (u) => (u * 1e21).toPrecision(15),
      (u) => `${(u * 9).toFixed(3)}E+${Math.floor(u * 30)}`,
      (u) => `-${(u * 9).toFixed(5)}e-${Math.floor(u * 40)}`,
      (u) => String(u * 1e300),
      (u) => String(u * 1e-300),
      () => '0',
      () => '-0',
      () => '0.000000000000000000000000001234',
      () => '123456789012345678901234567890',
      () => '1.7976931348623157e308',
      () => '5e-324',
      () => '1e400',
      () => '9007199254740993',
      () => '0.1',
      () => '-0.30000000000000004',
    ];
    const rows: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const cells = shapes.map((f, j) => `"f${j}": ${f(rng())}`);
      rows.push(`{${cells.join(', ')}}`);
    }
    compareWithJsonParse(`{"rows": [${rows.join(',\n ')}]}`);
  });

  it('reads nulls into numeric columns and strings, escapes, unicode and booleans as values', () => {
    const text = JSON.stringify({
      rows: [
        { a: 1, b: 'x', c: null, d: true },
        { a: null, b: 'caf\u00e9 "quoted" \\ \n tab\t', c: 2.5, d: false },
        { a: -3e-7, b: '\u{1F600} \u0001', c: 'later a string', d: null },
      ],
    });
    compareWithJsonParse(text);
    const t = readRowTable(enc(text), 10)!;
    expect(t.columns[0]).toBeInstanceOf(Float64Array); // numbers and nulls stay numeric
    expect(Array.isArray(t.columns[2])).toBe(true); // a string turned the column into plain values
  });

  it('grows its columns past the size guessed from the first row', () => {
    const rows = [`{"a": 1, "b": "${'x'.repeat(500)}"}`];
    for (let i = 0; i < 300; i++) rows.push(`{"a": ${i}, "b": "y"}`);
    compareWithJsonParse(`{"rows":[${rows.join(',')}]}`);
  });

  it('declines every other shape, leaving it to JSON.parse', () => {
    const declined = [
      '{"rows": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]}', // another field order
      '{"rows": [{"a": 1, "b": 2}, {"a": 1}]}', // a missing field
      '{"rows": [{"a": 1}, {"a": 1, "b": 2}]}', // an extra field
      '{"rows": [{"a": 1, "a": 2}]}', // a repeated field
      '{"rows": [{"a": [1, 2]}]}', // a nested value
      '{"rows": [{"a": {"b": 1}}]}',
      '{"rows": [{"a": 1}], "extra": true}', // another top-level field
      '{"extra": 1, "rows": [{"a": 1}]}',
      '{"rows": []}', // empty: the schema's error
      '{"rows": [{}]}',
      '{"rows": [[1, 2]]}', // rows as arrays
      '{"rows": [{"a": 01}]}', // not JSON numbers
      '{"rows": [{"a": 1.}]}',
      '{"rows": [{"a": -}]}',
      '{"rows": [{"a": .5}]}',
      '{"rows": [{"a": +1}]}',
      '{"rows": [{"a": NaN}]}',
      '{"rows": [{"a": 1}]} trailing',
      '{"rows": [{"a": 1}]',
      '{"rows": [{"a": "unterminated}]}',
      '{"rows": [{"a\\u0062": 1}]}', // an escaped field name
      '{"rows": [{"a": 1}, {"a": 2}, {"a": 3}]}', // more rows than allowed (3 > 2)
    ];
    for (const text of declined) expect(readRowTable(enc(text), 2), text).toBeNull();
  });
});

/**
 * A split read on this thread: `start` reads the rows at once with `readNumericRows` (what the helper
 * thread runs), `finish` hands them over. Records what happened.
 */
function inThreadSplit(minBytes = 64): RowSplit & { log: string[] } {
  let pending: { n: number; end: number; cols: Float64Array[] } | null | undefined;
  const log: string[] = [];
  return {
    minBytes,
    log,
    start(body, at, keyStart, keyEnd, rowBytes) {
      const cap = Math.ceil(((body.length - at) / rowBytes) * 1.25) + 64;
      const cols = keyStart.map(() => new Float64Array(cap));
      const r = readNumericRows(body, at, keyStart, keyEnd, cols, cap);
      pending = r ? { ...r, cols } : null;
      log.push(`start ${r ? 'read' : 'gave up'}`);
    },
    finish(): RowSplitResult | null {
      const p = pending;
      pending = undefined;
      log.push('finish');
      if (!p) return null;
      return { n: p.n, end: p.end, copy: (j, into, offset) => into.set(p.cols[j].subarray(0, p.n), offset) };
    },
    abandon() {
      pending = undefined;
      log.push('abandon');
    },
  };
}

/** The table read with a split, against the one read without (bit for bit, Object.is per value). */
function sameWithSplit(text: string, maxRows = 1e6): string[] {
  const split = inThreadSplit();
  const alone = readRowTable(enc(text), maxRows);
  const withSplit = readRowTable(enc(text), maxRows, split);
  if (alone === null) expect(withSplit).toBeNull();
  else {
    expect(withSplit).not.toBeNull();
    expect(withSplit!.n).toBe(alone.n);
    expect(withSplit!.names).toEqual(alone.names);
    const a = alone.toRows();
    const b = withSplit!.toRows();
    for (let i = 0; i < a.length; i++)
      for (const k of alone.names)
        if (!Object.is(a[i][k], b[i][k])) expect({ i, k, v: b[i][k] }).toEqual({ i, k, v: a[i][k] });
  }
  return split.log;
}

describe('readRowTable with a split', () => {
  const numericRows = (n: number, seed: number) => {
    const r = new Rng(seed);
    return Array.from({ length: n }, (_, i) => {
      const u = r.uniform();
      return `{"age": ${Math.floor(u * 90)}, "bmi": ${u < 0.1 ? 'null' : (15 + u * 30).toFixed(2)}, "x": ${String(r.normal())}, "id": ${i}}`;
    });
  };

  it('takes the other half when the guessed row start is real (numbers and nulls)', () => {
    const rows = numericRows(2001, 1);
    const log = sameWithSplit(`{"rows": [${rows.join(', ')}]}`);
    expect(log).toEqual(['start read', 'finish']);
    // and with other whitespace between rows
    expect(sameWithSplit(`{ "rows" : [\n  ${rows.join(' ,\n\t')}\n] }\n`)).toEqual(['start read', 'finish']);
  });

  it('reads on alone when the other half holds a string, or the guess lies inside a string', () => {
    const rows = numericRows(1000, 2).map((r) => r.replace('"id"', '"note": "n", "id"'));
    // strings everywhere: the other thread gives up at once
    expect(sameWithSplit(`{"rows": [${rows.join(',')}]}`)).toEqual(['start gave up', 'finish']);
    // numbers, then a string value right after the middle: the other thread gives up there
    const mixed = numericRows(1000, 3);
    mixed[700] = numericRows(1, 9)[0].replace(/"bmi": [^,]+/, '"bmi": "unknown"');
    expect(sameWithSplit(`{"rows": [${mixed.join(',')}]}`)).toEqual(['start gave up', 'finish']);
    // a string holding "}, {" across the middle: the guess is inside it, so this thread passes it by
    const big = numericRows(1, 4)[0].replace(/"bmi": [^,]+/, `"bmi": "${'a}, {'.repeat(5000)}"`);
    const trap = [...numericRows(10, 5), big, ...numericRows(10, 6)];
    const log = sameWithSplit(`{"rows": [${trap.join(',')}]}`);
    expect(log[log.length - 1]).toBe('abandon');
  });

  it('merges into a column that turned into plain values in the first half', () => {
    const rows = numericRows(1500, 7);
    rows[3] = rows[3].replace(/"bmi": [^,]+/, '"bmi": "n/a"');
    expect(sameWithSplit(`{"rows": [${rows.join(',')}]}`)).toEqual(['start read', 'finish']);
  });

  it('still refuses what a single thread refuses, and waits for the other thread first', () => {
    const rows = numericRows(1200, 8);
    // too many rows: counted across both halves
    expect(sameWithSplit(`{"rows": [${rows.join(',')}]}`, 1199)).toEqual(['start read', 'finish']);
    // a bad first half: refused while the other thread still reads (it is waited for)
    const bad = [...rows];
    bad[10] = bad[10].replace('"age"', '"AGE"');
    expect(sameWithSplit(`{"rows": [${bad.join(',')}]}`)).toEqual(['start read', 'abandon']);
    // trailing text after the rows
    expect(sameWithSplit(`{"rows": [${rows.join(',')}]} x`)).toEqual(['start read', 'finish']);
    // a bad row in the second half: the other thread gives up, this one refuses it
    const badLate = [...rows];
    badLate[1100] = badLate[1100].replace('"id"', '"ID"');
    expect(sameWithSplit(`{"rows": [${badLate.join(',')}]}`)).toEqual(['start gave up', 'finish']);
  });
});
