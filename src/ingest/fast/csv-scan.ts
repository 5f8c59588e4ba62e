/**
 * The fast CSV path's parser: a byte range of a delimited file → a Parquet part, one row group per
 * block of whole lines read. It handles what large clinical extracts mostly are — unquoted fields,
 * plain integers and decimals, missing-value tokens, text — and gives up (`bail`) on anything whose
 * reading DuckDB's CSV reader should decide: quotes, numbers in other spellings (" 3", ".5", "007",
 * "+3", "inf"), values that may be dates or booleans, ragged rows, bytes that are not UTF-8. A column typed
 * from the sample that meets a value of another kind asks for a `retype` and the file is read again.
 *
 * Numbers are converted with correct rounding, as DuckDB's reader converts them: a mantissa below
 * 2^53 divided by an exact power of ten is already correctly rounded; mantissas of up to 19 digits
 * (what pandas and NumPy write) go through `decimalToDouble`; anything longer, and exponents, through
 * `parseFloat`.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { decimalInto } from './decimal.js';
import { type ColumnData, type ParquetColumn, ParquetFileWriter } from './parquet.js';

/**
 * How a column is read: 0 integer (INT64), 1 decimal (DOUBLE), 2 text (UTF-8), 3 ISO date (DATE),
 * 4 ISO date and time without a zone (TIMESTAMP).
 */
export type Kind = 0 | 1 | 2 | 3 | 4;
export const INT: Kind = 0;
export const DOUBLE: Kind = 1;
export const TEXT: Kind = 2;
export const DATE: Kind = 3;
export const TIMESTAMP: Kind = 4;

export interface RangeTask {
  readonly file: string;
  /** Byte offsets: `from` at a line's start, `to` just after a newline or at the end of the file. */
  readonly from: number;
  readonly to: number;
  /** Whether `to` is the end of the file (the last line may lack its newline). */
  readonly last: boolean;
  readonly names: readonly string[];
  readonly kinds: readonly Kind[];
  readonly delimiter: number;
  readonly missing: readonly string[];
  readonly out: string;
}

export type RangeResult =
  | { readonly ok: true; readonly rows: number }
  | { readonly ok: false; readonly retype: ReadonlyArray<{ column: number; to: Kind }> }
  | { readonly ok: false; readonly bail: string };

const BLOCK = 2 << 20;
const PARQUET_TYPES = ['INT64', 'DOUBLE', 'UTF8', 'DATE', 'TIMESTAMP'] as const;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

