import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.js';
import { WasmFunction, encodeWasmModule } from '../wasm.js';
import { compileTrees, predictCompiled, predictCompiledJs } from './predict.js';
import { TreeBuilder, type TreeArrays } from './tree-arrays.js';
import { WasmTrees } from './wasm-walk.js';

describe('the WebAssembly encoder', () => {
  it('writes a module that validates and computes what the instructions say', () => {
    // sum(ptr, n): the sum of n doubles at ptr, in order
    const sumFn = new WasmFunction(['i32', 'i32'], ['f64']);
    const acc = sumFn.local('f64');
    const i = sumFn.local('i32');
    sumFn.f64(0).set(acc).i32(0).set(i);
    sumFn.block(() =>
      sumFn.loop(() => {
        sumFn.get(i).get(1).op('i32.ge_u').brIf(1);
        sumFn.get(acc).get(0).get(i).i32(3).op('i32.shl', 'i32.add').mem('f64.load').op('f64.add').set(acc);
        sumFn.get(i).i32(1).op('i32.add').set(i).br(0);
      }),
    );
    sumFn.get(acc);
    // signed constants of one to three LEB128 bytes: −1000 · −1 + −70,000 + 63 + 64
    const consts = new WasmFunction([], ['i32']);
    consts
      .i32(-1000)
      .i32(-1)
      .op('i32.mul')
      .i32(-70_000)
      .op('i32.add')
      .i32(63)
      .op('i32.add')
      .i32(64)
      .op('i32.add');
    // a load at a three-byte offset
    const far = new WasmFunction([], ['f64']);
    far.i32(0).mem('f64.load', 70_000);
    const bytes = encodeWasmModule({ sum: sumFn, consts, far }, 2);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const mem = new WebAssembly.Memory({ initial: 2 });
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } }).exports as {
      sum: (ptr: number, n: number) => number;
      consts: () => number;
      far: () => number;
    };
    const xs = new Float64Array(mem.buffer, 64, 5);
    xs.set([1.5, -2.25, 1e300, -1e300, 0.125]);
    // by hand, in that order: 1.5 − 2.25 = −0.75; + 1e300 = 1e300; − 1e300 = 0; + 0.125
    expect(exports.sum(64, 5)).toBe(0.125);
    expect(exports.sum(64, 2)).toBe(-0.75);
    expect(exports.sum(64, 0)).toBe(0);
    expect(exports.consts()).toBe(1000 - 70_000 + 63 + 64);
    new Float64Array(mem.buffer, 70_000, 1)[0] = Math.PI;
    expect(exports.far()).toBe(Math.PI);
  });

  it('refuses a function with an unclosed block', () => {
    const f = new WasmFunction([]);
    expect(() =>
      f.block(() => {
        f.encode();
      }),
    ).toThrow(/unclosed/);
  });
});

/** A hand-built ensemble of two trees over two features (right child = left child + 1). */
function handTrees(): TreeArrays {
  const b = new TreeBuilder(1);
  // tree 0: x0 <= 0.5 → 1; else x1 <= 2 (missing → right) → 10, else 100
  b.startTree();
  const r0 = b.addNode(0, 1, 1);
  const l0 = b.addNode(1, 1, 1);
  const n0 = b.addNode(0, 1, 1);
  b.setNumericSplit(r0, 0, 0.5, 0, true, 1, l0, n0);
  const a = b.addNode(10, 1, 1);
  const c = b.addNode(100, 1, 1);
  b.setNumericSplit(n0, 1, 2, 0, false, 1, a, c);
  // tree 1: x1 <= −1 (missing → left) → 0.25, else 0.5
  b.startTree();
  const r1 = b.addNode(0, 1, 1);
  const p = b.addNode(0.25, 1, 1);
  const q = b.addNode(0.5, 1, 1);
  b.setNumericSplit(r1, 1, -1, 0, true, 1, p, q);
  return b.freeze();
}

/** A random ensemble: `nTrees` trees of up to `depth` levels over `F` features, `dim` values a node. */
function randomTrees(rng: Rng, nTrees: number, depth: number, F: number, dim: number): TreeArrays {
  const b = new TreeBuilder(dim);
  const leafValue = () => Array.from({ length: dim }, () => rng.normal());
  for (let t = 0; t < nTrees; t++) {
    b.startTree();
    const grow = (id: number, d: number) => {
      if (d >= depth || (d > 1 && rng.uniform() < 0.3)) return;
      const l = b.addNode(leafValue(), 1, 1);
      const r = b.addNode(leafValue(), 1, 1);
      b.setNumericSplit(id, Math.floor(rng.uniform() * F), rng.normal(), 0, rng.uniform() < 0.5, 1, l, r);
      grow(l, d + 1);
      grow(r, d + 1);
    };
    grow(b.addNode(leafValue(), 1, 1), 0);
  }
  return b.freeze();
}

