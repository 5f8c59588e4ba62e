/**
 * Per-leaf TreeSHAP weight tables — Fast TreeSHAP v2 (J. Yang, "Fast TreeSHAP: Accelerating SHAP
 * Value Computation for Trees", arXiv:2109.09847, 2021, section 3.3).
 *
 * With the path-dependent expectation, a leaf with value v whose root-to-leaf path splits on the
 * distinct features U (|U| = d) adds to feature i ∈ U
 *   φ_i += v · (o_i − z_i) · Σ_{S ⊆ U∖{i}} |S|!(d−|S|−1)!/d! · Π_{j∈S} o_j · Π_{j∈U∖S∖{i}} z_j,
 * where z_j is the product of the cover fractions of the path's edges on feature j and o_j ∈ {0, 1}
 * says whether the row follows all of them. The z are fixed by the tree; a row only chooses which of
 * the d features it fails, so each leaf has 2^d possible weight vectors. They are computed once per
 * tree (with the EXTEND / UNWOUND-SUM steps of Lundberg et al. 2020, Algorithm 2, on the leaf's path)
 * and each row then costs O(L·D) per tree instead of O(L·D²): route the row through the inner nodes,
 * collecting per node the bitmask of path features it has failed, and add each leaf's table row.
 * The values are the same sums as `tree_shap.h`'s, rounded in a different order (≈ 1e-16 relative).
 *
 * Memory is Σ_leaves 2^d·d doubles (24,576 per full depth-6 tree), so trees past the budget (deep
 * forests, CART) keep the recursive algorithm. Pure: typed arrays in, typed arrays out.
 */
import type { TreeArrays } from '../compute/index.js';

/** Weight tables of the trees of an ensemble that fit the budget (`fast[k] === 1`). */
export interface LeafWeights {
  /** Per tree: 1 when its rows are explained through the tables, 0 when by recursion. */
  readonly fast: Uint8Array;
  /** Inner nodes of fast tree k, parents first: `inner[innerStart[k] .. innerStart[k + 1])`. */
  readonly inner: Int32Array;
  readonly innerStart: Int32Array;
  /** Per inner node (by node index): the bit of its split feature among its path's distinct features. */
  readonly nodeBit: Int32Array;
  /** Leaves of fast tree k: `leaf[leafStart[k] .. leafStart[k + 1])` (node indices). */
  readonly leaf: Int32Array;
  readonly leafStart: Int32Array;
  /** Per leaf slot: distinct features on its path (d), where its table starts in `weights`, where its
   * features start in `pathFeature`. */
  readonly leafDepth: Int32Array;
  readonly weightStart: Int32Array;
  readonly featureStart: Int32Array;
  /** Feature of each bit of each leaf's path, by bit. */
  readonly pathFeature: Int32Array;
  /** Cover fraction z of each bit of each leaf's path (the product over its splits on that feature). */
  readonly pathZero: Float64Array;
  /** Per leaf: 2^d rows (indexed by the failed-feature bitmask) of d weights (o_i − z_i)·Σ…, by bit. */
  readonly weights: Float64Array;
}

export interface LeafWeightsOptions {
  /** Most distinct features on one leaf's path for its tree to get tables (default 12). */
  readonly maxPathFeatures?: number;
  /** Most table entries for one tree (default 2^18 = 2 MiB). */
  readonly maxTreeEntries?: number;
  /** Most table entries over all trees (default 2^23 = 64 MiB); later trees fall back to recursion. */
  readonly maxEntries?: number;
}

/**
 * Rows from which the tables pay for themselves on `t`: building a leaf's table costs about as much
 * as explaining 2^d rows on it by recursion, so this is 2^D for the deepest tree D (capped).
 */
export function leafWeightsMinRows(t: TreeArrays, opts: LeafWeightsOptions = {}): number {
  const cap = opts.maxPathFeatures ?? 12;
  let d = 0;
  const n = t.feature.length;
  const depth = new Int32Array(n);
  for (let i = 0; i < n; i++)
    if (t.feature[i] >= 0) {
      depth[t.left[i]] = depth[i] + 1;
      depth[t.right[i]] = depth[i] + 1;
      if (depth[i] + 1 > d) d = depth[i] + 1;
    }
  return 2 ** Math.min(d, cap);
}

