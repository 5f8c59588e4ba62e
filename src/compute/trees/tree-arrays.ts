/**
 * Flat, typed-array decision trees (the layout of XGBoost's `RegTree` / LightGBM's `Tree` model text):
 * one array per node attribute, child links as node indices. Every tree learner in Aegle (GBDT, random
 * forest, CART) produces this one structure; it serialises as-is into `SerializedModel.arrays` and keeps
 * per-node cover (hessian or weight sum), sample count and split gain for TreeSHAP.
 *
 * Routing: a numeric node sends `x` left when `x <= threshold`; NaN follows `defaultLeft`. A categorical
 * node (catLen > 0) sends `x` left when the integer code `x` is in its bitset `catBits[catStart..+catLen)`;
 * NaN, negative, non-integer or unseen codes follow `defaultLeft`.
 */

/** One tree or a whole ensemble of trees laid end to end. */
export interface TreeArrays {
  /** Split feature; −1 marks a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** Split threshold as a bin index (training-time routing over binned data); −1 for leaves. */
  readonly thresholdBin: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly defaultLeft: Uint8Array;
  readonly catStart: Int32Array;
  readonly catLen: Int32Array;
  readonly catBits: Uint32Array;
  /** nNodes × valueDim node values (leaves: the prediction; inner nodes: what the node would predict). */
  readonly value: Float64Array;
  /** Hessian sum (GBDT) or sample-weight sum (forest, CART) of the training rows reaching the node. */
  readonly cover: Float64Array;
  /** Training rows reaching the node. */
  readonly count: Float64Array;
  /** Gain of the node's split (0 for leaves). */
  readonly gain: Float64Array;
  /** Root node of each tree. */
  readonly treeRoot: Int32Array;
  readonly valueDim: number;
}

/** Grows trees node by node (while training), then freezes them into `TreeArrays`. */
export class TreeBuilder {
  feature: number[] = [];
  threshold: number[] = [];
  thresholdBin: number[] = [];
  left: number[] = [];
  right: number[] = [];
  defaultLeft: number[] = [];
  catStart: number[] = [];
  catLen: number[] = [];
  catBits: number[] = [];
  value: number[] = [];
  cover: number[] = [];
  count: number[] = [];
  gain: number[] = [];
  treeRoot: number[] = [];

  constructor(readonly valueDim: number) {}

  get nNodes(): number {
    return this.feature.length;
  }

  /** Adds a leaf (to be split later, perhaps) and returns its index. */
  addNode(value: ArrayLike<number> | number, cover: number, count: number): number {
    const id = this.feature.length;
    this.feature.push(-1);
    this.threshold.push(0);
    this.thresholdBin.push(-1);
    this.left.push(-1);
    this.right.push(-1);
    this.defaultLeft.push(0);
    this.catStart.push(0);
    this.catLen.push(0);
    if (typeof value === 'number') this.value.push(value);
    else for (let k = 0; k < this.valueDim; k++) this.value.push(value[k]);
    this.cover.push(cover);
    this.count.push(count);
    this.gain.push(0);
    return id;
  }

  startTree(): number {
    this.treeRoot.push(this.feature.length);
    return this.treeRoot.length - 1;
  }

  /** Turns leaf `id` into a numeric split. */
  setNumericSplit(
    id: number,
    feature: number,
    threshold: number,
    bin: number,
    defaultLeft: boolean,
    gain: number,
    l: number,
    r: number,
  ): void {
    this.feature[id] = feature;
    this.threshold[id] = threshold;
    this.thresholdBin[id] = bin;
    this.defaultLeft[id] = defaultLeft ? 1 : 0;
    this.gain[id] = gain;
    this.left[id] = l;
    this.right[id] = r;
  }

  /** Turns leaf `id` into a categorical split sending the listed integer codes left. */
  setCategoricalSplit(
    id: number,
    feature: number,
    leftCodes: readonly number[],
    defaultLeft: boolean,
    gain: number,
    l: number,
    r: number,
  ): void {
    let max = 0;
    for (const c of leftCodes) if (c > max) max = c;
    const words = (max >>> 5) + 1;
    const start = this.catBits.length;
    for (let w = 0; w < words; w++) this.catBits.push(0);
    for (const c of leftCodes) this.catBits[start + (c >>> 5)] |= 1 << (c & 31);
    this.feature[id] = feature;
    this.threshold[id] = 0;
    this.thresholdBin[id] = -1;
    this.catStart[id] = start;
    this.catLen[id] = words;
    this.defaultLeft[id] = defaultLeft ? 1 : 0;
    this.gain[id] = gain;
    this.left[id] = l;
    this.right[id] = r;
  }

  setValue(id: number, value: number): void {
    this.value[id] = value;
  }