const NUMBER_LIKE = /^\s*[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const SPECIAL_NUMBER = /^\s*[-+]?(nan|inf|infinity|0[xXbB][\da-fA-F]+)\s*$/i;
const BOOL_LIKE = /^\s*(true|false|t|f|yes|no|y|n|on|off)\s*$/i;
const DATE_LIKE = /\d{1,4}\s*[-/.]\s*(\d{1,2}|[A-Za-z]{3,9})\s*[-/.]\s*\d{1,4}/;

/** A value DuckDB's sniffer might read as a number, so the fast path must not decide it. */
export function numberLike(v: string): boolean {
  return NUMBER_LIKE.test(v) || SPECIAL_NUMBER.test(v);
}

/** A timestamp with a zone ("…T08:57:23.000Z", "…+02:00"): text for DuckDB without TIMESTAMPTZ among its candidates. */
const ZONED_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/**
 * A value that only text can hold: proof that its column is VARCHAR for DuckDB too. Anything that
 * might be a boolean, a number, a date or a time is not proof ("T", "12", "01/02/2024", "10:00").
 */
/** A timestamp with a zone offset or 'Z'. */
export function zonedTimestamp(v: string): boolean {
  return ZONED_TIMESTAMP.test(v);
}

export function textWitness(v: string): boolean {
  if (ZONED_TIMESTAMP.test(v)) return true;
  if (v === '' || v.trim() !== v) return false;
  return !BOOL_LIKE.test(v) && !/\d\s*:\s*\d/.test(v) && !DATE_LIKE.test(v) && !numberLike(v);
}

/**
 * A strictly written integer (no sign but '-', no leading zeros) or decimal (digits on both sides of
 * the point, or an exponent as in "1.5e-07"): the spellings both readers take the same way.
 */
export function strictNumber(v: string): 'int' | 'double' | null {
  let i = v.charCodeAt(0) === 45 ? 1 : 0;
  const first = i;
  let dot = -1;
  let exp = -1;
  for (; i < v.length; i++) {
    const ch = v.charCodeAt(i);
    if (ch >= 48 && ch <= 57) continue;
    if (ch === 46 && dot < 0 && exp < 0) dot = i;
    else if ((ch === 101 || ch === 69) && exp < 0) {
      exp = i;
      const sign = v.charCodeAt(i + 1);
      if (sign === 43 || sign === 45) i++;
      if (i + 1 >= v.length) return null; // no exponent digits
    } else return null;
  }
  const mantissaEnd = exp < 0 ? v.length : exp;
  const intEnd = dot < 0 ? mantissaEnd : dot;
  if (intEnd === first) return null; // no integer digits
  if (v.charCodeAt(first) === 48 && intEnd - first > 1) return null; // a leading zero
  if (dot >= 0 && dot === mantissaEnd - 1) return null; // "5." or "5.e3"
  if (exp >= 0 || dot >= 0) return 'double';
  return 'int';
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : MONTH_DAYS[m - 1]);
}

/**
 * An ISO date "YYYY-MM-DD" as days since the epoch; NaN for another spelling; -Infinity for the
 * right spelling of a day that does not exist ("2024-02-30": DuckDB then reads the column as text).
 */
export function isoDate(v: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return Number.NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return validDate(y, mo, d) ? daysFromCivil(y, mo, d) : Number.NEGATIVE_INFINITY;
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;

/**
 * "YYYY-MM-DD HH:MM[:SS[.ffffff]]" (or with a 'T') as microseconds since 1970-01-01 00:00; NaN for
 * another spelling; -Infinity for a moment that does not exist or lies beyond the year 2200 (where
 * microseconds outgrow exact doubles), which the fast path leaves to DuckDB.
 */
export function isoTimestamp(v: string): number {
  const m = ISO_TIMESTAMP.exec(v);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59 || y > 2200) return Number.NEGATIVE_INFINITY;
  const micros = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60e6 + sec * 1e6 + micros;
}

/** Integers with a leading zero (ZIP codes, MRNs): DuckDB keeps such a column as text. */
export function leadingZeroInteger(v: string): boolean {
  return /^0\d+$/.test(v);
}

/** Why the range cannot be read here, or which columns must change kind. */
class Stop {
  constructor(readonly bail: string) {}
}

/** Parses blocks of whole lines into reusable column buffers. */
export class BlockParser {
  private cap = 0;
  private readonly ncol: number;
  private readonly kinds: Uint8Array;
  private values: Float64Array[] = [];
  private valid: Uint8Array[] = [];
  private starts: Int32Array[] = [];
  private ends: Int32Array[] = [];
  private readonly tokens: Uint8Array[];
  private readonly tokenLengths: Set<number>;
  /** Bit n set when a missing token has n bytes (n < 31). */
  private readonly lengthMask: number;
  /** Whether a missing-value token reads as a number (then numbers are checked against the tokens). */
  private readonly numericTokens: boolean;
  private hashes: Int32Array[] = [];
  /** Arguments and result of `decimalInto`. */
  private readonly io = new Float64Array(2);
  private readonly utf8 = new TextDecoder('utf-8');
  /** Retypes found so far in this range (the range is read on to collect them all). */
  readonly retype = new Map<number, Kind>();

  /** Records that column c needs kind k; text, once asked for, stays. */
  private retypeTo(c: number, k: Kind): void {
    if (this.retype.get(c) !== TEXT) this.retype.set(c, k);
  }

