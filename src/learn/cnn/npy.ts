/**
 * Tiny readers for NumPy `.npy` (format 1.0–3.0, little-endian u1/i1/u2/i2/i4/i8/f4/f8, C order) and
 * `.npz` (a zip of .npy members, stored or deflated; PKWARE APPNOTE §4.3). Enough for MedMNIST.
 */
import { inflateRawSync } from 'node:zlib';

export interface NpyArray {
  readonly dtype: string;
  readonly shape: number[];
  readonly data:
    | Uint8Array
    | Int8Array
    | Uint16Array
    | Int16Array
    | Int32Array
    | Float32Array
    | Float64Array
    | BigInt64Array;
}

export function parseNpy(buf: Uint8Array): NpyArray {
  if (buf[0] !== 0x93 || String.fromCharCode(...buf.subarray(1, 6)) !== 'NUMPY')
    throw new Error('not a .npy file');
  const major = buf[6];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(buf.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (!descr) throw new Error('npy header without descr');
  if (fortran) throw new Error('Fortran-ordered npy arrays are not supported');
  const start = hstart + hlen;
  const bytes = buf.slice(start);
  const t = descr.replace(/^[<|=]/, '');
  if (descr.startsWith('>')) throw new Error('big-endian npy arrays are not supported');
  const ctor = {
    u1: Uint8Array,
    i1: Int8Array,
    u2: Uint16Array,
    i2: Int16Array,
    i4: Int32Array,
    f4: Float32Array,
    f8: Float64Array,
    i8: BigInt64Array,
    b1: Uint8Array,
  }[t];
  if (!ctor) throw new Error(`npy dtype ${descr} is not supported`);
  return { dtype: t, shape, data: new ctor(bytes.buffer, 0, bytes.byteLength / ctor.BYTES_PER_ELEMENT) };
}

/** Members of a zip archive (no zip64, no encryption). */
export function readZip(buf: Uint8Array): Map<string, Uint8Array> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = dv.getUint16(eocd + 10, true);
  let p = dv.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let k = 0; k < count; k++) {
    if (dv.getUint32(p, true) !== 0x02014b50) throw new Error('bad zip central directory');
    const method = dv.getUint16(p + 10, true);
    const csize = dv.getUint32(p + 20, true);
    const nlen = dv.getUint16(p + 28, true);
    const elen = dv.getUint16(p + 30, true);
    const clen = dv.getUint16(p + 32, true);
    const local = dv.getUint32(p + 42, true);
    const name = new TextDecoder().decode(buf.subarray(p + 46, p + 46 + nlen));
    const lnlen = dv.getUint16(local + 26, true);
    const lelen = dv.getUint16(local + 28, true);
    const data = buf.subarray(local + 30 + lnlen + lelen, local + 30 + lnlen + lelen + csize);
    if (method === 0) out.set(name, data);
    else if (method === 8) out.set(name, new Uint8Array(inflateRawSync(data)));
    else throw new Error(`zip member ${name}: compression method ${method} is not supported`);
    p += 46 + nlen + elen + clen;
  }
  return out;
}

/** Arrays of an .npz, keyed without the `.npy` suffix. */
export function parseNpz(buf: Uint8Array): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const [name, bytes] of readZip(buf)) out.set(name.replace(/\.npy$/, ''), parseNpy(bytes));
  return out;
}
