/**
 * The table pass of Fast TreeSHAP v2 (`tableRows` in `tree-shap-kernel.ts`) as WebAssembly: route a
 * row through a tree's inner nodes, carrying the bitmask of path features it fails, then add each
 * leaf's table row for its mask times the leaf value. The JavaScript pass spends most of its time on
 * typed-array bounds checks and base loads (a 100-tree GBDT: ~110 µs a row); here a row costs
 * about a third of that. Same operations in the same order (trees in the caller's order, leaves and
 * path features in table order, `phi += weight · value`), so the values are bit-for-bit the same.
 *
 * Only trees whose splits are all numeric run here (`numeric[k]`); a categorical split stays with the
 * JavaScript pass. The module is generated at run time (`compute/wasm.ts`); one instance per weight
 * table and thread holds the tree's arrays and the tables in its memory.
 */
import { WasmFunction, encodeWasmModule, type TreeArrays } from '../compute/index.js';
import type { LeafWeights } from './leaf-weights.js';

/** Rows per call (the caller's blocks are no larger). */
export const WASM_SHAP_BLOCK = 256;
/** Largest model + tables kept in WebAssembly memory (bytes). */
const MAX_BYTES = 1 << 30;

// parameters of `shapRows`: every array's byte address, then the call's
const P = {
  trees: 0, // i32 per tree of the run
  nTrees: 1,
  treeRoot: 2,
  innerStart: 3,
  inner: 4,
  leafStart: 5,
  leaf: 6,
  leafDepth: 7,
  weightStart: 8,
  featureStart: 9,
  pathFeature: 10,
  weights: 11,
  leafValue: 12, // f64 per leaf slot: value · scale for the output
  featOff: 13, // i32 per node: feature · 8
  threshold: 14, // f64 per node
  left: 15,
  right: 16,
  defaultLeft: 17,
  nodeBit: 18,
  failed: 19, // i32 per node (scratch)
  xb: 20, // rows, row-major f64
  rows: 21,
  f8: 22, // row length in bytes
  phi: 23, // the rows' SHAP values, row-major f64
  stride8: 24,
} as const;

function shapRowsFunction(): WasmFunction {
  const f = new WasmFunction(Array.from({ length: 25 }, () => 'i32' as const));
  const [qi, k, i, s, s1, nd, r, rowBase, b, m, fl, d, w, fo, q, a] = Array.from({ length: 16 }, () =>
    f.local('i32'),
  );
  const x = f.local('f64');
  const v = f.local('f64');
  // the tree's inner-node and leaf ranges, read once per tree
  const [n0, n1, l0, l1] = [f.local('i32'), f.local('i32'), f.local('i32'), f.local('i32')];
  /** Pushes the i32 at `array` + 4·index (index on the stack). */
  const i32At = (array: number) => f.i32(2).op('i32.shl').get(array).op('i32.add').mem('i32.load');
  /** Pushes the address array + 4·index (index on the stack). */
  const addr4 = (array: number) => f.i32(2).op('i32.shl').get(array).op('i32.add');
  // for (init; cond; step) over a local, as block/loop
  const forRange = (counter: number, from: () => void, to: () => void, body: () => void) => {
    from();
    f.set(counter);
    f.block(() =>
      f.loop(() => {
        f.get(counter);
        to();
        f.op('i32.ge_s').brIf(1);
        body();
        f.get(counter).i32(1).op('i32.add').set(counter).br(0);
      }),
    );
  };

  forRange(
    qi,
    () => f.i32(0),
    () => f.get(P.nTrees),
    () => {
      f.get(qi);
      i32At(P.trees);
      f.set(k);
      // failed[root] = 0
      f.get(k);
      i32At(P.treeRoot);
      addr4(P.failed);
      f.i32(0).mem('i32.store');
      f.get(k);
      i32At(P.innerStart);
      f.set(n0);
      f.get(k).i32(1).op('i32.add');
      i32At(P.innerStart);
      f.set(n1);
      f.get(k);
      i32At(P.leafStart);
      f.set(l0);
      f.get(k).i32(1).op('i32.add');
      i32At(P.leafStart);
      f.set(l1);
      forRange(
        i,
        () => f.i32(0),
        () => f.get(P.rows),
        () => {
          f.get(P.xb).get(i).get(P.f8).op('i32.mul', 'i32.add').set(r);
          // route the row through the inner nodes, parents first
          forRange(
            s,
            () => f.get(n0),
            () => f.get(n1),
            () => {
              f.get(s);
              i32At(P.inner);
              f.set(nd);
              // x = row[feature[nd]]
              f.get(r);
              f.get(nd);
              i32At(P.featOff);
              f.op('i32.add').mem('f64.load').set(x);
              // goLeft = x <= threshold || (x is NaN && defaultLeft)
              f.get(x).get(P.threshold).get(nd).i32(3).op('i32.shl', 'i32.add').mem('f64.load').op('f64.le');
              f.get(x).get(x).op('f64.ne');
              f.get(nd);
              i32At(P.defaultLeft);
              f.op('i32.and', 'i32.or').set(fl);
              f.get(nd);
              i32At(P.nodeBit);
              f.set(b);
              // m = goLeft ? 0 : bit; failed[left] = f | m; failed[right] = f | (bit ^ m)
              f.i32(0).get(b).get(fl).op('select').set(m);
              f.get(nd);
              i32At(P.left);
              addr4(P.failed);
              f.get(nd);
              i32At(P.failed);
              f.get(m).op('i32.or').mem('i32.store');
              f.get(nd);
              i32At(P.right);
              addr4(P.failed);
              f.get(nd);
              i32At(P.failed);
              f.get(b).get(m).op('i32.xor', 'i32.or').mem('i32.store');
            },
          );
          f.get(P.phi).get(i).get(P.stride8).op('i32.mul', 'i32.add').set(rowBase);
          // every leaf: its table row for the row's mask, times the leaf value
          forRange(
            s1,
            () => f.get(l0),
            () => f.get(l1),
            () => {
              f.get(s1);
              i32At(P.leaf);
              f.set(nd);
              f.get(s1);
              i32At(P.leafDepth);
              f.set(d);
              f.get(P.leafValue).get(s1).i32(3).op('i32.shl', 'i32.add').mem('f64.load').set(v);
              // w = weights + 8·(weightStart[s] + failed[nd]·d)
              f.get(s1);
              i32At(P.weightStart);
              f.get(nd);
              i32At(P.failed);
              f.get(d).op('i32.mul', 'i32.add').i32(3).op('i32.shl').get(P.weights).op('i32.add').set(w);
              f.get(s1);
              i32At(P.featureStart);
              f.i32(2).op('i32.shl').get(P.pathFeature).op('i32.add').set(fo);
              forRange(
                q,
                () => f.i32(0),
                () => f.get(d),
                () => {
                  // a = rowBase + 8·pathFeature[q]; phi[a] += weights[q] · v
                  f.get(fo).get(q).i32(2).op('i32.shl', 'i32.add').mem('i32.load');
                  f.i32(3).op('i32.shl').get(rowBase).op('i32.add').set(a);
                  f.get(a).get(a).mem('f64.load');
                  f.get(w)
                    .get(q)
                    .i32(3)
                    .op('i32.shl', 'i32.add')
                    .mem('f64.load')
                    .get(v)
                    .op('f64.mul', 'f64.add');
                  f.mem('f64.store');
                },
              );
            },
          );
        },
      );
    },
  );
  return f;
}