  constructor(
    kinds: readonly Kind[],
    private readonly delimiter: number,
    missing: readonly string[],
  ) {
    this.ncol = kinds.length;
    this.kinds = Uint8Array.from(kinds);
    const enc = new TextEncoder();
    this.tokens = missing.map((t) => enc.encode(t));
    this.tokenLengths = new Set(this.tokens.map((t) => t.length));
    this.lengthMask = this.tokens.reduce((m, t) => (t.length < 31 ? m | (1 << t.length) : m), 0);
    this.numericTokens = missing.some((t) => strictNumber(t) !== null);
    // rows in a block are at most its bytes over the columns (each field takes a byte or more)
    this.grow(Math.max(64, Math.min(1 << 14, Math.ceil(BLOCK / this.ncol))));
  }

  private grow(cap: number): void {
    const keep = this.cap;
    for (let c = 0; c < this.ncol; c++) {
      if (this.kinds[c] === TEXT) {
        const s = new Int32Array(cap);
        const e = new Int32Array(cap);
        const h = new Int32Array(cap);
        if (keep) {
          s.set(this.starts[c].subarray(0, keep));
          e.set(this.ends[c].subarray(0, keep));
          h.set(this.hashes[c].subarray(0, keep));
        }
        this.starts[c] = s;
        this.ends[c] = e;
        this.hashes[c] = h;
      } else {
        const v = new Float64Array(cap);
        const ok = new Uint8Array(cap);
        if (keep) {
          v.set(this.values[c].subarray(0, keep));
          ok.set(this.valid[c].subarray(0, keep));
        }
        this.values[c] = v;
        this.valid[c] = ok;
      }
    }
    this.cap = cap;
  }

  columns(b: Uint8Array): ColumnData[] {
    const out: ColumnData[] = [];
    for (let c = 0; c < this.ncol; c++) {
      out.push(
        this.kinds[c] === TEXT
          ? { kind: 'text', bytes: b, starts: this.starts[c], ends: this.ends[c], hashes: this.hashes[c] }
          : { kind: 'num', values: this.values[c], valid: this.valid[c] },
      );
    }
    return out;
  }

