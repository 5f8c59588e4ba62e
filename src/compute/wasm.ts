/**
 * A small WebAssembly binary encoder: enough of the format (core spec 1.0, §5 "Binary Format",
 * https://webassembly.github.io/spec/core/binary/) to write numeric kernels whose shape is known only
 * at run time, such as a tree walk unrolled over a number of rows, without a toolchain or a checked-in
 * binary. A module imports one memory (`env.mem`, sized by the caller) and exports functions; each
 * function is written instruction by instruction with `WasmFunction`.
 *
 * Only the instructions the kernels use are here; each is one opcode byte, with its immediates as the
 * spec encodes them (LEB128 integers, little-endian floats, a memarg of alignment and offset).
 */

/** Value types. */
export type WasmType = 'i32' | 'f64';

const TYPE_CODE: Record<WasmType, number> = { i32: 0x7f, f64: 0x7c };

/** Opcodes without immediates. */
const SIMPLE = {
  select: 0x1b,
  'i32.eqz': 0x45,
  'i32.eq': 0x46,
  'i32.ne': 0x47,
  'i32.lt_s': 0x48,
  'i32.lt_u': 0x49,
  'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b,
  'i32.le_s': 0x4c,
  'i32.ge_s': 0x4e,
  'i32.ge_u': 0x4f,
  'f64.eq': 0x61,
  'f64.ne': 0x62,
  'f64.lt': 0x63,
  'f64.gt': 0x64,
  'f64.le': 0x65,
  'i32.add': 0x6a,
  'i32.sub': 0x6b,
  'i32.mul': 0x6c,
  'i32.and': 0x71,
  'i32.or': 0x72,
  'i32.xor': 0x73,
  'i32.shl': 0x74,
  'i32.shr_s': 0x75,
  'i32.shr_u': 0x76,
  'f64.add': 0xa0,
  'f64.sub': 0xa1,
  'f64.mul': 0xa2,
} as const;

export type WasmSimpleOp = keyof typeof SIMPLE;

/** Memory access opcodes and the log2 of their natural alignment. */
const MEMORY = {
  'i32.load': [0x28, 2],
  'f64.load': [0x2b, 3],
  'i32.store': [0x36, 2],
  'f64.store': [0x39, 3],
} as const;

export type WasmMemoryOp = keyof typeof MEMORY;

function unsignedLeb(out: number[], v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`not a u32: ${v}`);
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function signedLeb(out: number[], v: number): void {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`not an i32: ${v}`);
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(out: number[], s: string): void {
  const bytes = Buffer.from(s, 'utf8');
  unsignedLeb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/** A vector: its length, then each item as `item` writes it. */
function vector<T>(out: number[], items: readonly T[], item: (out: number[], x: T) => void): void {
  unsignedLeb(out, items.length);
  for (const x of items) item(out, x);
}

function section(out: number[], id: number, body: number[]): void {
  out.push(id);
  unsignedLeb(out, body.length);
  for (const b of body) out.push(b);
}

/**
 * One function's signature, locals and body. Parameters are locals 0…n−1; `local()` adds more. The
 * body is written in order, as the stack machine runs it; `block` and `loop` take a callback for their
 * contents and close themselves.
 */
export class WasmFunction {
  private readonly locals: WasmType[] = [];
  private readonly body: number[] = [];
  private depth = 0;

  constructor(
    readonly params: readonly WasmType[],
    readonly results: readonly WasmType[] = [],
  ) {}

  /** A new local of `type`; returns its index. */
  local(type: WasmType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  get(i: number): this {
    this.body.push(0x20);
    unsignedLeb(this.body, i);
    return this;
  }

  set(i: number): this {
    this.body.push(0x21);
    unsignedLeb(this.body, i);
    return this;
  }

  tee(i: number): this {
    this.body.push(0x22);
    unsignedLeb(this.body, i);
    return this;
  }

  i32(v: number): this {
    this.body.push(0x41);
    signedLeb(this.body, v);
    return this;
  }

  f64(v: number): this {
    this.body.push(0x44);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    for (const x of b) this.body.push(x);
    return this;
  }

  op(...ops: WasmSimpleOp[]): this {
    for (const o of ops) this.body.push(SIMPLE[o]);
    return this;
  }

  /** A load or store at the address on the stack plus `offset` bytes. */
  mem(o: WasmMemoryOp, offset = 0): this {
    const [code, align] = MEMORY[o];
    this.body.push(code, align);
    unsignedLeb(this.body, offset);
    return this;
  }

  /** `block … end`: a branch to it (label 0 inside) jumps past its end. */
  block(inner: () => void): this {
    return this.structured(0x02, inner);
  }

  /** `loop … end`: a branch to it (label 0 inside) jumps back to its start. */
  loop(inner: () => void): this {
    return this.structured(0x03, inner);
  }

  br(label: number): this {
    this.body.push(0x0c);
    unsignedLeb(this.body, label);
    return this;
  }

  brIf(label: number): this {
    this.body.push(0x0d);
    unsignedLeb(this.body, label);
    return this;
  }

  private structured(code: number, inner: () => void): this {
    this.body.push(code, 0x40); // no result
    this.depth++;
    inner();
    this.depth--;
    this.body.push(0x0b);
    return this;
  }

  /** The code section entry: locals grouped by type, then the body and `end`. */
  encode(): number[] {
    if (this.depth !== 0) throw new Error('unclosed block');
    const groups: [number, WasmType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const fn: number[] = [];
    vector(fn, groups, (o, [count, t]) => {
      unsignedLeb(o, count);
      o.push(TYPE_CODE[t]);
    });
    for (const b of this.body) fn.push(b);
    fn.push(0x0b);
    const out: number[] = [];
    unsignedLeb(out, fn.length);
    for (const b of fn) out.push(b);
    return out;
  }
}

/**
 * A module that imports its memory as `env.mem` (at least `minPages` pages of 64 KiB) and exports
 * `functions` under their names.
 */
export function encodeWasmModule(
  functions: Readonly<Record<string, WasmFunction>>,
  minPages = 1,
): Uint8Array {
  const entries = Object.entries(functions);
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]; // "\0asm", version 1
  const types: number[] = [];
  vector(types, entries, (o, [, f]) => {
    o.push(0x60);
    vector(o, f.params, (oo, t) => oo.push(TYPE_CODE[t]));
    vector(o, f.results, (oo, t) => oo.push(TYPE_CODE[t]));
  });
  section(out, 1, types);
  const imports: number[] = [];
  vector(imports, [0], (o) => {
    name(o, 'env');
    name(o, 'mem');
    o.push(0x02, 0x00); // memory, limits without a maximum
    unsignedLeb(o, minPages);
  });
  section(out, 2, imports);
  const funcs: number[] = [];
  // function i has type i
  vector(
    funcs,
    entries.map((_, i) => i),
    unsignedLeb,
  );
  section(out, 3, funcs);
  const exports: number[] = [];
  vector(
    exports,
    entries.map(([n], i) => [n, i] as const),
    (o, [n, i]) => {
      name(o, n);
      o.push(0x00); // a function
      unsignedLeb(o, i);
    },
  );
  section(out, 7, exports);
  const code: number[] = [];
  vector(code, entries, (o, [, f]) => {
    for (const b of f.encode()) o.push(b);
  });
  section(out, 10, code);
  return Uint8Array.from(out);
}
