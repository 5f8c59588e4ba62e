/**
 * A fast reader for the common shape of a many-row predict body, `{"rows": [{"a": 1.5, "b": null,
 * "c": "x"}, …]}` where every row names the same fields in the same order: it scans the bytes once
 * and writes each field's values straight into a column (a Float64Array while the field holds only
 * numbers and nulls), with no object per row. For a 10,000 × 30 body that replaces `JSON.parse`
 * (300,000 properties, most of the request's garbage) and the walk over the row objects.
 *
 * It accepts only what it reads completely; anything else — another top-level field, rows with
 * different fields or field order, nested values, a malformed number — returns null, and the caller
 * parses the body with `JSON.parse` as before (which also produces the error messages). Numbers are
 * the same doubles `JSON.parse` gives: a decimal of at most 15 significant digits and a power of ten
 * of at most 22 is one correctly rounded multiplication or division (Clinger's fast path); any other
 * is handed to `Number`.
 */

/** A field's values: numbers (NaN = null) while it holds only numbers and nulls, else plain values. */
export type TableColumn = Float64Array | (number | string | boolean | null)[];

/** Rows read column by column: `names[j]`'s value in row `i` is `columns[j][i]`. */
export class RowTable {
  constructor(
    readonly n: number,
    readonly names: readonly string[],
    readonly columns: readonly TableColumn[],
  ) {}

  /** The rows as objects (for callers that need them: the error path, ONNX rows). */
  toRows(): Record<string, unknown>[] {
    const out = new Array<Record<string, unknown>>(this.n);
    for (let i = 0; i < this.n; i++) {
      const row: Record<string, unknown> = {};
      for (let j = 0; j < this.names.length; j++) {
        const c = this.columns[j];
        const v = c[i];
        row[this.names[j]] = c instanceof Float64Array && Number.isNaN(v as number) ? null : v;
      }
      out[i] = row;
    }
    return out;
  }
}

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const SCRATCH = new Float64Array(1);

/**
 * Reads the JSON number starting at `i` (a `-` or a digit) into `out[at]`; returns the position after
 * it, or −1 when it is not a JSON number. (Writing in place, rather than returning the double, keeps
 * 300,000 numbers from each becoming a heap object.)
 */
function numberInto(b: Uint8Array, i: number, out: Float64Array, at: number): number {
  const start = i;
  let neg = false;
  if (b[i] === MINUS) {
    neg = true;
    i++;
  }
  let mant = 0;
  let digits = 0; // significant digits taken into `mant`
  let exp10 = 0;
  let c = b[i];
  if (c === ZERO) {
    c = b[++i];
    if (c >= ZERO && c <= NINE) return -1; // a leading zero
  } else if (c > ZERO && c <= NINE) {
    do {
      mant = mant * 10 + (c - ZERO);
      digits++;
      c = b[++i];
    } while (c >= ZERO && c <= NINE);
  } else return -1;
  if (c === DOT) {
    c = b[++i];
    if (!(c >= ZERO && c <= NINE)) return -1;
    do {
      if (mant !== 0 || c !== ZERO) digits++; // leading zeros of a fraction add no digits
      mant = mant * 10 + (c - ZERO);
      exp10--;
      c = b[++i];
    } while (c >= ZERO && c <= NINE);
  }
  if (c === 0x65 || c === 0x45) {
    c = b[++i];
    let eneg = false;
    if (c === MINUS || c === PLUS) {
      eneg = c === MINUS;
      c = b[++i];
    }
    if (!(c >= ZERO && c <= NINE)) return -1;
    let e = 0;
    do {
      if (e < 100_000) e = e * 10 + (c - ZERO);
      c = b[++i];
    } while (c >= ZERO && c <= NINE);
    exp10 += eneg ? -e : e;
  }
  if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
    const x = exp10 < 0 ? mant / POW10[-exp10] : mant * POW10[exp10];
    out[at] = neg ? -x : x;
  } else out[at] = Number(Buffer.from(b.buffer, b.byteOffset + start, i - start).toString('latin1'));
  return i;
}

/** Thrown inside the scan: "not the simple shape", caught by `readRowTable`. */
class NotSimple extends Error {}
const NOT_SIMPLE = new NotSimple();

/**
 * Reads `{"rows": [{…}, …]}` into a RowTable, or returns null when the body is anything else (the
 * caller falls back to `JSON.parse`). `maxRows` bounds the row count (beyond it: null). With a
 * `split`, a large body's second half is read by another thread (see `RowSplit`).
 */
