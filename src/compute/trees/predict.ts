/**
 * Fast batch prediction over column-major rows for tree ensembles without categorical splits.
 *
 * Trees are compiled once into a layout where a node's right child is its left child + 1 and leaves
 * point at themselves, so one routing step is branch-free:
 *   node = left[node] + ((x > threshold[node]) | (isNaN(x) & nanRight[node])).
 * Rows go in blocks, and within a block each tree walks several rows at once, so the dependent load
 * chains of different rows overlap (XGBoost's blocked predictor, minus SIMD).
 */
import { type TreeArrays, hasCategoricalSplits } from './tree-arrays.js';
import { wasmTrees } from './wasm-walk.js';

export interface CompiledTrees {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly nanRight: Int32Array;
  readonly treeRoot: Int32Array;
  readonly treeDepth: Int32Array;
}

/** Compiles `t`, or returns null when it has categorical splits or non-adjacent children. */
export function compileTrees(t: TreeArrays): CompiledTrees | null {
  if (hasCategoricalSplits(t)) return null;
  const n = t.feature.length;
  const feature = new Int32Array(n);
  const threshold = new Float64Array(n);
  const left = new Int32Array(n);
  const nanRight = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (t.feature[i] < 0) {
      feature[i] = 0;
      threshold[i] = Number.POSITIVE_INFINITY;
      left[i] = i;
      nanRight[i] = 0;
    } else {
      if (t.right[i] !== t.left[i] + 1) return null;
      feature[i] = t.feature[i];
      threshold[i] = t.threshold[i];
      left[i] = t.left[i];
      nanRight[i] = t.defaultLeft[i] === 1 ? 0 : 1;
    }
  }
  const nTrees = t.treeRoot.length;
  const treeDepth = new Int32Array(nTrees);
  const depth = new Int32Array(n);
  for (let k = 0; k < nTrees; k++) {
    const root = t.treeRoot[k];
    const end = k + 1 < nTrees ? t.treeRoot[k + 1] : n;
    depth[root] = 0;
    let dmax = 0;
    // children always come after their parent
    for (let i = root; i < end; i++) {
      if (t.feature[i] >= 0) {
        depth[t.left[i]] = depth[i] + 1;
        depth[t.right[i]] = depth[i] + 1;
        if (depth[i] + 1 > dmax) dmax = depth[i] + 1;
      }
    }
    treeDepth[k] = dmax;
  }
  return { feature, threshold, left, nanRight, treeRoot: t.treeRoot.slice(), treeDepth };
}

const BLOCK = 256;

/**
 * Adds value[leaf·dim + d] of every tree to out[i·outStride + treeCol[tree] + d] for each row i of
 * column-major `data` (rows `rowStart` to `rowEnd`, default all).
 *
 * Rows go in blocks of 256, copied row-major into a small buffer (one row's features share cache lines);
 * each tree then walks eight rows at a time (independent dependency chains), and each routing step is
 * branch-free: `+(x > threshold)` compiles to a flag move, where `cond ? 1 : 0` compiles to a branch
 * that mispredicts half the time. Blocks without NaN skip the missing-value term. Trees are added in
 * tree order for each row, so sums are the same as a one-row-at-a-time walk.
 *
 * Eight rows or more take the same walk in WebAssembly (`wasm-walk.ts`, about 3× faster); one row
 * goes through eight trees at a time there (one value per tree; else it walks each tree here), and
 * two to seven rows take the JavaScript walk (`predictCompiledJs`).
 */
export function predictCompiled(
  c: CompiledTrees,
  value: Float64Array,
  dim: number,
  data: Float64Array,
  nRows: number,
  out: Float64Array,
  outStride: number,
  treeCol: Int32Array,
  scale = 1,
  rowStart = 0,
  rowEnd = nRows,
): void {
  if (nRows === 1 && rowStart === 0 && rowEnd === 1) {
    // one row: in WebAssembly, eight trees at a time (one value per tree), else tree by tree here
    const w = dim === 1 ? wasmTrees(c, value, dim) : null;
    if (w) w.predictRow(data, out, treeCol, scale);
    else predictOne(c, value, dim, data, out, treeCol, scale);
    return;
  }
  if (rowEnd - rowStart >= WASM_MIN_ROWS) {
    const w = wasmTrees(c, value, dim);
    if (w) {
      w.predict(data, nRows, out, outStride, treeCol, scale, rowStart, rowEnd);
      return;
    }
  }
  predictCompiledJs(c, value, dim, data, nRows, out, outStride, treeCol, scale, rowStart, rowEnd);
}

/** Fewest rows scored by the WebAssembly walk (fewer: the JavaScript walk, which stops at leaves). */
const WASM_MIN_ROWS = 8;

/**
 * The JavaScript walk behind `predictCompiled` (same contract): used for a few rows, where
 * WebAssembly is unavailable, and by tests as the reference for the WebAssembly walk.
 */