let module: WebAssembly.Module | null | undefined;

function shapModule(): WebAssembly.Module | null {
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(encodeWasmModule({ shapRows: shapRowsFunction() }));
    } catch {
      module = null;
    }
  }
  return module ?? null;
}

type ShapRowsFn = (...args: number[]) => void;

/** A tree ensemble's arrays and weight tables in WebAssembly memory. */
export class WasmShap {
  /** Per tree: 1 when all its splits are numeric (it can run here). */
  readonly numeric: Uint8Array;
  private readonly memory: WebAssembly.Memory;
  private readonly fn: ShapRowsFn;
  private readonly at: Record<string, number> = {};
  /** Leaf values · scale, per (value column, scale), placed after the tables. */
  private readonly leafValues = new Map<string, number>();
  private top: number;

  private constructor(
    private readonly t: TreeArrays,
    private readonly tables: LeafWeights,
    wasm: WebAssembly.Module,
  ) {
    const nNodes = t.feature.length;
    const nTrees = t.treeRoot.length;
    this.numeric = new Uint8Array(nTrees);
    for (let k = 0; k < nTrees; k++) {
      if (tables.fast[k] !== 1) continue;
      let ok = 1;
      for (let s = tables.innerStart[k]; s < tables.innerStart[k + 1]; s++)
        if (t.catLen[tables.inner[s]] !== 0) ok = 0;
      this.numeric[k] = ok;
    }
    const i32 = (n: number) => n * 4;
    const f64 = (n: number) => n * 8;
    const layout: [string, number][] = [
      ['threshold', f64(nNodes)],
      ['weights', f64(tables.weights.length)],
      ['featOff', i32(nNodes)],
      ['left', i32(nNodes)],
      ['right', i32(nNodes)],
      ['defaultLeft', i32(nNodes)],
      ['nodeBit', i32(nNodes)],
      ['failed', i32(nNodes)],
      ['treeRoot', i32(nTrees)],
      ['innerStart', i32(tables.innerStart.length)],
      ['inner', i32(tables.inner.length)],
      ['leafStart', i32(tables.leafStart.length)],
      ['leaf', i32(tables.leaf.length)],
      ['leafDepth', i32(tables.leafDepth.length)],
      ['weightStart', i32(tables.weightStart.length)],
      ['featureStart', i32(tables.featureStart.length)],
      ['pathFeature', i32(tables.pathFeature.length)],
      ['trees', i32(nTrees)],
    ];
    let off = 0;
    for (const [name, bytes] of layout) {
      this.at[name] = off;
      off = align8(off + bytes);
    }
    this.top = off;
    this.memory = new WebAssembly.Memory({ initial: pages(off) });
    this.fn = new WebAssembly.Instance(wasm, { env: { mem: this.memory } }).exports.shapRows as ShapRowsFn;
    const buf = this.memory.buffer;
    const put32 = (name: string, a: ArrayLike<number>) => new Int32Array(buf, this.at[name], a.length).set(a);
    new Float64Array(buf, this.at.threshold, nNodes).set(t.threshold);
    new Float64Array(buf, this.at.weights, tables.weights.length).set(tables.weights);
    put32(
      'featOff',
      Int32Array.from(t.feature, (f) => Math.max(0, f) * 8),
    );
    put32('left', t.left);
    put32('right', t.right);
    put32('defaultLeft', t.defaultLeft);
    put32('nodeBit', tables.nodeBit);
    put32('treeRoot', t.treeRoot);
    put32('innerStart', tables.innerStart);
    put32('inner', tables.inner);
    put32('leafStart', tables.leafStart);
    put32('leaf', tables.leaf);
    put32('leafDepth', tables.leafDepth);
    put32('weightStart', tables.weightStart);
    put32('featureStart', tables.featureStart);
    put32('pathFeature', tables.pathFeature);
  }

