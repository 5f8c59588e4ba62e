/**
 * Packing a fitted model's named typed arrays into one little-endian buffer (the artifact's
 * `weights.bin`) and back. Each array starts at an 8-byte-aligned offset; the table of names,
 * dtypes, offsets and lengths goes in the manifest. Pure: no I/O.
 */
import { createError } from '../core/index.js';
import type { ModelArrays } from './estimator.js';

export type DType = 'float64' | 'float32' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'int8' | 'int16';

export interface ArrayEntry {
  readonly name: string;
  readonly dtype: DType;
  /** Byte offset in the buffer. */
  readonly offset: number;
  /** Number of elements. */
  readonly length: number;
}

const CTORS = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  int8: Int8Array,
  int16: Int16Array,
} as const;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function dtypeOf(a: ModelArrays[string]): DType {
  for (const [name, C] of Object.entries(CTORS)) if (a instanceof C) return name as DType;
  throw createError('AEGLE_LEARN_BAD_STATE', {
    kind: 'model',
    reason: 'an array is not a supported typed array',
  });
}

/** Packs arrays (in name order) into one buffer; returns the buffer and its table. */
export function packArrays(arrays: ModelArrays, prefix = ''): { buffer: Uint8Array; entries: ArrayEntry[] } {
  const names = Object.keys(arrays).sort();
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const name of names) {
    const a = arrays[name];
    offset = Math.ceil(offset / 8) * 8;
    entries.push({ name: prefix + name, dtype: dtypeOf(a), offset, length: a.length });
    offset += a.byteLength;
  }
  const buffer = new Uint8Array(Math.ceil(offset / 8) * 8);
  names.forEach((name, k) => {
    const a = arrays[name];
    const e = entries[k];
    if (LITTLE_ENDIAN || a.BYTES_PER_ELEMENT === 1) {
      buffer.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), e.offset);
    } else {
      const view = new DataView(buffer.buffer, e.offset, a.byteLength);
      writeLE(view, a, e.dtype);
    }
  });
  return { buffer, entries };
}

function writeLE(view: DataView, a: ModelArrays[string], dtype: DType): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (dtype === 'float64') view.setFloat64(i * 8, v, true);
    else if (dtype === 'float32') view.setFloat32(i * 4, v, true);
    else if (dtype === 'int32') view.setInt32(i * 4, v, true);
    else if (dtype === 'uint32') view.setUint32(i * 4, v, true);
    else if (dtype === 'uint16') view.setUint16(i * 2, v, true);
    else view.setInt16(i * 2, v, true);
  }
}

/** Reads the arrays named in `entries` out of `buffer` (copies, so they are independent). */
export function unpackArrays(buffer: Uint8Array, entries: readonly ArrayEntry[], prefix = ''): ModelArrays {
  const out: ModelArrays = {};
  for (const e of entries) {
    if (!e.name.startsWith(prefix)) continue;
    const C = CTORS[e.dtype];
    if (!C)
      throw createError('AEGLE_LEARN_BAD_STATE', { kind: 'model', reason: `unknown dtype '${e.dtype}'` });
    const bytes = e.length * C.BYTES_PER_ELEMENT;
    if (e.offset < 0 || e.offset + bytes > buffer.byteLength) {
      throw createError('AEGLE_LEARN_BAD_STATE', {
        kind: 'model',
        reason: `array '${e.name}' lies outside weights.bin (truncated file?)`,
      });
    }
    const copy = new Uint8Array(bytes);
    copy.set(buffer.subarray(e.offset, e.offset + bytes));
    let arr: ModelArrays[string] = new C(copy.buffer);
    if (!LITTLE_ENDIAN && C.BYTES_PER_ELEMENT > 1) {
      const view = new DataView(copy.buffer);
      const fresh = new C(e.length);
      for (let i = 0; i < e.length; i++) {
        const at = i * C.BYTES_PER_ELEMENT;
        fresh[i] =
          e.dtype === 'float64'
            ? view.getFloat64(at, true)
            : e.dtype === 'float32'
              ? view.getFloat32(at, true)
              : e.dtype === 'int32'
                ? view.getInt32(at, true)
                : e.dtype === 'uint32'
                  ? view.getUint32(at, true)
                  : e.dtype === 'uint16'
                    ? view.getUint16(at, true)
                    : view.getInt16(at, true);
      }
      arr = fresh;
    }
    out[e.name.slice(prefix.length)] = arr;
  }
  return out;
}