  freeze(): TreeArrays {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      thresholdBin: Int32Array.from(this.thresholdBin),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      catStart: Int32Array.from(this.catStart),
      catLen: Int32Array.from(this.catLen),
      catBits: Uint32Array.from(this.catBits.map((x) => x >>> 0)),
      value: Float64Array.from(this.value),
      cover: Float64Array.from(this.cover),
      count: Float64Array.from(this.count),
      gain: Float64Array.from(this.gain),
      treeRoot: Int32Array.from(this.treeRoot),
      valueDim: this.valueDim,
    };
  }
}

/** Concatenates ensembles (e.g. trees grown on different workers), re-basing node and bitset indices. */
export function concatTrees(parts: readonly TreeArrays[]): TreeArrays {
  const valueDim = parts.length ? parts[0].valueDim : 1;
  let nodes = 0;
  let words = 0;
  let trees = 0;
  for (const p of parts) {
    nodes += p.feature.length;
    words += p.catBits.length;
    trees += p.treeRoot.length;
  }
  const out = {
    feature: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    thresholdBin: new Int32Array(nodes),
    left: new Int32Array(nodes),
    right: new Int32Array(nodes),
    defaultLeft: new Uint8Array(nodes),
    catStart: new Int32Array(nodes),
    catLen: new Int32Array(nodes),
    catBits: new Uint32Array(words),
    value: new Float64Array(nodes * valueDim),
    cover: new Float64Array(nodes),
    count: new Float64Array(nodes),
    gain: new Float64Array(nodes),
    treeRoot: new Int32Array(trees),
    valueDim,
  };
  let n0 = 0;
  let w0 = 0;
  let t0 = 0;
  for (const p of parts) {
    const n = p.feature.length;
    out.feature.set(p.feature, n0);
    out.threshold.set(p.threshold, n0);
    out.thresholdBin.set(p.thresholdBin, n0);
    out.defaultLeft.set(p.defaultLeft, n0);
    out.catLen.set(p.catLen, n0);
    out.value.set(p.value, n0 * valueDim);
    out.cover.set(p.cover, n0);
    out.count.set(p.count, n0);
    out.gain.set(p.gain, n0);
    out.catBits.set(p.catBits, w0);
    for (let i = 0; i < n; i++) {
      out.left[n0 + i] = p.left[i] < 0 ? -1 : p.left[i] + n0;
      out.right[n0 + i] = p.right[i] < 0 ? -1 : p.right[i] + n0;
      out.catStart[n0 + i] = p.catStart[i] + w0;
    }
    for (let t = 0; t < p.treeRoot.length; t++) out.treeRoot[t0 + t] = p.treeRoot[t] + n0;
    n0 += n;
    w0 += p.catBits.length;
    t0 += p.treeRoot.length;
  }
  return out;
}

/** Leaf reached by row `i` of column-major `data` (nRows rows) from node `root`. */
export function leafOf(t: TreeArrays, root: number, data: Float64Array, nRows: number, i: number): number {
  const feature = t.feature;
  let nd = root;
  for (;;) {
    const f = feature[nd];
    if (f < 0) return nd;
    const x = data[f * nRows + i];
    const cl = t.catLen[nd];
    if (cl === 0) {
      nd =
        x <= t.threshold[nd]
          ? t.left[nd]
          : Number.isNaN(x) && t.defaultLeft[nd] === 1
            ? t.left[nd]
            : t.right[nd];
    } else {
      nd = catGoesLeft(t, nd, x) ? t.left[nd] : t.right[nd];
    }
  }
}

function catGoesLeft(t: TreeArrays, nd: number, x: number): boolean {
  if (!(x >= 0) || !Number.isInteger(x)) return t.defaultLeft[nd] === 1;
  const w = Math.floor(x / 32);
  if (w >= t.catLen[nd]) return false;
  return ((t.catBits[t.catStart[nd] + w] >>> (x % 32)) & 1) === 1;
}

/** True when any node of `t` splits on a category set. */
export function hasCategoricalSplits(t: TreeArrays): boolean {
  for (let i = 0; i < t.catLen.length; i++) if (t.catLen[i] > 0) return true;
  return false;
}

/**
 * Adds `scale × value(leaf)` of tree `tree` for rows [i0, i1) to `out` (row-major, stride `outStride`,
 * starting at column `outCol`; valueDim columns).
 */