/** Builds the weight tables of every tree of `t` that fits the budget (see `LeafWeightsOptions`). */
export function buildLeafWeights(t: TreeArrays, opts: LeafWeightsOptions = {}): LeafWeights {
  const maxD = opts.maxPathFeatures ?? 12;
  const maxTree = opts.maxTreeEntries ?? 2 ** 18;
  let budget = opts.maxEntries ?? 2 ** 23;
  const { feature, left, right, cover } = t;
  const nNodes = feature.length;
  const nTrees = t.treeRoot.length;
  const fast = new Uint8Array(nTrees);
  const nodeBit = new Int32Array(nNodes);
  const parent = new Int32Array(nNodes).fill(-1);
  const uniq = new Int32Array(nNodes); // distinct features on the path above the node
  const innerList: number[] = [];
  const innerStart = new Int32Array(nTrees + 1);
  const leafList: number[] = [];
  const leafStart = new Int32Array(nTrees + 1);
  const stack: number[] = [];
  let entries = 0;
  // pass 1: structure, per-leaf d, per-tree budget
  for (let k = 0; k < nTrees; k++) {
    innerStart[k] = innerList.length;
    leafStart[k] = leafList.length;
    const root = t.treeRoot[k];
    if (feature[root] < 0) {
      innerStart[k + 1] = innerList.length;
      leafStart[k + 1] = leafList.length;
      continue; // a single leaf only moves the expected value
    }
    const i0 = innerList.length;
    const l0 = leafList.length;
    let ok = true;
    let size = 0;
    parent[root] = -1;
    uniq[root] = 0;
    stack.length = 0;
    stack.push(root);
    while (stack.length) {
      const nd = stack.pop()!;
      const f = feature[nd];
      if (f < 0) {
        const d = uniq[nd];
        if (d > maxD) ok = false;
        else size += 2 ** d * d;
        leafList.push(nd);
        continue;
      }
      innerList.push(nd);
      // the bit of f on this path: that of the nearest ancestor splitting on f, else the next free one
      let bit = -1;
      for (let a = parent[nd]; a >= 0; a = parent[a])
        if (feature[a] === f) {
          bit = nodeBit[a];
          break;
        }
      const childUniq = bit < 0 ? uniq[nd] + 1 : uniq[nd];
      if (bit < 0) bit = uniq[nd] < 31 ? 1 << uniq[nd] : 0;
      if (childUniq > maxD) ok = false;
      nodeBit[nd] = bit;
      for (const c of [right[nd], left[nd]]) {
        parent[c] = nd;
        uniq[c] = childUniq;
        stack.push(c);
      }
      if (!ok) break;
    }
    if (ok && size <= maxTree && size <= budget) {
      fast[k] = 1;
      budget -= size;
      entries += size;
    } else {
      innerList.length = i0;
      leafList.length = l0;
    }
    innerStart[k + 1] = innerList.length;
    leafStart[k + 1] = leafList.length;
  }

  // pass 2: per leaf, its path's features and cover fractions, then one table row per failed mask
  const nLeaves = leafList.length;
  const leafDepth = new Int32Array(nLeaves);
  const weightStart = new Int32Array(nLeaves);
  const featureStart = new Int32Array(nLeaves);
  let nPath = 0;
  for (let s = 0; s < nLeaves; s++) nPath += uniq[leafList[s]];
  const pathFeature = new Int32Array(nPath);
  const pathZero = new Float64Array(nPath);
  const weights = new Float64Array(entries);
  const z = new Float64Array(maxD);
  const size = maxD + 2;
  const pw = new Float64Array(size);
  const pz = new Float64Array(size);
  const po = new Float64Array(size);
  let wOff = 0;
  let fOff = 0;
  for (let s = 0; s < nLeaves; s++) {
    const lf = leafList[s];
    const d = uniq[lf];
    leafDepth[s] = d;
    weightStart[s] = wOff;
    featureStart[s] = fOff;
    // walk up to the root, then multiply the fractions root-first (the order of the recursion)
    const edges: number[] = [];
    for (let c = lf; parent[c] >= 0; c = parent[c]) edges.push(c);
    z.fill(1);
    for (let e = edges.length - 1; e >= 0; e--) {
      const c = edges[e];
      const nd = parent[c];
      const b = 31 - Math.clz32(nodeBit[nd]);
      z[b] = (cover[c] / cover[nd]) * z[b];
      pathFeature[fOff + b] = feature[nd];
    }
    pathZero.set(z.subarray(0, d), fOff);
    for (let m = 0; m < 1 << d; m++) {
      // EXTEND the root's dummy element, then each distinct feature in bit order
      pw[0] = 1;
      for (let q = 0; q < d; q++) {
        const zero = z[q];
        const one = (m >>> q) & 1 ? 0 : 1;
        const depth = q + 1;
        pz[depth] = zero;
        po[depth] = one;
        pw[depth] = 0;
        for (let i = depth - 1; i >= 0; i--) {
          pw[i + 1] += (one * pw[i] * (i + 1)) / (depth + 1);
          pw[i] = (zero * pw[i] * (depth - i)) / (depth + 1);
        }
      }
      // UNWOUND-SUM of each feature, times (one − zero)
      const row = wOff + m * d;
      for (let q = 1; q <= d; q++) {
        const one = po[q];
        const zero = pz[q];
        let next = pw[d];
        let total = 0;
        if (one !== 0) {
          for (let i = d - 1; i >= 0; i--) {
            const tmp = (next * (d + 1)) / ((i + 1) * one);
            total += tmp;
            next = pw[i] - (tmp * zero * (d - i)) / (d + 1);
          }
        } else {
          for (let i = d - 1; i >= 0; i--) total += (pw[i] * (d + 1)) / (zero * (d - i));
        }
        weights[row + q - 1] = total * (one - zero);
      }
    }
    wOff += (1 << d) * d;
    fOff += d;
  }
  return {
    fast,
    inner: Int32Array.from(innerList),
    innerStart,
    nodeBit,
    leaf: Int32Array.from(leafList),
    leafStart,
    leafDepth,
    weightStart,
    featureStart,
    pathFeature,
    pathZero,
    weights,
  };
}

