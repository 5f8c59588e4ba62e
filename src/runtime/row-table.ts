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
 * caller falls back to `JSON.parse`). `maxRows` bounds the row count (beyond it: null).
 */
export function readRowTable(buf: Uint8Array, maxRows: number): RowTable | null {
  try {
    return new Scanner(buf).table(maxRows);
  } catch (e) {
    if (e instanceof NotSimple) return null;
    throw e;
  }
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

  table(maxRows: number): RowTable | null {
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
    for (;;) {
      while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      i++;
      if (c === RBRACKET) break;
      if (c !== COMMA) throw NOT_SIMPLE;
      if (n >= maxRows) return null;
      if (n === cap) {
        cap = Math.min(maxRows, cap * 2);
        for (let j = 0; j < F; j++) {
          const old = cols[j];
          if (old instanceof Float64Array) {
            const grown = new Float64Array(cap);
            grown.set(old);
            cols[j] = grown;
          } else old.length = cap;
        }
      }
      while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      if (c !== LBRACE) throw NOT_SIMPLE;
      i++;
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
        // the common case: a number into a numeric column, written in place
        if (col instanceof Float64Array && (c === MINUS || (c >= ZERO && c <= NINE))) {
          i = numberInto(b, i, col, n);
          if (i < 0) throw NOT_SIMPLE;
        } else {
          this.at = i;
          put(j, this.value());
          i = this.at;
        }
      }
      while ((c = b[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      if (c !== RBRACE) throw NOT_SIMPLE;
      i++;
      n++;
    }
    this.at = i;
    this.expect(RBRACE);
    this.ws();
    if (this.at !== b.length) throw NOT_SIMPLE;
    const columns = cols.map((c) => (c instanceof Float64Array ? c.slice(0, n) : c.slice(0, n)));
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
