/**
 * A small Parquet writer for typed columns: DOUBLE, INT64, DATE, TIMESTAMP and UTF-8 strings, every column OPTIONAL,
 * uncompressed, one data page per column chunk (v1 pages, definition levels RLE/bit-packed), strings
 * dictionary-encoded (RLE_DICTIONARY) while a row group's distinct values stay few and PLAIN
 * otherwise, with min/max/null-count statistics on every chunk so that DuckDB can prune on them.
 *
 * Format: https://github.com/apache/parquet-format (parquet.thrift, Encodings.md). The values of a
 * DOUBLE column are written as they are in memory (little-endian IEEE 754), so a row group costs
 * little more than a copy of its columns.
 */
import { writeSync } from 'node:fs';
import { encodeStruct, type TField } from './thrift.js';

/**
 * DATE: days since 1970-01-01 (INT32, DATE logical type). TIMESTAMP: microseconds since
 * 1970-01-01 00:00, no time zone (INT64, TIMESTAMP(isAdjustedToUTC = false, MICROS)).
 */
export type ParquetType = 'DOUBLE' | 'INT64' | 'DATE' | 'TIMESTAMP' | 'UTF8';

export interface ParquetColumn {
  readonly name: string;
  readonly type: ParquetType;
}

/**
 * One column of a row group. Numbers: `values[i]` where `valid[i]` is 1 (an INT64 column holds
 * integers with |v| ≤ 2^53). Text: the bytes `bytes[starts[i]..ends[i])`, or missing where
 * `starts[i]` < 0.
 */
export type ColumnData =
  | { readonly kind: 'num'; readonly values: Float64Array; readonly valid: Uint8Array }
  | {
      readonly kind: 'text';
      readonly bytes: Uint8Array;
      readonly starts: Int32Array;
      readonly ends: Int32Array;
      /** FNV-1a of each value's bytes, when the parser computed it (saves hashing again). */
      readonly hashes?: Int32Array;
    };

// parquet.thrift enums
const T_INT32 = 1;
const T_INT64 = 2;
const T_DOUBLE = 5;
const T_BYTE_ARRAY = 6;
const OPTIONAL = 1;
const CONVERTED_UTF8 = 0;
const CONVERTED_DATE = 6;
const ENC_PLAIN = 0;
const ENC_RLE = 3;
const ENC_RLE_DICTIONARY = 8;
const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;
const CODEC_UNCOMPRESSED = 0;

/** A row group's distinct strings above this count (or above half its rows) are written PLAIN. */
const MAX_DICTIONARY = 1 << 15;
/** Room kept in front of a page's data for its header, which is encoded once the data are known. */
const HEADER_ROOM = 96;

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"

function physicalType(t: ParquetType): number {
  if (t === 'DOUBLE') return T_DOUBLE;
  if (t === 'INT64' || t === 'TIMESTAMP') return T_INT64;
  return t === 'DATE' ? T_INT32 : T_BYTE_ARRAY;
}

/** A reusable output buffer that grows as needed. */
class Out {
  buf = new Uint8Array(1 << 20);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v & 255;
    b[p + 1] = (v >>> 8) & 255;
    b[p + 2] = (v >>> 16) & 255;
    b[p + 3] = (v >>> 24) & 255;
    this.pos = p + 4;
  }

  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }
}

interface ChunkMeta {
  readonly type: number;
  readonly encodings: number[];
  readonly name: string;
  readonly numValues: number;
  readonly size: number;
  readonly dataPageOffset: number;
  readonly dictionaryPageOffset: number | null;
  readonly nulls: number;
  readonly min: Uint8Array | null;
  readonly max: Uint8Array | null;
}

interface RowGroupMeta {
  readonly rows: number;
  readonly size: number;
  readonly offset: number;
  readonly chunks: ChunkMeta[];
}

