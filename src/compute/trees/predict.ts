/**
 * Fast batch prediction over column-major rows for tree ensembles without categorical splits.
 *
 * Trees are compiled once into a layout where a node's right child is its left child + 1 and leaves
 * point at themselves, so one routing step is branch-free:
 *   node = left[node] + ((x > threshold[node]) | (isNaN(x) & nanRight[node])).
 * Rows go in blocks; within a block every tree advances all rows one level at a time, so the
 * dependent load chains of different rows overlap (XGBoost's blocked predictor, minus SIMD).
 */
import { type TreeArrays, hasCategoricalSplits } from './tree-arrays.js';

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
 * column-major `data`.
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
): void {
  const { feature, threshold, left, nanRight, treeRoot, treeDepth } = c;
  const nd = new Int32Array(BLOCK);
  const nTrees = treeRoot.length;
  for (let i0 = 0; i0 < nRows; i0 += BLOCK) {
    const B = Math.min(BLOCK, nRows - i0);
    for (let k = 0; k < nTrees; k++) {
      const root = treeRoot[k];
      nd.fill(root, 0, B);
      const D = treeDepth[k];
      for (let d = 0; d < D; d++) {
        for (let j = 0; j < B; j++) {
          const n = nd[j];
          const x = data[feature[n] * nRows + i0 + j];
          nd[j] = left[n] + ((x > threshold[n] ? 1 : 0) | ((Number.isNaN(x) ? 1 : 0) & nanRight[n]));
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