export function readRowTable(
  buf: Uint8Array,
  maxRows: number,
  split: RowSplit | null = null,
): RowTable | null {
  try {
    return new Scanner(buf).table(maxRows, split);
  } catch (e) {
    if (e instanceof NotSimple) return null;
    throw e;
  }
}

/**
 * Another thread that reads the rows from a point in the body's second half while this one reads
 * the first half. The point is a guess — a `{` after `}` and `,` — that holds only if this thread's
 * own reading arrives exactly there at a row's start (the text before it decides whether it lies in
 * a string); otherwise the other thread's work is dropped and this one reads on alone, as it does
 * when the other thread meets anything but numbers and nulls. Either way the table is the one a
 * single thread reads.
 */
export interface RowSplit {
  /** Smallest body worth splitting, in bytes. */
  readonly minBytes: number;
  /**
   * Starts reading rows at `at` (a `{`): each row has the fields of the first row, whose names lie at
   * `keyStart[j]`…`keyEnd[j]` in `body`; `rowBytes` is the first row's length (to size the columns).
   */
  start(
    body: Uint8Array,
    at: number,
    keyStart: readonly number[],
    keyEnd: readonly number[],
    rowBytes: number,
  ): void;
  /**
   * Waits for the rows started at `at`: their count, the position after the array's `]`, and a
   * column reader (`copy(j, into, offset)` copies field j's values, NaN for null), or null when the
   * other thread gave up (then nothing was read there).
   */
  finish(): RowSplitResult | null;
  /** Waits for the other thread and drops its rows. */
  abandon(): void;
}

export interface RowSplitResult {
  readonly n: number;
  readonly end: number;
  copy(j: number, into: Float64Array, offset: number): void;
}

/**
 * Reads the rows that start at `at` (a `{`) to the array's closing `]` into `cols` (one Float64Array
 * per field, room for `cap` rows), for the other thread of a split: every value must be a number or
 * null and every row must name the first row's fields in order. Returns the row count and the
 * position after `]`, or null (anything else, or more than `cap` rows).
 */
export function readNumericRows(
  body: Uint8Array,
  at: number,
  keyStart: readonly number[],
  keyEnd: readonly number[],
  cols: Float64Array[],
  cap: number,
): { n: number; end: number } | null {
  const b = body;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = at;
  let n = 0;
  let c = 0;
  try {
    for (;;) {
      if (n >= cap) return null;
      if (b[i] !== LBRACE) return null;
      i = readRow(b, dv, i + 1, keyStart, keyEnd, cols, n, null);
      n++;
      while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      i++;
      if (c === RBRACKET) return { n, end: i };
      if (c !== COMMA) return null;
      while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    }
  } catch (e) {
    if (e instanceof NotSimple) return null;
    throw e;
  }
}

/**
 * Reads one row's fields after its `{` into slot `n` of `cols`, through its `}`; returns the position
 * after it. Numbers and nulls of a numeric column are written in place; any other value goes to
 * `other(j, at)`, which stores it and returns the position after it (without `other`: not simple).
 */
function readRow(
  b: Uint8Array,
  dv: DataView,
  i: number,
  keyStart: readonly number[],
  keyEnd: readonly number[],
  cols: readonly TableColumn[],
  n: number,
  other: ((j: number, at: number) => number) | null,
): number {
  const F = keyStart.length;
  let c = 0;
  for (let j = 0; j < F; j++) {
    while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    if (j > 0) {
      if (c !== COMMA) throw NOT_SIMPLE;
      i++;
      while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    }
    if (c !== QUOTE) throw NOT_SIMPLE;
    i++;
    // the same field name, byte for byte, as in the first row
    const s = keyStart[j];
    const len = keyEnd[j] - s;
    let k = 0;
    for (; k + 4 <= len; k += 4) if (dv.getUint32(i + k) !== dv.getUint32(s + k)) throw NOT_SIMPLE;
    for (; k < len; k++) if (b[i + k] !== b[s + k]) throw NOT_SIMPLE;
    i += len;
    if (b[i] !== QUOTE) throw NOT_SIMPLE;
    i++;
    while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    if (c !== COLON) throw NOT_SIMPLE;
    i++;
    while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    const col = cols[j];
    // the common case: a number (or null) into a numeric column, written in place
    if (col instanceof Float64Array && (c === MINUS || (c >= ZERO && c <= NINE))) {
      i = numberInto(b, i, col, n);
      if (i < 0) throw NOT_SIMPLE;
    } else if (
      col instanceof Float64Array &&
      c === 0x6e &&
      b[i + 1] === 0x75 &&
      b[i + 2] === 0x6c &&
      b[i + 3] === 0x6c
    ) {
      col[n] = Number.NaN;
      i += 4;
    } else if (other) i = other(j, i);
    else throw NOT_SIMPLE;
  }
  while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
  if (c !== RBRACE) throw NOT_SIMPLE;
  return i + 1;
}