/** Per-leaf interaction tables over the leaves of `LeafWeights` (see `buildPairWeights`). */
export interface PairWeights {
  /** Per leaf slot: where its 2^d × d(d−1)/2 table starts in `pairs`. */
  readonly pairStart: Int32Array;
  /** Per leaf and failed mask, per pair of bits a < b (a-major): the pair's interaction weight. */
  readonly pairs: Float64Array;
}

/**
 * SHAP interaction tables of the leaves in `w` (Lundberg et al. 2020, SHAP interaction values, with the
 * per-leaf precomputation of Fast TreeSHAP v2). Fixing feature a multiplies a leaf by o_a instead of
 * z_a and takes a off its path, so the leaf adds to Φ_ab (a ≠ b on its path)
 *   ½ · v · (o_a − z_a) · (o_b − z_b) · Σ_{S ⊆ U∖{a,b}} |S|!(d−2−|S|)!/(d−1)! · Π_{j∈S} o_j · Π_{j∈U∖S∖{a,b}} z_j,
 * symmetric in a and b. Tabulated per failed mask (without v) with EXTEND / UNWOUND-SUM over the path
 * less a, as XGBoost's conditioned TreeSHAP computes it.
 */
export function buildPairWeights(w: LeafWeights): PairWeights {
  const nLeaves = w.leaf.length;
  const pairStart = new Int32Array(nLeaves);
  let total = 0;
  for (let s = 0; s < nLeaves; s++) {
    const d = w.leafDepth[s];
    pairStart[s] = total;
    total += (1 << d) * ((d * (d - 1)) / 2);
  }
  const pairs = new Float64Array(total);
  let maxD = 0;
  for (const d of w.leafDepth) if (d > maxD) maxD = d;
  const pw = new Float64Array(maxD + 2);
  const pz = new Float64Array(maxD + 2);
  const po = new Float64Array(maxD + 2);
  const bitOf = new Int32Array(maxD + 2);
  for (let s = 0; s < nLeaves; s++) {
    const d = w.leafDepth[s];
    if (d < 2) continue;
    const z = w.pathZero.subarray(w.featureStart[s], w.featureStart[s] + d);
    const nPairs = (d * (d - 1)) / 2;
    for (let m = 0; m < 1 << d; m++) {
      const row = pairStart[s] + m * nPairs;
      let pair = 0;
      for (let a = 0; a < d; a++) {
        const oa = (m >>> a) & 1 ? 0 : 1;
        // EXTEND the root's dummy, then every bit but a
        pw[0] = 1;
        let depth = 0;
        for (let q = 0; q < d; q++) {
          if (q === a) continue;
          const zero = z[q];
          const one = (m >>> q) & 1 ? 0 : 1;
          depth += 1;
          bitOf[depth] = q;
          pz[depth] = zero;
          po[depth] = one;
          pw[depth] = 0;
          for (let i = depth - 1; i >= 0; i--) {
            pw[i + 1] += (one * pw[i] * (i + 1)) / (depth + 1);
            pw[i] = (zero * pw[i] * (depth - i)) / (depth + 1);
          }
        }
        // UNWOUND-SUM of each b > a
        for (let r = 1; r <= depth; r++) {
          const b = bitOf[r];
          if (b < a) continue;
          const one = po[r];
          const zero = pz[r];
          let next = pw[depth];
          let sum = 0;
          if (one !== 0) {
            for (let i = depth - 1; i >= 0; i--) {
              const tmp = (next * (depth + 1)) / ((i + 1) * one);
              sum += tmp;
              next = pw[i] - (tmp * zero * (depth - i)) / (depth + 1);
            }
          } else {
            for (let i = depth - 1; i >= 0; i--) sum += (pw[i] * (depth + 1)) / (zero * (depth - i));
          }
          pairs[row + pair] = (sum * (one - zero) * (oa - z[a])) / 2;
          pair += 1;
        }
      }
    }
  }
  return { pairStart, pairs };
}