export function predictCompiledJs(
  c: CompiledTrees,
  value: Float64Array,
  dim: number,
  data: Float64Array,
  nRows: number,
  out: Float64Array,
  outStride: number,
  treeCol: Int32Array,
  scale = 1,
  rowStart = 0,
  rowEnd = nRows,
): void {
  const { feature, threshold, left, nanRight, treeRoot, treeDepth } = c;
  const nCols = nRows > 0 ? Math.floor(data.length / nRows) : 0;
  // scratch for one block, no larger than the rows need (a single-row predict allocated 61 kB here)
  const blockRows = Math.max(0, Math.min(BLOCK, rowEnd - rowStart));
  const nd = new Int32Array(blockRows);
  const xb = new Float64Array(blockRows * nCols);
  const nTrees = treeRoot.length;
  for (let i0 = rowStart; i0 < rowEnd; i0 += BLOCK) {
    const B = Math.min(BLOCK, rowEnd - i0);
    let nan = false;
    for (let f = 0; f < nCols; f++) {
      const src = f * nRows + i0;
      for (let j = 0, o = f; j < B; j++, o += nCols) {
        const v = data[src + j];
        xb[o] = v;
        if (Number.isNaN(v)) nan = true;
      }
    }
    for (let k = 0; k < nTrees; k++) {
      const root = treeRoot[k];
      const D = treeDepth[k];
      if (!nan) {
        let j = 0;
        for (; j + 7 < B; j += 8) {
          const r0 = j * nCols;
          const r1 = r0 + nCols;
          const r2 = r1 + nCols;
          const r3 = r2 + nCols;
          const r4 = r3 + nCols;
          const r5 = r4 + nCols;
          const r6 = r5 + nCols;
          const r7 = r6 + nCols;
          let n0 = root;
          let n1 = root;
          let n2 = root;
          let n3 = root;
          let n4 = root;
          let n5 = root;
          let n6 = root;
          let n7 = root;
          for (let d = 0; d < D; d++) {
            n0 = left[n0] + +(xb[r0 + feature[n0]] > threshold[n0]);
            n1 = left[n1] + +(xb[r1 + feature[n1]] > threshold[n1]);
            n2 = left[n2] + +(xb[r2 + feature[n2]] > threshold[n2]);
            n3 = left[n3] + +(xb[r3 + feature[n3]] > threshold[n3]);
            n4 = left[n4] + +(xb[r4 + feature[n4]] > threshold[n4]);
            n5 = left[n5] + +(xb[r5 + feature[n5]] > threshold[n5]);
            n6 = left[n6] + +(xb[r6 + feature[n6]] > threshold[n6]);
            n7 = left[n7] + +(xb[r7 + feature[n7]] > threshold[n7]);
          }
          nd[j] = n0;
          nd[j + 1] = n1;
          nd[j + 2] = n2;
          nd[j + 3] = n3;
          nd[j + 4] = n4;
          nd[j + 5] = n5;
          nd[j + 6] = n6;
          nd[j + 7] = n7;
        }
        // the rows left over (all of them for a request of a few rows): one walk at a time, so stop
        // at the leaf (a leaf routes to itself) instead of walking to the tree's deepest level
        for (; j < B; j++) {
          const rb = j * nCols;
          let n = root;
          for (let d = 0; d < D; d++) {
            const next = left[n] + +(xb[rb + feature[n]] > threshold[n]);
            if (next === n) break;
            n = next;
          }
          nd[j] = n;
        }
      } else {
        for (let j = 0, rb = 0; j < B; j++, rb += nCols) {
          let n = root;
          for (let d = 0; d < D; d++) {
            const x = xb[rb + feature[n]];
            n = left[n] + (+(x > threshold[n]) | (+Number.isNaN(x) & nanRight[n]));
          }
          nd[j] = n;
        }
      }
      const col = treeCol[k];
      if (dim === 1) {
        for (let j = 0; j < B; j++) out[(i0 + j) * outStride + col] += scale * value[nd[j]];
      } else {
        for (let j = 0; j < B; j++) {
          const o = (i0 + j) * outStride + col;
          const v = nd[j] * dim;
          for (let q = 0; q < dim; q++) out[o + q] += scale * value[v + q];
        }
      }
    }
  }
}

/**
 * One row (a single-row request): `data` is the row itself, so each tree walks it directly, stopping
 * at its leaf; the same sums, in the same order, as the blocked walk.
 */
function predictOne(
  c: CompiledTrees,
  value: Float64Array,
  dim: number,
  x: Float64Array,
  out: Float64Array,
  treeCol: Int32Array,
  scale: number,
): void {
  const { feature, threshold, left, nanRight, treeRoot, treeDepth } = c;
  for (let k = 0; k < treeRoot.length; k++) {
    let n = treeRoot[k];
    const D = treeDepth[k];
    for (let d = 0; d < D; d++) {
      const v = x[feature[n]];
      const next = left[n] + (+(v > threshold[n]) | (+Number.isNaN(v) & nanRight[n]));
      if (next === n) break;
      n = next;
    }
    const col = treeCol[k];
    if (dim === 1) out[col] += scale * value[n];
    else for (let q = 0; q < dim; q++) out[col + q] += scale * value[n * dim + q];
  }
}
