/**
 * Tensors as the runtime and the Open Inference Protocol see them: a dtype, a shape and a flat typed
 * array (row-major). FP16 travels as the raw IEEE-754 half bits in a Uint16Array, INT64 as a
 * BigInt64Array, BOOL as a Uint8Array of 0/1, BYTES as an array of strings.
 *
 * OIP v2 datatype names: https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md#tensor-data-types
 */
import { createError } from '../../core/index.js';
import './errors.js';

export type TensorDType = 'float32' | 'float16' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool' | 'string';

export type TensorArray =
  | Float32Array
  | Uint16Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | string[];

export interface TensorData {
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  readonly data: TensorArray;
}

/** OIP v2 datatype ↔ runtime dtype. */
export const OIP_DATATYPES: Readonly<Record<string, TensorDType>> = {
  FP32: 'float32',
  FP16: 'float16',
  FP64: 'float64',
  INT32: 'int32',
  INT64: 'int64',
  UINT8: 'uint8',
  BOOL: 'bool',
  BYTES: 'string',
};

export function oipDatatype(dtype: TensorDType): string {
  for (const [k, v] of Object.entries(OIP_DATATYPES)) if (v === dtype) return k;
  throw new Error(`no OIP datatype for ${dtype}`);
}

export function dtypeFromOip(datatype: string): TensorDType | undefined {
  return OIP_DATATYPES[datatype.toUpperCase()];
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A zero-filled array of `n` elements of `dtype`. */
export function allocArray(dtype: TensorDType, n: number): TensorArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float16':
      return new Uint16Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'string':
      return new Array<string>(n).fill('');
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE-754 single → half bits, round to nearest even (handles subnormals, inf, NaN). */
export function float32ToFloat16(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half >>> 10;
  return sign | half;
}

/** Half bits → number. */
export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toFloat16Array(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16(values[i]);
  return out;
}

export function fromFloat16Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16ToFloat32(bits[i]);
  return out;
}

/** Numbers of any numeric tensor (FP16 decoded, INT64 converted, BOOL as 0/1). Throws for strings. */
export function toNumbers(t: TensorData): Float64Array {
  const d = t.data;
  if (Array.isArray(d)) throw new Error('string tensor has no numeric values');
  if (t.dtype === 'float16') return Float64Array.from(fromFloat16Array(d as Uint16Array));
  if (d instanceof BigInt64Array) return Float64Array.from(d, (v) => Number(v));
  return Float64Array.from(d as ArrayLike<number>);
}

/**
 * Builds a tensor from JSON values (OIP `data`, flattened row-major; nested arrays are flattened).
 * FP16 accepts numbers (converted to half). Throws AEGLE_RUNTIME_ONNX_INPUT on bad values.
 */
export function tensorFromJson(
  name: string,
  dtype: TensorDType,
  shape: readonly number[],
  values: unknown,
  model = '?',
): TensorData {
  const flat = Array.isArray(values) ? (values as unknown[]).flat(Number.POSITIVE_INFINITY) : [values];
  const n = elementCount(shape);
  if (flat.length !== n) {
    throw createError('AEGLE_RUNTIME_ONNX_INPUT', {
      input: name,
      model,
      reason: `shape ${JSON.stringify(shape)} needs ${n} values, got ${flat.length}`,
    });
  }
  const data = allocArray(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = flat[i];
    if (dtype === 'string') {
      (data as string[])[i] = typeof v === 'string' ? v : String(v);
      continue;
    }
    if (dtype === 'bool') {
      if (typeof v !== 'boolean' && v !== 0 && v !== 1) throw badValue(name, model, i, v, 'a boolean');
      (data as Uint8Array)[i] = v ? 1 : 0;
      continue;
    }
    if (
      typeof v !== 'number' ||
      (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'float16' && !Number.isInteger(v))
    ) {
      throw badValue(name, model, i, v, dtype.startsWith('float') ? 'a number' : 'an integer');
    }
    if (dtype === 'int64') (data as BigInt64Array)[i] = BigInt(v);
    else if (dtype === 'float16') (data as Uint16Array)[i] = float32ToFloat16(v);
    else (data as Float32Array)[i] = v;
  }
  return { dtype, shape: [...shape], data };
}

function badValue(name: string, model: string, i: number, v: unknown, expected: string) {
  return createError('AEGLE_RUNTIME_ONNX_INPUT', {
    input: name,
    model,
    reason: `element ${i} must be ${expected}, got ${JSON.stringify(v)}`,
  });
}

/** JSON values of a tensor (flat): FP16 decoded to numbers, INT64 as numbers (exact to 2^53), BOOL as booleans. */
export function tensorToJson(t: TensorData): Array<number | boolean | string> {
  const d = t.data;
  if (Array.isArray(d)) return [...d];
  if (t.dtype === 'bool') return Array.from(d as Uint8Array, (v) => v !== 0);
  if (t.dtype === 'float16') return Array.from(fromFloat16Array(d as Uint16Array));
  if (d instanceof BigInt64Array) return Array.from(d, (v) => Number(v));
  return Array.from(d as ArrayLike<number>);
}

/** Concatenates tensors along axis 0 (all must share dtype and trailing dims). */
export function concatBatch(parts: readonly TensorData[]): TensorData {
  const first = parts[0];
  if (parts.length === 1) return first;
  const tail = first.shape.slice(1);
  let rows = 0;
  for (const p of parts) rows += p.shape[0];
  const per = elementCount(tail);
  const data = allocArray(first.dtype, rows * per);
  let off = 0;
  for (const p of parts) {
    if (Array.isArray(data)) for (let i = 0; i < p.data.length; i++) data[off + i] = (p.data as string[])[i];
    else (data as Float32Array).set(p.data as Float32Array, off);
    off += p.data.length;
  }
  return { dtype: first.dtype, shape: [rows, ...tail], data };
}

/**
 * Splits a tensor along axis 0 into pieces of the given row counts. Numeric pieces are views
 * (`subarray`) of the batch's buffer, not copies: a batched answer costs no per-request copy.
 */
export function splitBatch(t: TensorData, rows: readonly number[]): TensorData[] {
  if (rows.length === 1) return [t];
  const tail = t.shape.slice(1);
  const per = elementCount(tail);
  const out: TensorData[] = [];
  let off = 0;
  for (const r of rows) {
    const data = Array.isArray(t.data)
      ? t.data.slice(off, off + r * per)
      : (t.data as Float32Array).subarray(off, off + r * per);
    out.push({ dtype: t.dtype, shape: [r, ...tail], data });
    off += r * per;
  }
  return out;
}
