import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { readRowTable } from './row-table.js';

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