  private isMissing(b: Uint8Array, s: number, e: number): boolean {
    const n = e - s;
    if (!this.tokenLengths.has(n)) return false;
    for (const t of this.tokens) {
      if (t.length !== n) continue;
      let same = true;
      for (let i = 0; i < n; i++) {
        if (b[s + i] !== t[i]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    return false;
  }

  /** The end of the field starting at `p` (at the delimiter or newline), checking the row's shape. */
  private fieldEnd(b: Uint8Array, p: number, lastColumn: boolean): number {
    const d = this.delimiter;
    for (;;) {
      const ch = b[p];
      if (ch === d) {
        if (lastColumn) throw new Stop('a line has more fields than the header');
        return p;
      }
      if (ch === 10) {
        if (!lastColumn) throw new Stop('a line has fewer fields than the header');
        return p;
      }
      if (ch === 34) throw new Stop('a field is quoted');
      p++;
    }
  }

  /** Parses rows from `start` until `end` (line starts; `b[end - 1]` is '\n'); throws Stop. */
  parse(b: Buffer, start: number, end: number): number {
    const ncol = this.ncol;
    const kinds = this.kinds;
    const d = this.delimiter;
    const lengthMask = this.lengthMask;
    const io = this.io;
    const numericTokens = this.numericTokens;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let { values, valid, starts, ends, hashes } = this;
    let p = start;
    let row = 0;
    while (p < end) {
      if (row === this.cap) {
        this.grow(this.cap * 2);
        ({ values, valid, starts, ends, hashes } = this);
      }
      if (b[p] === 10 || (b[p] === 13 && b[p + 1] === 10)) throw new Stop('a line is empty');
      for (let c = 0; c < ncol; c++) {
        const lastColumn = c === ncol - 1;
        const fs = p;
        if (kinds[c] === TEXT) {
          let ch = b[p];
          let h = 0x811c9dc5;
          while (ch !== d && ch !== 10 && ch !== 34) {
            h = Math.imul(h ^ ch, 16777619);
            ch = b[++p];
          }
          if (ch === 34 || (lastColumn ? ch === d : ch === 10)) this.fieldEnd(b, p, lastColumn);
          let fe = p;
          if (lastColumn && fe > fs && b[fe - 1] === 13) {
            fe--;
            h = 0x811c9dc5;
            for (let i = fs; i < fe; i++) h = Math.imul(h ^ b[i], 16777619);
          }
          const n = fe - fs;
          if ((n < 31 ? (lengthMask >>> n) & 1 : 1) !== 0 && this.isMissing(b, fs, fe)) starts[c][row] = -1;
          else {
            starts[c][row] = fs;
            ends[c][row] = fe;
            hashes[c][row] = h;
          }
          p++;
          continue;
        }
        if (kinds[c] === TIMESTAMP) {
          p = this.slowTimestamp(b, fs, row, c, lastColumn);
          continue;
        }
        if (kinds[c] === DATE) {
          // YYYY-MM-DD: ten bytes, then the field's end
          const y0 = b[p] - 48;
          const y1 = b[p + 1] - 48;
          const y2 = b[p + 2] - 48;
          const y3 = b[p + 3] - 48;
          const m0 = b[p + 5] - 48;
          const m1 = b[p + 6] - 48;
          const d0 = b[p + 8] - 48;
          const d1 = b[p + 9] - 48;
          const t = b[p + 10];
          if (
            b[p + 4] === 45 &&
            b[p + 7] === 45 &&
            (y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1) >>> 0 < 10 &&
            (lastColumn ? t === 10 || (t === 13 && b[p + 11] === 10) : t === d)
          ) {
            const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
            const mo = m0 * 10 + m1;
            const da = d0 * 10 + d1;
            if (validDate(y, mo, da)) {
              values[c][row] = daysFromCivil(y, mo, da);
              valid[c][row] = 1;
              p += t === 13 ? 12 : 11;
              continue;
            }
          }
          p = this.slowDate(b, fs, row, c, lastColumn);
          continue;
        }
        let ch = b[p];
        let neg = false;
        if (ch === 45) {
          neg = true;
          ch = b[++p];
        }
        // the mantissa: m exact below 2^53, then up to four more digits in x (for decimalToDouble)
        let m = 0;
        let x = 0;
        let nx = 0;
        let nd = 0;
        let dot = -1;
        if (ch === 48 && b[p + 1] >= 48 && b[p + 1] <= 57)
          nd = -1; // a leading zero: not strict
        else {
          // integer digits, then (after a point) fraction digits: two tight loops
          let g = ch - 48;
          while (g >= 0 && g <= 9) {
            if (m < 9e14) m = m * 10 + g;
            else {
              x = x * 10 + g;
              nx++;
            }
            nd++;
            g = b[++p] - 48;
          }
          if (g === -2) {
            dot = nd;
            p++;
            // four fraction digits at a time (SWAR: all four are digits when every byte is 0x30–0x39)
            // while m has room for them; the long fractions NumPy writes are mostly read this way
            while (m < 9e10 && p + 4 <= end) {
              const w = dv.getUint32(p, true);
              if ((w & 0xf0f0f0f0) !== 0x30303030 || ((w + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) break;
              const dd = w - 0x30303030; // byte i holds digit i
              const pairs = (dd * 10 + (dd >>> 8)) & 0x00ff00ff; // digits 0·1 and 2·3 as two lanes
              m = m * 10000 + ((pairs & 0xffff) * 100 + (pairs >>> 16));
              nd += 4;
              p += 4;
            }
            g = b[p] - 48;
            while (g >= 0 && g <= 9) {
              if (m < 9e14) m = m * 10 + g;
              else {
                x = x * 10 + g;
                nx++;
              }
              nd++;
              g = b[++p] - 48;
            }
          }
          ch = g + 48;
        }
        const atEnd = lastColumn ? ch === 10 || (ch === 13 && b[p + 1] === 10) : ch === d;
        if (atEnd && nd > 0 && dot !== 0 && dot !== nd) {
          if (numericTokens && this.isMissing(b, fs, p)) {
            // a missing-value token written as a number (--missing -999)
            valid[c][row] = 0;
            p += lastColumn && ch === 13 ? 2 : 1;
            continue;
          }
          let v = Number.NaN;
          if (dot < 0) {
            if (nx === 0) v = m;
          } else {
            if (kinds[c] === INT) this.retypeTo(c, DOUBLE);
            const k = nd - dot;
            if (k <= 22) {
              if (nx === 0) v = m / POW10[k];
              else if (nx <= 4) {
                io[0] = m;
                io[1] = x;
                if (decimalInto(io, nx, k)) v = io[0];
              }
            }
          }
          if (!Number.isNaN(v)) {
            values[c][row] = neg ? -v : v;
            valid[c][row] = 1;
            p += lastColumn && ch === 13 ? 2 : 1;
            continue;
          }
        }
        p = this.slowNumber(b, fs, row, c, lastColumn);
      }
      row++;
    }
    return row;
  }

  /** A numeric field that is not a short strict number: long digits, missing, text, or a stop. */
  private slowNumber(b: Buffer, fs: number, row: number, c: number, lastColumn: boolean): number {
    const e = this.fieldEnd(b, fs, lastColumn);
    const fe = lastColumn && e > fs && b[e - 1] === 13 ? e - 1 : e;
    const valid = this.valid[c];
    valid[row] = 0;
    if (this.isMissing(b, fs, fe)) return e + 1;
    const text = b.toString('latin1', fs, fe);
    const strict = strictNumber(text);
    if (strict) {
      if (strict === 'int' && text.length - (text.charCodeAt(0) === 45 ? 1 : 0) > 15)
        throw new Stop('an integer of more than 15 digits');
      if (strict === 'double' && this.kinds[c] === INT) this.retypeTo(c, DOUBLE);
      this.values[c][row] = Number.parseFloat(text);
      valid[row] = 1;
      return e + 1;
    }
    const value = this.utf8.decode(b.subarray(fs, fe));
    if (leadingZeroInteger(value)) {
      this.retypeTo(c, TEXT); // a code such as a ZIP: DuckDB keeps the column as text
      return e + 1;
    }
    if (numberLike(value)) throw new Stop(`column ${c + 1} has a number in a spelling DuckDB reads itself`);
    if (!textWitness(value)) throw new Stop(`column ${c + 1} has a value that may be a date or a boolean`);
    this.retypeTo(c, TEXT);
    return e + 1;
  }

  /** A timestamp column's field: "YYYY-MM-DD HH:MM[:SS[.ffffff]]", missing, text, or a stop. */
  private slowTimestamp(b: Buffer, fs: number, row: number, c: number, lastColumn: boolean): number {
    const e = this.fieldEnd(b, fs, lastColumn);
    const fe = lastColumn && e > fs && b[e - 1] === 13 ? e - 1 : e;
    const valid = this.valid[c];
    valid[row] = 0;
    if (this.isMissing(b, fs, fe)) return e + 1;
    const value = b.toString('latin1', fs, fe);
    const micros = isoTimestamp(value);
    if (Number.isFinite(micros)) {
      this.values[c][row] = micros;
      valid[row] = 1;
      return e + 1;
    }
    if (Number.isNaN(micros)) {
      const text = this.utf8.decode(b.subarray(fs, fe));
      // (a zoned timestamp among naive ones DuckDB may still read as TIMESTAMP: its call)
      if (!zonedTimestamp(text) && (strictNumber(text) || leadingZeroInteger(text) || textWitness(text))) {
        this.retypeTo(c, TEXT);
        return e + 1;
      }
    }
    throw new Stop(`column ${c + 1} has a date or time in another spelling`);
  }

  /** A date column's field that is not "YYYY-MM-DD" (or not a day that exists): missing, text, or a stop. */
  private slowDate(b: Buffer, fs: number, row: number, c: number, lastColumn: boolean): number {
    const e = this.fieldEnd(b, fs, lastColumn);
    const fe = lastColumn && e > fs && b[e - 1] === 13 ? e - 1 : e;
    this.valid[c][row] = 0;
    if (this.isMissing(b, fs, fe)) return e + 1;
    const value = this.utf8.decode(b.subarray(fs, fe));
    const days = isoDate(value);
    if (Number.isFinite(days)) {
      this.values[c][row] = days;
      this.valid[c][row] = 1;
      return e + 1;
    }
    // a day that does not exist, a number, a word: DuckDB's DATE fails, so the column is text
    if (
      days === Number.NEGATIVE_INFINITY ||
      strictNumber(value) ||
      leadingZeroInteger(value) ||
      (textWitness(value) && !zonedTimestamp(value))
    ) {
      this.retypeTo(c, TEXT);
      return e + 1;
    }
    throw new Stop(`column ${c + 1} has a date or time in another spelling`);
  }
}

/** Reads `task`'s byte range and writes it as one Parquet file; the caller removes it on failure. */
export function convertRange(task: RangeTask): RangeResult {
  const fd = openSync(task.file, 'r');
  let out = -1;
  try {
    const parser = new BlockParser(task.kinds, task.delimiter, task.missing);
    const columns: ParquetColumn[] = task.names.map((name, c) => ({
      name,
      type: PARQUET_TYPES[task.kinds[c]],
    }));
    out = openSync(task.out, 'w');
    const writer = new ParquetFileWriter(out, columns);
    let buf = Buffer.allocUnsafe(BLOCK + (1 << 16));
    let carry = 0;
    let pos = task.from;
    let rows = 0;
    while (pos < task.to || carry > 0) {
      const want = Math.min(buf.length - carry - 1, task.to - pos);
      const n = want > 0 ? readSync(fd, buf, carry, want, pos) : 0;
      pos += n;
      const avail = carry + n;
      let end: number;
      if (pos >= task.to) {
        // the range's end: whole lines by construction, but the file's last line may lack '\n'
        if (avail > 0 && buf[avail - 1] !== 10) {
          if (!task.last) return { ok: false, bail: 'a range did not end at a line end' };
          buf[avail] = 10;
          end = avail + 1;
        } else end = avail;
      } else {
        end = buf.lastIndexOf(10, avail - 1) + 1;
        if (end === 0) {
          // a line longer than the buffer: grow it and read on
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, avail);
          buf = bigger;
          carry = avail;
          continue;
        }
      }
      const block = buf.subarray(0, end);
      if (block.indexOf(0) >= 0) return { ok: false, bail: 'the file contains a NUL byte' };
      if (!isUtf8(block)) return { ok: false, bail: 'the file is not valid UTF-8' };
      const got = parser.parse(buf, 0, end);
      if (parser.retype.size === 0) writer.writeRowGroup(parser.columns(buf), got);
      rows += got;
      carry = avail - end;
      if (carry > 0) buf.copy(buf, 0, end, avail);
      if (pos >= task.to && carry <= 0) break;
    }
    if (parser.retype.size > 0) {
      return { ok: false, retype: [...parser.retype].map(([column, to]) => ({ column, to })) };
    }
    writer.finish();
    return { ok: true, rows };
  } catch (e) {
    if (e instanceof Stop) return { ok: false, bail: e.bail };
    throw e;
  } finally {
    closeSync(fd);
    if (out >= 0) closeSync(out);
  }
}