/** Writes one Parquet file to an open descriptor, a row group at a time; `finish` adds the footer. */
export class ParquetFileWriter {
  private offset = 0;
  private readonly out = new Out();
  private readonly groups: RowGroupMeta[] = [];
  private totalRows = 0;
  /** Columns whose strings were too varied for a dictionary once: written PLAIN from then on. */
  private readonly plainText = new Set<number>();
  // scratch, reused across row groups
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);
  private codes = new Int32Array(0);
  private table = new Int32Array(0);
  private entStart = new Int32Array(0);
  private entEnd = new Int32Array(0);
  private entHash = new Int32Array(0);
  private validBytes = new Uint8Array(0);
  private readonly scratchBytes = new ArrayBuffer(8);
  private readonly scratchView = new DataView(this.scratchBytes);

  constructor(
    private readonly fd: number,
    readonly columns: readonly ParquetColumn[],
  ) {
    this.write(MAGIC, 0, 4);
  }

  private write(buf: Uint8Array, from: number, length: number): void {
    let done = 0;
    while (done < length) done += writeSync(this.fd, buf, from + done, length - done);
    this.offset += length;
  }

  writeRowGroup(cols: readonly ColumnData[], rows: number): void {
    if (rows === 0) return;
    const start = this.offset;
    const chunks: ChunkMeta[] = [];
    for (let c = 0; c < this.columns.length; c++) {
      const col = this.columns[c];
      const data = cols[c];
      if (data.kind === 'num') chunks.push(this.numberChunk(col, data.values, data.valid, rows));
      else chunks.push(this.textChunk(c, col, data, rows));
    }
    this.groups.push({ rows, size: this.offset - start, offset: start, chunks });
    this.totalRows += rows;
  }

  /** Writes the footer. The descriptor stays open (the caller closes it). */
  finish(): void {
    const schema: TField[][] = [
      [
        { id: 4, t: 'binary', v: 'aegle_schema' },
        { id: 5, t: 'i32', v: this.columns.length },
      ],
    ];
    for (const col of this.columns) {
      const f: TField[] = [
        { id: 1, t: 'i32', v: physicalType(col.type) },
        { id: 3, t: 'i32', v: OPTIONAL },
        { id: 4, t: 'binary', v: col.name },
      ];
      if (col.type === 'UTF8') {
        f.push({ id: 6, t: 'i32', v: CONVERTED_UTF8 });
        f.push({ id: 10, t: 'struct', v: [{ id: 1, t: 'struct', v: [] }] }); // LogicalType STRING
      } else if (col.type === 'DATE') {
        f.push({ id: 6, t: 'i32', v: CONVERTED_DATE });
        f.push({ id: 10, t: 'struct', v: [{ id: 6, t: 'struct', v: [] }] }); // LogicalType DATE
      } else if (col.type === 'TIMESTAMP') {
        // LogicalType TIMESTAMP { isAdjustedToUTC: false, unit: MICROS }; no converted type (those imply UTC)
        f.push({
          id: 10,
          t: 'struct',
          v: [
            {
              id: 8,
              t: 'struct',
              v: [
                { id: 1, t: 'bool', v: false },
                { id: 2, t: 'struct', v: [{ id: 2, t: 'struct', v: [] }] },
              ],
            },
          ],
        });
      }
      schema.push(f);
    }
    const rowGroups = this.groups.map((g): TField[] => [
      {
        id: 1,
        t: 'list-struct',
        v: g.chunks.map((m): TField[] => [
          { id: 2, t: 'i64', v: m.dictionaryPageOffset ?? m.dataPageOffset },
          { id: 3, t: 'struct', v: columnMetaData(m) },
        ]),
      },
      { id: 2, t: 'i64', v: g.size },
      { id: 3, t: 'i64', v: g.rows },
      { id: 5, t: 'i64', v: g.offset },
      { id: 6, t: 'i64', v: g.size },
    ]);
    const footer = encodeStruct([
      { id: 1, t: 'i32', v: 1 },
      { id: 2, t: 'list-struct', v: schema },
      { id: 3, t: 'i64', v: this.totalRows },
      { id: 4, t: 'list-struct', v: rowGroups },
      { id: 6, t: 'binary', v: 'aegle' },
      // column_orders: TYPE_DEFINED_ORDER for each column (min/max are typed, strings byte-wise)
      { id: 7, t: 'list-struct', v: this.columns.map((): TField[] => [{ id: 1, t: 'struct', v: [] }]) },
    ]);
    this.write(footer, 0, footer.length);
    const tail = new Uint8Array(8);
    new DataView(tail.buffer).setUint32(0, footer.length, true);
    tail.set(MAGIC, 4);
    this.write(tail, 0, 8);
  }

  // ---- column chunks -------------------------------------------------------------------------

  private numberChunk(col: ParquetColumn, values: Float64Array, valid: Uint8Array, rows: number): ChunkMeta {
    const out = this.out;
    let k = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    const isInt = col.type === 'INT64' || col.type === 'TIMESTAMP';
    const isDate = col.type === 'DATE';
    if (isInt) {
      if (this.i32.length < rows * 2) this.i32 = new Int32Array(rows * 2);
    } else if (isDate) {
      if (this.i32.length < rows) this.i32 = new Int32Array(rows);
    } else if (this.f64.length < rows) this.f64 = new Float64Array(rows);
    const f64 = this.f64;
    const i32 = this.i32;
    if (isInt) {
      for (let i = 0; i < rows; i++) {
        if (valid[i] === 0) continue;
        const v = values[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (v >= -2147483648 && v <= 2147483647) {
          i32[2 * k] = v;
          i32[2 * k + 1] = v < 0 ? -1 : 0;
        } else {
          const h = Math.floor(v / 4294967296);
          i32[2 * k] = v - h * 4294967296;
          i32[2 * k + 1] = h;
        }
        k++;
      }
    } else if (isDate) {
      for (let i = 0; i < rows; i++) {
        if (valid[i] === 0) continue;
        const v = values[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        i32[k++] = v;
      }
    } else {
      for (let i = 0; i < rows; i++) {
        if (valid[i] === 0) continue;
        const v = values[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        f64[k++] = v;
      }
    }
    out.pos = 0;
    out.ensure(HEADER_ROOM + 16 + (rows >> 3));
    out.pos = HEADER_ROOM;
    this.definitionLevels(valid, rows, k);
    // the values go from the scratch array straight to the file, after the header and levels
    const bytes = isInt
      ? new Uint8Array(i32.buffer, 0, k * 8)
      : isDate
        ? new Uint8Array(i32.buffer, 0, k * 4)
        : new Uint8Array(f64.buffer, 0, k * 8);
    const dataPageOffset = this.offset;
    this.flushPage(PAGE_DATA, rows, ENC_PLAIN, bytes);
    return {
      type: physicalType(col.type),
      encodings: [ENC_PLAIN, ENC_RLE],
      name: col.name,
      numValues: rows,
      size: this.offset - dataPageOffset,
      dataPageOffset,
      dictionaryPageOffset: null,
      nulls: rows - k,
      min: k ? this.numberStat(lo, col.type) : null,
      max: k ? this.numberStat(hi, col.type) : null,
    };
  }

  private numberStat(v: number, type: ParquetType): Uint8Array {
    if (type === 'INT64' || type === 'TIMESTAMP') this.scratchView.setBigInt64(0, BigInt(v), true);
    else if (type === 'DATE') {
      this.scratchView.setInt32(0, v, true);
      return new Uint8Array(this.scratchBytes.slice(0, 4));
    } else this.scratchView.setFloat64(0, v, true);
    return new Uint8Array(this.scratchBytes.slice(0));
  }

  private textChunk(
    c: number,
    col: ParquetColumn,
    data: Extract<ColumnData, { kind: 'text' }>,
    rows: number,
  ): ChunkMeta {
    const start = this.offset;
    if (!this.plainText.has(c)) {
      const meta = this.dictionaryChunk(col, data, rows, start);
      if (meta) return meta;
      this.plainText.add(c);
    }
    const { bytes, starts, ends } = data;
    const out = this.out;
    let k = 0;
    let total = 0;
    const valid = this.validity(starts, rows);
    for (let i = 0; i < rows; i++) {
      const s = starts[i];
      if (s < 0) continue;
      total += ends[i] - s;
      k++;
    }
    out.pos = 0;
    out.ensure(HEADER_ROOM + 16 + (rows >> 3) + total + 4 * k);
    out.pos = HEADER_ROOM;
    this.definitionLevels(valid, rows, k);
    const buf = out.buf;
    let p = out.pos;
    for (let i = 0; i < rows; i++) {
      const s = starts[i];
      if (s < 0) continue;
      const e = ends[i];
      const n = e - s;
      buf[p] = n & 255;
      buf[p + 1] = (n >>> 8) & 255;
      buf[p + 2] = (n >>> 16) & 255;
      buf[p + 3] = (n >>> 24) & 255;
      p += 4;
      if (n < 32) for (let j = s; j < e; j++) buf[p++] = bytes[j];
      else {
        buf.set(bytes.subarray(s, e), p);
        p += n;
      }
    }
    out.pos = p;
    this.flushPage(PAGE_DATA, rows, ENC_PLAIN);
    return {
      type: T_BYTE_ARRAY,
      encodings: [ENC_PLAIN, ENC_RLE],
      name: col.name,
      numValues: rows,
      size: this.offset - start,
      dataPageOffset: start,
      dictionaryPageOffset: null,
      nulls: rows - k,
      // no min/max for PLAIN text: comparing every value costs more than its pruning saves
      min: null,
      max: null,
    };
  }

  /** A dictionary page and an RLE_DICTIONARY data page, or null (nothing written) when too varied. */
  private dictionaryChunk(
    col: ParquetColumn,
    data: Extract<ColumnData, { kind: 'text' }>,
    rows: number,
    start: number,
  ): ChunkMeta | null {
    const { bytes, starts, ends, hashes } = data;
    const limit = Math.min(MAX_DICTIONARY, Math.max(16, rows >> 1));
    let size = 16;
    while (size < limit * 2) size <<= 1;
    if (this.table.length < size) this.table = new Int32Array(size);
    const table = this.table;
    table.fill(-1, 0, size);
    const mask = size - 1;
    if (this.entStart.length < limit + 1) {
      this.entStart = new Int32Array(limit + 1);
      this.entEnd = new Int32Array(limit + 1);
      this.entHash = new Int32Array(limit + 1);
    }
    if (this.codes.length < rows) this.codes = new Int32Array(rows);
    const entStart = this.entStart;
    const entEnd = this.entEnd;
    const entHash = this.entHash;
    const codes = this.codes;
    let n = 0;
    let k = 0;
    let dictBytes = 0;
    for (let i = 0; i < rows; i++) {
      const s = starts[i];
      if (s < 0) continue;
      const e = ends[i];
      let h: number;
      if (hashes) h = hashes[i];
      else {
        h = 0x811c9dc5;
        for (let j = s; j < e; j++) h = Math.imul(h ^ bytes[j], 16777619);
      }
      let slot = (h ^ (h >>> 15)) & mask;
      let code = -1;
      for (;;) {
        const at = table[slot];
        if (at < 0) break;
        if (entHash[at] === h) {
          const es = entStart[at];
          const len = e - s;
          if (entEnd[at] - es === len) {
            let j = 0;
            while (j < len && bytes[s + j] === bytes[es + j]) j++;
            if (j === len) {
              code = at;
              break;
            }
          }
        }
        slot = (slot + 1) & mask;
      }
      if (code < 0) {
        if (n === limit) return null;
        code = n++;
        table[slot] = code;
        entStart[code] = s;
        entEnd[code] = e;
        entHash[code] = h;
        dictBytes += e - s;
      }
      codes[k++] = code;
    }
    const out = this.out;
    // dictionary page: PLAIN byte arrays
    out.pos = 0;
    out.ensure(HEADER_ROOM + dictBytes + 4 * n);
    out.pos = HEADER_ROOM;
    let minAt = -1;
    let maxAt = -1;
    for (let d = 0; d < n; d++) {
      const s = entStart[d];
      const e = entEnd[d];
      out.u32(e - s);
      out.buf.set(bytes.subarray(s, e), out.pos);
      out.pos += e - s;
      if (minAt < 0 || compareBytes(bytes, s, e, entStart[minAt], entEnd[minAt]) < 0) minAt = d;
      if (maxAt < 0 || compareBytes(bytes, s, e, entStart[maxAt], entEnd[maxAt]) > 0) maxAt = d;
    }
    this.flushPage(PAGE_DICTIONARY, n, ENC_PLAIN);
    // data page: definition levels, then the bit width and the codes as one bit-packed run
    const dataPageOffset = this.offset;
    const width = Math.max(1, Math.ceil(Math.log2(Math.max(n, 2))));
    const groups = (k + 7) >> 3;
    out.pos = 0;
    out.ensure(HEADER_ROOM + 32 + (rows >> 3) + groups * width);
    out.pos = HEADER_ROOM;
    this.definitionLevels(this.validity(starts, rows), rows, k);
    out.buf[out.pos++] = width;
    if (k > 0) {
      out.varint((groups << 1) | 1);
      bitPack(out, codes, k, groups * 8, width);
    }
    this.flushPage(PAGE_DATA, rows, ENC_RLE_DICTIONARY);
    return {
      type: T_BYTE_ARRAY,
      encodings: [ENC_PLAIN, ENC_RLE, ENC_RLE_DICTIONARY],
      name: col.name,
      numValues: rows,
      size: this.offset - start,
      dataPageOffset,
      dictionaryPageOffset: start,
      nulls: rows - k,
      min: n ? bytes.slice(entStart[minAt], entEnd[minAt]) : null,
      max: n ? bytes.slice(entStart[maxAt], entEnd[maxAt]) : null,
    };
  }

  private validity(starts: Int32Array, rows: number): Uint8Array {
    if (this.validBytes.length < rows) this.validBytes = new Uint8Array(rows);
    const v = this.validBytes;
    for (let i = 0; i < rows; i++) v[i] = starts[i] < 0 ? 0 : 1;
    return v;
  }

  /** Definition levels (bit width 1) with their 4-byte length, at `out.pos`. */
  private definitionLevels(valid: Uint8Array, rows: number, present: number): void {
    const out = this.out;
    const lenAt = out.pos;
    out.pos += 4;
    const from = out.pos;
    if (present === rows) {
      out.varint(rows << 1); // one RLE run of 1s
      out.buf[out.pos++] = 1;
    } else {
      const groups = (rows + 7) >> 3;
      out.varint((groups << 1) | 1); // one bit-packed run
      const buf = out.buf;
      let p = out.pos;
      const full = rows >> 3;
      for (let g = 0, i = 0; g < full; g++, i += 8) {
        buf[p++] =
          valid[i] |
          (valid[i + 1] << 1) |
          (valid[i + 2] << 2) |
          (valid[i + 3] << 3) |
          (valid[i + 4] << 4) |
          (valid[i + 5] << 5) |
          (valid[i + 6] << 6) |
          (valid[i + 7] << 7);
      }
      if (full < groups) {
        let b = 0;
        for (let i = full << 3, j = 0; i < rows; i++, j++) b |= valid[i] << j;
        buf[p++] = b;
      }
      out.pos = p;
    }
    const n = out.pos - from;
    const b = out.buf;
    b[lenAt] = n & 255;
    b[lenAt + 1] = (n >>> 8) & 255;
    b[lenAt + 2] = (n >>> 16) & 255;
    b[lenAt + 3] = (n >>> 24) & 255;
  }

  /**
   * Puts the page header in front of the data written from HEADER_ROOM and writes the page; `tail`,
   * when given, is the rest of the page's data.
   */
  private flushPage(type: number, numValues: number, encoding: number, tail?: Uint8Array): void {
    const out = this.out;
    const size = out.pos - HEADER_ROOM + (tail ? tail.length : 0);
    const fields: TField[] = [
      { id: 1, t: 'i32', v: type },
      { id: 2, t: 'i32', v: size },
      { id: 3, t: 'i32', v: size },
    ];
    if (type === PAGE_DATA) {
      fields.push({
        id: 5,
        t: 'struct',
        v: [
          { id: 1, t: 'i32', v: numValues },
          { id: 2, t: 'i32', v: encoding },
          { id: 3, t: 'i32', v: ENC_RLE },
          { id: 4, t: 'i32', v: ENC_RLE },
        ],
      });
    } else {
      fields.push({
        id: 7,
        t: 'struct',
        v: [
          { id: 1, t: 'i32', v: numValues },
          { id: 2, t: 'i32', v: ENC_PLAIN },
        ],
      });
    }
    const header = encodeStruct(fields);
    const from = HEADER_ROOM - header.length;
    out.buf.set(header, from);
    this.write(out.buf, from, out.pos - from);
    if (tail) this.write(tail, 0, tail.length);
  }
}

function columnMetaData(m: ChunkMeta): TField[] {
  const stats: TField[] = [{ id: 3, t: 'i64', v: m.nulls }];
  if (m.max) stats.push({ id: 5, t: 'binary', v: m.max });
  if (m.min) stats.push({ id: 6, t: 'binary', v: m.min });
  const f: TField[] = [
    { id: 1, t: 'i32', v: m.type },
    { id: 2, t: 'list-i32', v: m.encodings },
    { id: 3, t: 'list-binary', v: [m.name] },
    { id: 4, t: 'i32', v: CODEC_UNCOMPRESSED },
    { id: 5, t: 'i64', v: m.numValues },
    { id: 6, t: 'i64', v: m.size },
    { id: 7, t: 'i64', v: m.size },
    { id: 9, t: 'i64', v: m.dataPageOffset },
  ];
  if (m.dictionaryPageOffset !== null) f.push({ id: 11, t: 'i64', v: m.dictionaryPageOffset });
  f.push({ id: 12, t: 'struct', v: stats });
  return f;
}

/** Packs `count` values (`padded` ≥ count, a multiple of 8; zeros after `count`) LSB first. */
function bitPack(out: Out, values: Int32Array, count: number, padded: number, width: number): void {
  const buf = out.buf;
  let p = out.pos;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < padded; i++) {
    acc |= (i < count ? values[i] : 0) << bits;
    bits += width;
    while (bits >= 8) {
      buf[p++] = acc & 255;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) buf[p++] = acc & 255;
  out.pos = p;
}

/** Unsigned byte-wise comparison (Parquet's order for UTF-8 statistics). */
function compareBytes(b: Uint8Array, s1: number, e1: number, s2: number, e2: number): number {
  const n = Math.min(e1 - s1, e2 - s2);
  for (let i = 0; i < n; i++) {
    const d = b[s1 + i] - b[s2 + i];
    if (d !== 0) return d;
  }
  return e1 - s1 - (e2 - s2);
}