/** n × F column-major, with a share of missing values and some values equal to a threshold. */
function randomData(rng: Rng, n: number, F: number, missing: number, t: TreeArrays): Float64Array {
  const X = new Float64Array(n * F);
  for (let i = 0; i < X.length; i++) {
    const u = rng.uniform();
    X[i] =
      u < missing
        ? Number.NaN
        : u < missing + 0.05
          ? t.threshold[Math.floor(rng.uniform() * t.threshold.length)]
          : rng.normal();
  }
  return X;
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('the WebAssembly tree walk', () => {
  it('routes rows as the splits say (hand-computed sums, missing values both ways)', () => {
    const t = handTrees();
    const c = compileTrees(t)!;
    // rows (x0, x1) and the hand sum of both trees
    const rows: [number, number, number][] = [
      [0.5, 5, 1 + 0.5], // x0 = threshold goes left; x1 > −1
      [0.6, 2, 10 + 0.5],
      [0.6, 2.0001, 100 + 0.5],
      [0.6, Number.NaN, 100 + 0.25], // tree 0 sends missing right, tree 1 left
      [Number.NaN, -1, 1 + 0.25], // missing x0 goes left; x1 = −1 goes left
      [-3, -1.5, 1 + 0.25],
      [9, 0, 10 + 0.5],
      [0.7, 3, 100 + 0.5],
      [0.1, -0.5, 1 + 0.5],
    ];
    const n = rows.length; // 9: one group of eight rows and one left over
    const X = new Float64Array(2 * n);
    rows.forEach(([a, b], i) => {
      X[i] = a;
      X[n + i] = b;
    });
    const w = WasmTrees.create(c, t.value, 1)!;
    expect(w).not.toBeNull();
    const out = new Float64Array(n);
    w.predict(X, n, out, 1, new Int32Array(2), 1, 0, n);
    expect(Array.from(out)).toEqual(rows.map((r) => r[2]));
  });

  it('gives bit-for-bit the JavaScript walk: one and several outputs, missing values, row ranges, scale', () => {
    const rng = new Rng(11);
    for (const [nTrees, depth, F, dim, outStride, missing] of [
      [100, 9, 30, 1, 2, 0],
      [100, 9, 30, 1, 2, 0.05],
      [40, 14, 7, 3, 3, 0.1],
      [25, 5, 300, 2, 5, 0.01],
      [1, 1, 1, 1, 1, 0.5],
    ] as const) {
      const t = randomTrees(rng, nTrees, depth, F, dim);
      const c = compileTrees(t)!;
      // GBDT-style output columns (tree k → column k mod outStride), or all into column 0 with a scale
      const treeCol = Int32Array.from({ length: nTrees }, (_, k) => (dim === 1 ? k % outStride : 0));
      for (const n of [8, 9, 255, 256, 257, 1000, 3]) {
        const X = randomData(rng, n, F, missing, t);
        for (const [start, end, scale] of [
          [0, n, 1],
          [Math.floor(n / 3), n, 1 / nTrees],
          [0, Math.ceil(n / 2), 0.1],
        ] as const) {
          const base = Float64Array.from({ length: n * outStride }, () => rng.normal());
          const js = base.slice();
          const wasm = base.slice();
          predictCompiledJs(c, t.value, dim, X, n, js, outStride, treeCol, scale, start, end);
          const w = WasmTrees.create(c, t.value, dim)!;
          w.predict(X, n, wasm, outStride, treeCol, scale, start, end);
          expect(bits(wasm).equals(bits(js)), `trees ${nTrees} dim ${dim} n ${n} rows ${start}–${end}`).toBe(
            true,
          );
          // and through predictCompiled, which picks the walk by the row count
          const viaEntry = base.slice();
          predictCompiled(c, t.value, dim, X, n, viaEntry, outStride, treeCol, scale, start, end);
          expect(bits(viaEntry).equals(bits(js))).toBe(true);
        }
      }
    }
  });

  it('one row through eight trees at a time: bit-for-bit the JavaScript walk (missing values, tree counts)', () => {
    const rng = new Rng(23);
    for (const [nTrees, depth, F, outStride] of [
      [100, 9, 30, 2],
      [1, 3, 4, 1],
      [7, 12, 5, 3],
      [9, 6, 5, 3],
      [17, 10, 40, 1],
    ] as const) {
      const t = randomTrees(rng, nTrees, depth, F, 1);
      const c = compileTrees(t)!;
      const treeCol = Int32Array.from({ length: nTrees }, (_, k) => k % outStride);
      const w = WasmTrees.create(c, t.value, 1)!;
      for (let r = 0; r < 40; r++) {
        const x = randomData(rng, 1, F, r % 2 ? 0.2 : 0, t);
        const base = Float64Array.from({ length: outStride }, () => rng.normal());
        const js = base.slice();
        const wasm = base.slice();
        predictCompiledJs(c, t.value, 1, x, 1, js, outStride, treeCol, 0.5);
        w.predictRow(x, wasm, treeCol, 0.5);
        expect(bits(wasm).equals(bits(js)), `trees ${nTrees}, row ${r}`).toBe(true);
        const viaEntry = base.slice();
        predictCompiled(c, t.value, 1, x, 1, viaEntry, outStride, treeCol, 0.5);
        expect(bits(viaEntry).equals(bits(js))).toBe(true);
      }
    }
  });

  it('grows its scratch memory for wider rows and reuses the model between calls', () => {
    const rng = new Rng(5);
    const t = randomTrees(rng, 10, 6, 4, 1);
    const c = compileTrees(t)!;
    const w = WasmTrees.create(c, t.value, 1)!;
    for (const F of [4, 5000, 4]) {
      // the trees read the first four features; the rest only widen the rows
      const X = randomData(rng, 300, F, 0.02, t);
      const js = new Float64Array(300);
      const wasm = new Float64Array(300);
      predictCompiledJs(c, t.value, 1, X, 300, js, 1, new Int32Array(10));
      w.predict(X, 300, wasm, 1, new Int32Array(10), 1, 0, 300);
      expect(bits(wasm).equals(bits(js)), `F ${F}`).toBe(true);
    }
  });
});
