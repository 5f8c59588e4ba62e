/**
 * Frame → CSV text (RFC 4180): comma-separated, CRLF-free (`\n` line ends), a header row, fields with a
 * comma, quote or line break quoted and inner quotes doubled; missing values are empty fields. Dates are
 * written `YYYY-MM-DD`, timestamps as ISO 8601 UTC (`2017-03-01T10:05:00.000Z`).
 */
import type { Column, Frame } from '../core/index.js';
import { isoDate } from './builders.js';
import type { SqlType } from './types.js';

/** Quotes a field when RFC 4180 requires it. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cellFormatter(c: Column, type: SqlType): (i: number) => string {
  if (c.kind === 'categorical') {
    const quoted = c.dictionary.map(csvField);
    const codes = c.codes;
    return (i) => (codes[i] < 0 ? '' : quoted[codes[i]]);
  }
  const v = c.values;
  if (type === 'DATE') {
    const cache = new Map<number, string>();
    return (i) => {
      const x = v[i];
      if (Number.isNaN(x)) return '';
      let s = cache.get(x);
      if (s === undefined) cache.set(x, (s = isoDate(x)));
      return s;
    };
  }
  if (type === 'TIMESTAMP') return (i) => (Number.isNaN(v[i]) ? '' : new Date(v[i]).toISOString());
  return (i) => (Number.isNaN(v[i]) ? '' : String(v[i]));
}

/**
 * Renders a frame as CSV in chunks of `chunkRows` rows (each chunk a string ending in `\n`; the first
 * starts with the header), so large tables never become one giant string.
 */
export function* frameToCsvChunks(
  frame: Frame,
  types: Readonly<Record<string, SqlType>>,
  chunkRows = 50_000,
): Generator<string> {
  const fmts = frame.columns.map((c) => cellFormatter(c, types[c.name] ?? 'VARCHAR'));
  const nCols = fmts.length;
  let out = `${frame.columns.map((c) => csvField(c.name)).join(',')}\n`;
  for (let start = 0; start < frame.nRows || start === 0; start += chunkRows) {
    const end = Math.min(frame.nRows, start + chunkRows);
    const lines: string[] = [];
    for (let i = start; i < end; i++) {
      let line = fmts[0](i);
      for (let j = 1; j < nCols; j++) line += `,${fmts[j](i)}`;
      lines.push(line);
    }
    if (lines.length) out += `${lines.join('\n')}\n`;
    yield out;
    out = '';
    if (frame.nRows === 0) break;
  }
}

/** The whole frame as one CSV string (small frames and tests). */
export function frameToCsv(frame: Frame, types: Readonly<Record<string, SqlType>>): string {
  return [...frameToCsvChunks(frame, types)].join('');
}
