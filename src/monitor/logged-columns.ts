/**
 * The columnar payload of a many-row prediction-log record: the request's feature values, column by
 * column in the model's feature order, then its probabilities and labels. Numbers are stored as their
 * float64 bits (NaN = missing), categorical values as int32 codes into a dictionary (−1 = missing),
 * so a 10,000 × 30 request costs 2.4 MB of copies instead of 300,000 JSON values.
 *
 * Layout (little-endian, as the model artifact's weights): `AGLC` · u32 header length · JSON header
 * `{"v":1,"n":…,"cols":[{"k":"f64"} | {"k":"cat","dict":[…]}],"proba":bool,"labels":[…] | null}` (a record
 * grouping one-row requests adds `"req":[ids…],"ts":[times…]`, one per row) ·
 * zero padding to a multiple of 8 · the f64 columns in order · probabilities (f64) · the cat
 * columns' codes in order (int32) · label codes (int32). Float64 sections come first so that each
 * stays 8-byte aligned.
 */

/** One logged feature column: numbers (NaN = missing) or categorical codes (−1 = missing). */
export type LoggedColumn =
  | Float64Array
  | { readonly codes: Int32Array; readonly dictionary: readonly string[] };

interface Header {
  readonly v: 1;
  readonly n: number;
  readonly cols: ({ readonly k: 'f64' } | { readonly k: 'cat'; readonly dict: readonly string[] })[];
  readonly proba: boolean;
  readonly labels: readonly string[] | null;
  /** A record grouping one-row requests: each row's request id and time. */
  readonly req?: readonly string[];
  readonly ts?: readonly string[];
}

/** The requests of a grouped record, one per row. */
export interface LoggedRequests {
  readonly ids: readonly string[];
  readonly ts: readonly string[];
}

const MAGIC = 0x434c4741; // 'AGLC' read as a little-endian u32

/** Columns of raw rows (as `NativeModel.toFrame` returns them: numbers, strings, null). */
export function columnsFromRows(rows: readonly (readonly (number | string | null)[])[]): LoggedColumn[] {
  const n = rows.length;
  const F = n ? rows[0].length : 0;
  const out: LoggedColumn[] = [];
  for (let j = 0; j < F; j++) {
    let categorical = false;
    for (let i = 0; i < n && !categorical; i++) categorical = typeof rows[i][j] === 'string';
    if (!categorical) {
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i][j];
        c[i] = v === null || v === undefined ? Number.NaN : (v as number);
      }
      out.push(c);
    } else {
      const dictionary: string[] = [];
      const index = new Map<string, number>();
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i][j];
        if (v === null || v === undefined) codes[i] = -1;
        else {
          const s = String(v);
          let k = index.get(s);
          if (k === undefined) {
            k = dictionary.length;
            dictionary.push(s);
            index.set(s, k);
          }
          codes[i] = k;
        }
      }
      out.push({ codes, dictionary });
    }
  }
  return out;
}

/** Encodes `n` rows: feature columns, probabilities (or null) and labels. */
export function encodeLoggedColumns(
  n: number,
  columns: readonly LoggedColumn[],
  probability: ArrayLike<number> | null,
  labels: readonly (string | null)[],
  requests?: LoggedRequests,
  /** Where the bytes go (e.g. a pooled buffer; its contents need not be zero); default a new one. */
  alloc: (size: number) => Buffer = Buffer.alloc,
): Buffer {
  const labelDict: string[] = [];
  const labelIndex = new Map<string, number>();
  const labelCodes = new Int32Array(n);
  let anyLabel = false;
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l === null || l === undefined) {
      labelCodes[i] = -1;
      continue;
    }
    anyLabel = true;
    let k = labelIndex.get(l);
    if (k === undefined) {
      k = labelDict.length;
      labelDict.push(l);
      labelIndex.set(l, k);
    }
    labelCodes[i] = k;
  }
  const header: Header = {
    v: 1,
    n,
    cols: columns.map((c) => (c instanceof Float64Array ? { k: 'f64' } : { k: 'cat', dict: c.dictionary })),
    proba: probability !== null,
    labels: anyLabel ? labelDict : null,
    ...(requests ? { req: requests.ids, ts: requests.ts } : {}),
  };
  const head = Buffer.from(JSON.stringify(header));
  const start = Math.ceil((8 + head.length) / 8) * 8;
  let size = start;
  for (const c of columns) size += c instanceof Float64Array ? 8 * n : 4 * n;
  if (probability) size += 8 * n;
  if (anyLabel) size += 4 * n;
  const buf = alloc(size).subarray(0, size);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(head.length, 4);
  head.copy(buf, 8);
  buf.fill(0, 8 + head.length, start);
  let at = start;
  const put = (a: Float64Array | Int32Array) => {
    buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  };
  for (const c of columns) if (c instanceof Float64Array) put(c);
  if (probability) put(probability instanceof Float64Array ? probability : Float64Array.from(probability));
  for (const c of columns) if (!(c instanceof Float64Array)) put(c.codes);
  if (anyLabel) put(labelCodes);
  return buf;
}

/** Decoded rows: per feature, the values as logged (numbers, strings, null for missing). */
export interface DecodedLoggedRows {
  readonly n: number;
  readonly columns: (number | string | null)[][];
  readonly probability: Float64Array | null;
  readonly labels: (string | null)[];
  /** For a record grouping one-row requests: each row's request id and time. */
  readonly requests: LoggedRequests | null;
}

/** Decodes a payload written by `encodeLoggedColumns`. */
export function decodeLoggedColumns(payload: Uint8Array): DecodedLoggedRows {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC)
    throw new Error('not a columnar prediction-log payload');
  const hl = buf.readUInt32LE(4);
  const header = JSON.parse(buf.toString('utf8', 8, 8 + hl)) as Header;
  if (header.v !== 1) throw new Error(`columnar prediction-log payload version ${header.v} is not supported`);
  const n = header.n;
  // copy into aligned memory once (a blob from the database may sit at any offset)
  const start = Math.ceil((8 + hl) / 8) * 8;
  const body = new Uint8Array(buf.length - start);
  body.set(buf.subarray(start));
  let at = 0;
  const f64 = () => {
    const a = new Float64Array(body.buffer, at, n);
    at += 8 * n;
    return a;
  };
  const i32 = () => {
    const a = new Int32Array(body.buffer, at, n);
    at += 4 * n;
    return a;
  };
  const columns = header.cols.map(() => new Array<number | string | null>(n));
  header.cols.forEach((c, j) => {
    if (c.k !== 'f64') return;
    const a = f64();
    const out = columns[j];
    for (let i = 0; i < n; i++) out[i] = Number.isNaN(a[i]) ? null : a[i];
  });
  const probability = header.proba ? Float64Array.from(f64()) : null;
  header.cols.forEach((c, j) => {
    if (c.k !== 'cat') return;
    const a = i32();
    const out = columns[j];
    for (let i = 0; i < n; i++) out[i] = a[i] < 0 ? null : c.dict[a[i]];
  });
  const labels = new Array<string | null>(n).fill(null);
  if (header.labels) {
    const a = i32();
    for (let i = 0; i < n; i++) labels[i] = a[i] < 0 ? null : header.labels[a[i]];
  }
  const requests = header.req && header.ts ? { ids: header.req, ts: header.ts } : null;
  return { n, columns, probability, labels, requests };
}