export function accumulateTree(
  t: TreeArrays,
  tree: number,
  data: Float64Array,
  nRows: number,
  out: Float64Array,
  outStride: number,
  outCol: number,
  scale = 1,
  i0 = 0,
  i1 = nRows,
  hasCat = true,
): void {
  const root = t.treeRoot[tree];
  const feature = t.feature;
  const threshold = t.threshold;
  const left = t.left;
  const right = t.right;
  const defaultLeft = t.defaultLeft;
  const catLen = t.catLen;
  const value = t.value;
  const dim = t.valueDim;
  if (!hasCat && dim === 1) {
    for (let i = i0; i < i1; i++) {
      let nd = root;
      let f = feature[nd];
      while (f >= 0) {
        const x = data[f * nRows + i];
        nd = x <= threshold[nd] ? left[nd] : Number.isNaN(x) && defaultLeft[nd] === 1 ? left[nd] : right[nd];
        f = feature[nd];
      }
      out[i * outStride + outCol] += scale * value[nd];
    }
    return;
  }
  for (let i = i0; i < i1; i++) {
    let nd = root;
    let f = feature[nd];
    while (f >= 0) {
      const x = data[f * nRows + i];
      if (catLen[nd] === 0) {
        nd = x <= threshold[nd] ? left[nd] : Number.isNaN(x) && defaultLeft[nd] === 1 ? left[nd] : right[nd];
      } else nd = catGoesLeft(t, nd, x) ? left[nd] : right[nd];
      f = feature[nd];
    }
    if (dim === 1) out[i * outStride + outCol] += scale * value[nd];
    else for (let k = 0; k < dim; k++) out[i * outStride + outCol + k] += scale * value[nd * dim + k];
  }
}

/** Rows per block in `accumulateTrees`: a block's feature values stay in cache across all trees. */
const PREDICT_BLOCK = 512;

/**
 * Sums the outputs of every tree over every row of column-major `data` into `out` (row-major, stride
 * `outStride`); tree t adds to column `treeCol(t)`. Rows go in blocks, and for each block every tree
 * runs over the block — XGBoost's blocked predictor layout: the block's values and the trees stay in cache.
 */
export function accumulateTrees(
  t: TreeArrays,
  data: Float64Array,
  nRows: number,
  out: Float64Array,
  outStride: number,
  treeCol: (tree: number) => number,
  scale = 1,
): void {
  const hasCat = hasCategoricalSplits(t);
  const nTrees = t.treeRoot.length;
  const cols = Int32Array.from({ length: nTrees }, (_, k) => treeCol(k));
  for (let i0 = 0; i0 < nRows; i0 += PREDICT_BLOCK) {
    const i1 = Math.min(nRows, i0 + PREDICT_BLOCK);
    for (let k = 0; k < nTrees; k++)
      accumulateTree(t, k, data, nRows, out, outStride, cols[k], scale, i0, i1, hasCat);
  }
}

/** Names of the typed arrays of `TreeArrays`, for serialisation. */
const ARRAY_KEYS = [
  'feature',
  'threshold',
  'thresholdBin',
  'left',
  'right',
  'defaultLeft',
  'catStart',
  'catLen',
  'catBits',
  'value',
  'cover',
  'count',
  'gain',
  'treeRoot',
] as const;

/** The trees as named typed arrays (prefixed), for `SerializedModel.arrays`. */
export function treeArraysToRecord(
  t: TreeArrays,
  prefix = 'tree.',
): Record<string, TreeArrays[(typeof ARRAY_KEYS)[number]]> {
  const out: Record<string, TreeArrays[(typeof ARRAY_KEYS)[number]]> = {};
  for (const k of ARRAY_KEYS) out[prefix + k] = t[k];
  return out;
}

/** Inverse of `treeArraysToRecord`; returns null when an array is missing or of the wrong type. */
export function treeArraysFromRecord(
  rec: Record<string, unknown>,
  valueDim: number,
  prefix = 'tree.',
): TreeArrays | null {
  const expect: Record<(typeof ARRAY_KEYS)[number], unknown> = {
    feature: Int32Array,
    threshold: Float64Array,
    thresholdBin: Int32Array,
    left: Int32Array,
    right: Int32Array,
    defaultLeft: Uint8Array,
    catStart: Int32Array,
    catLen: Int32Array,
    catBits: Uint32Array,
    value: Float64Array,
    cover: Float64Array,
    count: Float64Array,
    gain: Float64Array,
    treeRoot: Int32Array,
  };
  const out: Record<string, unknown> = { valueDim };
  for (const k of ARRAY_KEYS) {
    const a = rec[prefix + k];
    if (!(a instanceof (expect[k] as any))) return null;
    out[k] = a;
  }
  const t = out as unknown as TreeArrays;
  const n = t.feature.length;
  if (t.value.length !== n * valueDim) return null;
  for (const k of ARRAY_KEYS)
    if (k !== 'catBits' && k !== 'treeRoot' && k !== 'value' && (t[k] as ArrayLike<number>).length !== n)
      return null;
  for (let i = 0; i < n; i++) {
    if (t.feature[i] >= 0 && (t.left[i] <= i || t.right[i] <= i || t.left[i] >= n || t.right[i] >= n))
      return null;
    if (t.catStart[i] + t.catLen[i] > t.catBits.length) return null;
  }
  for (const r of t.treeRoot) if (r < 0 || r >= n) return null;
  return t;
}