  /** The WebAssembly form of `tables` over `t`, or null (no WebAssembly, or too large). */
  static create(t: TreeArrays, tables: LeafWeights): WasmShap | null {
    const n = t.feature.length;
    const bytes = n * 32 + tables.weights.length * 8 + (tables.inner.length + tables.leaf.length * 4) * 4;
    if (bytes > MAX_BYTES) return null;
    const wasm = shapModule();
    if (!wasm) return null;
    try {
      return new WasmShap(t, tables, wasm);
    } catch {
      return null;
    }
  }

  private leafValuesAt(valueCol: number, scale: number): number {
    const key = `${valueCol}:${scale}`;
    let at = this.leafValues.get(key);
    if (at !== undefined) return at;
    const { leaf } = this.tables;
    at = this.top;
    this.top = align8(at + leaf.length * 8);
    this.ensure(this.top);
    const out = new Float64Array(this.memory.buffer, at, leaf.length);
    const dim = this.t.valueDim;
    for (let s = 0; s < leaf.length; s++) out[s] = this.t.value[leaf[s] * dim + valueCol] * scale;
    this.leafValues.set(key, at);
    return at;
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(pages(bytes) - have / 65536);
  }

  /**
   * Adds the table contributions of trees `trees` (all `numeric`, in order) to rows `b0`…`b1` − 1 of
   * column-major `data` (nRows × nFeatures): row i's values are `phi[phiOff + i·stride …]`, as in
   * `tableRows`. At most `WASM_SHAP_BLOCK` rows.
   */
  addRows(
    trees: readonly number[],
    valueCol: number,
    scale: number,
    data: Float64Array,
    nRows: number,
    nFeatures: number,
    b0: number,
    b1: number,
    phi: Float64Array,
    phiOff: number,
    stride: number,
  ): void {
    const B = b1 - b0;
    const vals = this.leafValuesAt(valueCol, scale);
    const xbAt = this.top;
    const phiAt = align8(xbAt + B * nFeatures * 8);
    this.ensure(phiAt + B * stride * 8);
    const buf = this.memory.buffer;
    new Int32Array(buf, this.at.trees, trees.length).set(trees);
    const xb = new Float64Array(buf, xbAt, B * nFeatures);
    for (let j = 0; j < nFeatures; j++) {
      const src = j * nRows + b0;
      for (let i = 0, o = j; i < B; i++, o += nFeatures) xb[o] = data[src + i];
    }
    const block = new Float64Array(buf, phiAt, B * stride);
    const first = phiOff + b0 * stride;
    block.set(phi.subarray(first, first + B * stride));
    const a = this.at;
    this.fn(
      a.trees,
      trees.length,
      a.treeRoot,
      a.innerStart,
      a.inner,
      a.leafStart,
      a.leaf,
      a.leafDepth,
      a.weightStart,
      a.featureStart,
      a.pathFeature,
      a.weights,
      vals,
      a.featOff,
      a.threshold,
      a.left,
      a.right,
      a.defaultLeft,
      a.nodeBit,
      a.failed,
      xbAt,
      B,
      nFeatures * 8,
      phiAt,
      stride * 8,
    );
    phi.set(block, first);
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function pages(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 65536));
}

const cache = new WeakMap<LeafWeights, WasmShap | null>();
let enabled = true;

/** Turns the WebAssembly table pass off (or back on) for this thread: tests compare the two passes. */
export function enableWasmShap(on: boolean): void {
  enabled = on;
}

/** The WebAssembly form of `tables` (made once per thread), or null where it cannot be used. */
export function wasmShapFor(t: TreeArrays, tables: LeafWeights): WasmShap | null {
  if (!enabled) return null;
  let w = cache.get(tables);
  if (w === undefined) {
    w = WasmShap.create(t, tables);
    cache.set(tables, w);
  }
  return w;
}