/**
 * A place to split the rows: the first `{` at or after `from` that follows `}` and `,` (with only
 * whitespace between), or −1.
 */
function splitPoint(b: Uint8Array, from: number): number {
  for (let i = from; i < b.length; i++) {
    if (b[i] !== LBRACE) continue;
    let k = i - 1;
    while (k > from && (b[k] === 0x20 || b[k] === 0x0a || b[k] === 0x0d || b[k] === 0x09)) k--;
    if (b[k] !== COMMA) continue;
    k--;
    while (k > from && (b[k] === 0x20 || b[k] === 0x0a || b[k] === 0x0d || b[k] === 0x09)) k--;
    if (b[k] === RBRACE) return i;
  }
  return -1;
}

class Scanner {
  private at = 0;
  private readonly text: Buffer;

  constructor(private readonly b: Uint8Array) {
    this.text = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }

  private ws(): void {
    const b = this.b;
    let i = this.at;
    for (;;) {
      const c = b[i];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.at = i;
  }

  private expect(c: number): void {
    this.ws();
    if (this.b[this.at] !== c) throw NOT_SIMPLE;
    this.at++;
  }

  /** A string's bytes (after the opening quote): [start, end) of its content; escapes are refused. */
  private rawString(): [number, number] {
    const b = this.b;
    const start = this.at;
    let i = start;
    for (;;) {
      const c = b[i];
      if (c === QUOTE) break;
      if (c === BACKSLASH || c === undefined || c < 0x20) return this.escapedString(start);
      i++;
    }
    this.at = i + 1;
    return [start, i];
  }

  /** A string with escapes: its end is found, its text is left to `JSON.parse` by the caller. */
  private escapedString(start: number): [number, number] {
    const b = this.b;
    let i = start;
    for (;;) {
      const c = b[i];
      if (c === undefined || c < 0x20) throw NOT_SIMPLE;
      if (c === BACKSLASH) i += 2;
      else if (c === QUOTE) break;
      else i++;
    }
    this.at = i + 1;
    return [-start - 1, i]; // negative start: has escapes
  }

  private stringValue(): string {
    const [s, e] = this.rawString();
    if (s >= 0) return this.text.toString('utf8', s, e);
    // with escapes: the quoted text, decoded exactly as JSON.parse would
    return JSON.parse(this.text.toString('utf8', -s - 2, e + 1)) as string;
  }

  /** A JSON number at `at` (its first byte is `-` or a digit). */
  private number(): number {
    const end = numberInto(this.b, this.at, SCRATCH, 0);
    if (end < 0) throw NOT_SIMPLE;
    this.at = end;
    return SCRATCH[0];
  }

  private literal(word: string): void {
    const b = this.b;
    for (let k = 0; k < word.length; k++) if (b[this.at + k] !== word.charCodeAt(k)) throw NOT_SIMPLE;
    this.at += word.length;
  }

  table(maxRows: number, split: RowSplit | null): RowTable | null {
    const b = this.b;
    this.expect(LBRACE);
    this.expect(QUOTE);
    this.literal('rows"');
    this.expect(COLON);
    this.expect(LBRACKET);
    // the first row fixes the fields and their order
    const keyStart: number[] = [];
    const keyEnd: number[] = [];
    const names: string[] = [];
    this.expect(LBRACE);
    this.ws();
    if (b[this.at] === RBRACE) throw NOT_SIMPLE; // an empty row: leave it to the full parser
    const firstRowStart = this.at;
    const firstValues: (number | string | boolean | null)[] = [];
    for (;;) {
      this.expect(QUOTE);
      const [s, e] = this.rawString();
      if (s < 0) throw NOT_SIMPLE;
      const name = this.text.toString('utf8', s, e);
      if (names.includes(name)) throw NOT_SIMPLE; // a repeated field: JSON.parse keeps the last
      names.push(name);
      keyStart.push(s);
      keyEnd.push(e);
      this.expect(COLON);
      firstValues.push(this.value());
      this.ws();
      const c = b[this.at++];
      if (c === COMMA) continue;
      if (c === RBRACE) break;
      throw NOT_SIMPLE;
    }
    const F = names.length;
    // size the columns from the first row's length; grow by doubling if the guess is short
    const rowBytes = Math.max(1, this.at - firstRowStart);
    let cap = Math.min(maxRows, Math.max(16, Math.ceil((b.length / rowBytes) * 1.05)));
    const cols: TableColumn[] = names.map(() => new Float64Array(cap));
    let n = 0;
    const put = (j: number, v: number | string | boolean | null) => {
      let col = cols[j];
      if (col instanceof Float64Array) {
        if (typeof v === 'number') {
          col[n] = v;
          return;
        }
        if (v === null) {
          col[n] = Number.NaN;
          return;
        }
        // a value that is not a number: this field becomes plain values
        const plain = new Array<number | string | boolean | null>(cap);
        for (let i = 0; i < n; i++) plain[i] = Number.isNaN(col[i]) ? null : col[i];
        cols[j] = col = plain;
      }
      (col as (number | string | boolean | null)[])[n] = v;
    };
    for (let j = 0; j < F; j++) put(j, firstValues[j]);
    n = 1;
    // the other rows, on a local position (the hot loop: 300,000 values for 10,000 × 30)
    let i = this.at;
    let c = 0;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const other = (j: number, at: number) => {
      this.at = at;
      put(j, this.value());
      return this.at;
    };
    const grow = (rows: number) => {
      cap = Math.min(maxRows, Math.max(rows, cap * 2));
      for (let j = 0; j < F; j++) {
        const old = cols[j];
        if (old instanceof Float64Array) {
          const grown = new Float64Array(cap);
          grown.set(old);
          cols[j] = grown;
        } else old.length = cap;
      }
    };
    // a large body: the second half goes to the other thread, from a row start it guesses
    let splitAt = -1;
    if (split && b.length - i >= split.minBytes) {
      splitAt = splitPoint(b, i + ((b.length - i) >> 1));
      if (splitAt > 0) split.start(b, splitAt, keyStart, keyEnd, rowBytes);
    }
    try {
      for (;;) {
        while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
        i++;
        if (c === RBRACKET) break;
        if (c !== COMMA) throw NOT_SIMPLE;
        while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
        if (splitAt >= 0 && i >= splitAt) {
          // here exactly at the guessed row start: take the other thread's rows (if it read them all)
          let done: RowSplitResult | null = null;
          if (i === splitAt) done = split!.finish();
          else split!.abandon();
          splitAt = -1;
          if (done) {
            if (n + done.n > maxRows) return null;
            if (n + done.n > cap) grow(n + done.n);
            for (let j = 0; j < F; j++) {
              const col = cols[j];
              if (col instanceof Float64Array) done.copy(j, col, n);
              else {
                const tmp = new Float64Array(done.n);
                done.copy(j, tmp, 0);
                for (let r = 0; r < done.n; r++) col[n + r] = Number.isNaN(tmp[r]) ? null : tmp[r];
              }
            }
            n += done.n;
            i = done.end;
            break;
          }
        }
        if (n >= maxRows) return null;
        if (n === cap) grow(n + 1);
        if (c !== LBRACE) throw NOT_SIMPLE;
        i = readRow(b, dv, i + 1, keyStart, keyEnd, cols, n, other);
        n++;
      }
    } finally {
      // an early return or a refusal while the other thread still reads: wait for it
      if (splitAt >= 0) split!.abandon();
    }
    this.at = i;
    this.expect(RBRACE);
    this.ws();
    if (this.at !== b.length) throw NOT_SIMPLE;
    // views, not copies: the few rows of room past n cost less than copying every column
    const columns = cols.map((c) => (c instanceof Float64Array ? c.subarray(0, n) : c.slice(0, n)));
    return new RowTable(n, names, columns);
  }

  /** A scalar value: number, string, true, false or null. Objects and arrays are refused. */
  private value(): number | string | boolean | null {
    this.ws();
    const c = this.b[this.at];
    if (c === QUOTE) {
      this.at++;
      return this.stringValue();
    }
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number();
    if (c === 0x6e) {
      this.literal('null');
      return null;
    }
    if (c === 0x74) {
      this.literal('true');
      return true;
    }
    if (c === 0x66) {
      this.literal('false');
      return false;
    }
    throw NOT_SIMPLE;
  }
}
