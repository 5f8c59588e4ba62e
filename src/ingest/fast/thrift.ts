/**
 * The Thrift compact protocol, write side only: what a Parquet footer and page headers need (i32,
 * i64, binary, bool, lists and nested structs). Values are JavaScript numbers; i64 fields hold at
 * most 2^53 here (row counts and byte offsets).
 */

const TType = { BoolTrue: 1, BoolFalse: 2, I32: 5, I64: 6, Binary: 8, List: 9, Struct: 12 } as const;

/** One Thrift value in a struct, written by `writeStruct`. */
export type TField =
  | { readonly id: number; readonly t: 'i32' | 'i64'; readonly v: number }
  | { readonly id: number; readonly t: 'bool'; readonly v: boolean }
  | { readonly id: number; readonly t: 'binary'; readonly v: Uint8Array | string }
  | { readonly id: number; readonly t: 'struct'; readonly v: readonly TField[] }
  | { readonly id: number; readonly t: 'list-i32'; readonly v: readonly number[] }
  | { readonly id: number; readonly t: 'list-binary'; readonly v: readonly string[] }
  | { readonly id: number; readonly t: 'list-struct'; readonly v: readonly (readonly TField[])[] };

const utf8 = new TextEncoder();

/** A growable byte sink for compact-protocol output. */
export class TWriter {
  private buf = new Uint8Array(256);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  /** Unsigned LEB128 of a non-negative integer ≤ 2^53. */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }

  /** Zigzag varint of a signed integer with |n| ≤ 2^52. */
  zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function fieldHeader(w: TWriter, last: number, id: number, type: number): void {
  const delta = id - last;
  if (delta > 0 && delta <= 15) w.byte((delta << 4) | type);
  else {
    w.byte(type);
    w.zigzag(id);
  }
}

/** Writes a struct's fields (in ascending id order) and its stop byte. */
export function writeStruct(w: TWriter, fields: readonly TField[]): void {
  let last = 0;
  for (const f of fields) {
    switch (f.t) {
      case 'i32':
        fieldHeader(w, last, f.id, TType.I32);
        w.zigzag(f.v);
        break;
      case 'i64':
        fieldHeader(w, last, f.id, TType.I64);
        w.zigzag(f.v);
        break;
      case 'bool':
        fieldHeader(w, last, f.id, f.v ? TType.BoolTrue : TType.BoolFalse);
        break;
      case 'binary':
        fieldHeader(w, last, f.id, TType.Binary);
        w.bytes(typeof f.v === 'string' ? utf8.encode(f.v) : f.v);
        break;
      case 'struct':
        fieldHeader(w, last, f.id, TType.Struct);
        writeStruct(w, f.v);
        break;
      case 'list-i32':
        fieldHeader(w, last, f.id, TType.List);
        listHeader(w, f.v.length, TType.I32);
        for (const x of f.v) w.zigzag(x);
        break;
      case 'list-binary':
        fieldHeader(w, last, f.id, TType.List);
        listHeader(w, f.v.length, TType.Binary);
        for (const x of f.v) w.bytes(utf8.encode(x));
        break;
      case 'list-struct':
        fieldHeader(w, last, f.id, TType.List);
        listHeader(w, f.v.length, TType.Struct);
        for (const x of f.v) writeStruct(w, x);
        break;
    }
    last = f.id;
  }
  w.byte(0);
}

function listHeader(w: TWriter, size: number, elem: number): void {
  if (size < 15) w.byte((size << 4) | elem);
  else {
    w.byte(0xf0 | elem);
    w.varint(size);
  }
}

/** A struct serialised on its own (a page header, a footer). */
export function encodeStruct(fields: readonly TField[]): Uint8Array {
  const w = new TWriter();
  writeStruct(w, fields);
  return w.result();
}
