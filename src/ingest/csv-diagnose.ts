/**
 * Error-path diagnosis of a delimited text file: DuckDB's fast reader tells us *that* a file is
 * malformed, this scan tells the user *where*. It runs only after a failed read, so it favours clarity
 * over speed (it streams, so any size works).
 */
import { createReadStream } from 'node:fs';

export type CsvProblem =
  | { kind: 'encoding'; line: number; offset: number }
  | { kind: 'fields'; line: number; expected: number; found: number }
  | { kind: 'quote'; line: number }
  | { kind: 'binary'; line: number };

/** Finds the first structural problem in a delimited file, or null if none is found. */
export async function diagnoseDelimited(
  file: string,
  delimiter: string,
  quote = '"',
): Promise<CsvProblem | null> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const delim = delimiter.charCodeAt(0);
  const q = quote.charCodeAt(0);
  let line = 1;
  let recordStartLine = 1;
  let fields = 1;
  let expected = -1;
  let inQuotes = false;
  let fieldStart = true;
  let afterQuote = false;
  let offset = 0;
  let pending = new Uint8Array(0);
  let sawContentInRecord = false;

  const endRecord = (): CsvProblem | null => {
    if (!sawContentInRecord && fields === 1) return null; // blank line
    if (expected < 0) expected = fields;
    else if (fields !== expected) return { kind: 'fields', line: recordStartLine, expected, found: fields };
    return null;
  };

  for await (const raw of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const chunk = raw as Buffer;
    const bytes = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    // hold back an incomplete trailing UTF-8 sequence
    let end = bytes.length;
    let k = end - 1;
    let back = 0;
    while (k >= 0 && back < 4 && (bytes[k] & 0xc0) === 0x80) {
      k--;
      back++;
    }
    if (k >= 0 && bytes[k] >= 0xc0) {
      const need = bytes[k] >= 0xf0 ? 4 : bytes[k] >= 0xe0 ? 3 : 2;
      if (end - k < need) end = k;
    }
    const body = bytes.subarray(0, end);
    pending = Uint8Array.from(bytes.subarray(end));
    try {
      decoder.decode(body, { stream: true });
    } catch {
      // locate the bad byte: decode line by line within this chunk
      let lineStart = 0;
      let l = line;
      for (let i = 0; i <= body.length; i++) {
        if (i === body.length || body[i] === 10) {
          try {
            new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(lineStart, i));
          } catch {
            return { kind: 'encoding', line: l, offset: offset + lineStart };
          }
          lineStart = i + 1;
          l++;
        }
      }
      return { kind: 'encoding', line, offset };
    }
    for (let i = 0; i < body.length; i++) {
      const b = body[i];
      if (b === 0) return { kind: 'binary', line };
      if (inQuotes) {
        if (b === q) {
          if (i + 1 < body.length && body[i + 1] === q) i++;
          else {
            inQuotes = false;
            afterQuote = true;
          }
        } else if (b === 10) line++;
        continue;
      }
      if (b === q && fieldStart) {
        inQuotes = true;
        fieldStart = false;
        sawContentInRecord = true;
        continue;
      }
      if (b === q && !fieldStart && !afterQuote) return { kind: 'quote', line };
      if (b === delim) {
        fields++;
        fieldStart = true;
        afterQuote = false;
        sawContentInRecord = true;
        continue;
      }
      if (b === 10) {
        const p = endRecord();
        if (p) return p;
        line++;
        recordStartLine = line;
        fields = 1;
        fieldStart = true;
        afterQuote = false;
        sawContentInRecord = false;
        continue;
      }
      if (b === 13) continue;
      if (afterQuote) return { kind: 'quote', line };
      fieldStart = false;
      sawContentInRecord = true;
    }
    offset += body.length;
  }
  if (inQuotes) return { kind: 'quote', line: recordStartLine };
  return endRecord();
}

/** Reads the first `n` lines of a text file (for header and delimiter detection). */
export async function headLines(file: string, n: number, maxBytes = 1 << 20): Promise<string[]> {
  const lines: string[] = [];
  let buf = '';
  let read = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    buf += chunk as string;
    read += (chunk as string).length;
    let idx = buf.indexOf('\n');
    while (idx >= 0 && lines.length < n) {
      lines.push(buf.slice(0, idx).replace(/\r$/, ''));
      buf = buf.slice(idx + 1);
      idx = buf.indexOf('\n');
    }
    if (lines.length >= n || read > maxBytes) break;
  }
  if (lines.length < n && buf.length) lines.push(buf.replace(/\r$/, ''));
  return lines.slice(0, n);
}

/** Splits one CSV line into fields (RFC 4180 quoting; for detection only). */
export function splitLine(line: string, delimiter: string, quote = '"'): string[] {
  const out: string[] = [];
  let cur = '';
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inQ) {
      if (c === quote) {
        if (line[i + 1] === quote) {
          cur += quote;
          i++;
        } else inQ = false;
      } else cur += c;
    } else if (c === quote && cur === '') inQ = true;
    else if (c === delimiter) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const NUMBERISH = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * Header detection, the usual sniffers' rule: the first line is a header when none of its fields is
 * numeric or empty, its fields are distinct, and either some column is numeric (or missing) in the
 * second line, or every first-line field looks like a name and differs from the second line.
 */
export function looksLikeHeader(
  first: string[],
  second: string[] | undefined,
  missing: readonly string[],
): boolean {
  if (first.some((f) => f.trim() === '' || NUMBERISH.test(f))) return false;
  if (new Set(first).size !== first.length) return false;
  if (!second) return true;
  // a header if any column is numeric (or missing) below but textual in the first line
  for (let j = 0; j < Math.min(first.length, second.length); j++) {
    if (NUMBERISH.test(second[j]) || missing.includes(second[j])) return true;
  }
  // all-text file: header when first-line values look like identifiers and differ from row 2
  return first.every((f, j) => /^[A-Za-z_(][\w ()./%-]*$/.test(f) && f !== second[j]);
}

/** Picks the delimiter that splits the first lines most consistently (for `--delimiter auto`). */
export function detectDelimiter(lines: string[]): string {
  const candidates = [',', '\t', ';', '|'];
  let best = ',';
  let bestScore = -1;
  for (const d of candidates) {
    const counts = lines.filter((l) => l.length).map((l) => splitLine(l, d).length);
    if (!counts.length) continue;
    const consistent = counts.every((c) => c === counts[0]);
    const score = consistent && counts[0] > 1 ? counts[0] : 0;
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}
