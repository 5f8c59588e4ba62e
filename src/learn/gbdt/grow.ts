/**
 * The histogram tree learner of gradient boosting (LightGBM `serial_tree_learner.cpp`): grows one tree
 * on binned data from per-row gradients and hessians.
 *
 * - Rows of each node are a contiguous range of one index array, kept in ascending row order by a
 *   stable partition (so histogram reads go forward through memory).
 * - For every split, only the smaller child's histogram is built from rows; the larger child's is the
 *   parent's minus the smaller's (histogram subtraction), computed in the parent's buffer.
 * - Leaf-wise growth splits the leaf with the largest gain next (up to `maxLeaves`); depth-wise growth
 *   splits every splittable leaf of a level together, which lets one batch of histogram builds go to
 *   the workers per level.
 */
import {
  HIST_STRIDE,
  type HistBackend,
  type HistData,
  MISSING_BIN,
  type TreeBuilder,
  histSize,
} from '../../compute/index.js';
import { type FeatureMeta, type Split, type SplitParams, findBestSplit, leafOutput } from './split.js';

export interface GrowConfig extends SplitParams {
  readonly maxLeaves: number;
  readonly maxDepth: number;
  readonly depthwise: boolean;
  readonly learningRate: number;
}

/** Per-fit data the grower reads. */
export interface GrowData extends HistData {
  readonly meta: FeatureMeta;
  /** Per feature: numeric bin thresholds, or the category code of each bin. */
  readonly binValues: readonly Float64Array[];
}

/** A finished leaf: its node id, its rows rows[start..end), its (shrunk) value. */
export interface LeafRange {
  readonly node: number;
  readonly start: number;
  readonly end: number;
  readonly value: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  c: number;
  lo: number;
  hi: number;
  slot: Float64Array | null;
  split: Split | null;
}

export class HistTreeGrower {
  private readonly free: Float64Array[] = [];
  private readonly tmp: Int32Array;
  private readonly mask = new Uint8Array(256);
  private readonly size: number;

  private data: GrowData;

  constructor(
    data: GrowData,
    private readonly backend: HistBackend,
    private readonly cfg: GrowConfig,
  ) {
    this.data = data;
    this.size = histSize(data.meta.nBins.length);
    this.tmp = new Int32Array(data.nRows);
  }

  private slot(): Float64Array {
    return this.free.pop() ?? this.backend.alloc(this.size);
  }

  private release(l: Leaf): void {
    if (l.slot) this.free.push(l.slot);
    l.slot = null;
  }

  /**
   * Grows one tree over rows[0..m) into `builder`. `features` lists the features this tree may split
   * on (ascending). Returns the leaves with their row ranges.
   */
  async grow(
    builder: TreeBuilder,
    data: GrowData,
    m: number,
    allRows: boolean,
    features: Int32Array,
  ): Promise<LeafRange[]> {
    this.data = data;
    const { gh, rows } = data;
    const cfg = this.cfg;
    let g = 0;
    let h = 0;
    for (let i = 0; i < m; i++) {
      const r = rows[i];
      g += gh[2 * r];
      h += gh[2 * r + 1];
    }
    builder.startTree();
    const rootOut = leafOutput(g, h, cfg.lambda, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    const root: Leaf = {
      node: builder.addNode(rootOut * cfg.learningRate, h, m),
      start: 0,
      end: m,
      depth: 0,
      g,
      h,
      c: m,
      lo: Number.NEGATIVE_INFINITY,
      hi: Number.POSITIVE_INFINITY,
      slot: null,
      split: null,
    };
    const leaves: Leaf[] = [root];
    if (cfg.maxLeaves > 1 && cfg.maxDepth > 0) {
      root.slot = this.slot();
      await this.backend.build(this.data, [{ slot: root.slot, start: 0, end: m, all: allRows }], features);
      this.evaluate(root, features);
    }
    let nLeaves = 1;
    while (nLeaves < cfg.maxLeaves) {
      let batch: Leaf[];
      if (cfg.depthwise) {
        batch = leaves.filter((l) => l.split !== null);
        if (batch.length > cfg.maxLeaves - nLeaves) {
          batch.sort((a, b) => b.split!.gain - a.split!.gain || a.node - b.node);
          batch = batch.slice(0, cfg.maxLeaves - nLeaves).sort((a, b) => a.node - b.node);
        }
      } else {
        let best: Leaf | null = null;
        for (const l of leaves) if (l.split && (!best || l.split.gain > best.split!.gain)) best = l;
        batch = best ? [best] : [];
      }
      if (batch.length === 0) break;
      const children: Array<[Leaf, Leaf, Leaf]> = [];
      for (const p of batch) children.push(this.split(builder, p));
      nLeaves += batch.length;
      // Build the smaller child of each split from rows; subtract for the larger.
      const tasks = [];
      const needHist = (l: Leaf) => l.depth < cfg.maxDepth && l.c >= 2 * cfg.minChildSamples;
      const pairs: Array<[Leaf, Leaf, Leaf]> = [];
      for (const [p, a, b] of children) {
        const small = a.c <= b.c ? a : b;
        const large = small === a ? b : a;
        if (!needHist(a) && !needHist(b)) {
          this.release(p);
          continue;
        }
        small.slot = this.slot();
        tasks.push({ slot: small.slot, start: small.start, end: small.end, all: false });
        pairs.push([p, small, large]);
      }
      if (tasks.length) await this.backend.build(this.data, tasks, features);
      for (const [p, small, large] of pairs) {
        const ps = p.slot!;
        const ss = small.slot!;
        for (let k = 0; k < features.length; k++) {
          const o = features[k] * HIST_STRIDE;
          for (let j = 0; j < HIST_STRIDE; j++) ps[o + j] -= ss[o + j];
        }
        large.slot = ps;
        p.slot = null;
        for (const c of [small, large]) {
          if (needHist(c)) this.evaluate(c, features);
          else this.release(c);
        }
      }
      for (const [p, a, b] of children) {
        leaves.splice(leaves.indexOf(p), 1, a, b);
      }
      // Leaves that will never split give their buffers back.
      for (const l of leaves) if (!l.split && l.slot) this.release(l);
    }
    for (const l of leaves) this.release(l);
    return leaves
      .sort((a, b) => a.start - b.start)
      .map((l) => ({ node: l.node, start: l.start, end: l.end, value: builder.value[l.node] }));
  }

  private evaluate(l: Leaf, features: Int32Array): void {
    l.split = findBestSplit(l.slot!, 0, features, this.data.meta, l.g, l.h, l.c, l.lo, l.hi, this.cfg);
  }

  /** Partitions the parent's rows and creates its two child leaves. */
  private split(builder: TreeBuilder, p: Leaf): [Leaf, Leaf, Leaf] {
    const s = p.split!;
    const { bins, nRows, rows } = this.data;
    const cfg = this.cfg;
    const col = s.feature * nRows;
    const tmp = this.tmp;
    let w = p.start;
    let t = 0;
    // Branch-free stable partition: every row is written to both sides and only the side it belongs to
    // advances (w ≤ i, so the in-place writes never overtake the reads).
    const mask = this.mask;
    if (s.leftBins === null) {
      for (let b = 0; b < 256; b++) mask[b] = b <= s.bin ? 1 : 0;
    } else {
      mask.fill(0);
      for (const b of s.leftBins) mask[b] = 1;
    }
    mask[MISSING_BIN] = s.defaultLeft ? 1 : 0;
    for (let i = p.start; i < p.end; i++) {
      const r = rows[i];
      const left = mask[bins[col + r]];
      rows[w] = r;
      tmp[t] = r;
      w += left;
      t += left ^ 1;
    }
    rows.set(tmp.subarray(0, t), w);
    const mid = w;
    // Child bounds (monotone constraints, basic method): the midpoint of the two outputs separates them.
    let loL = p.lo;
    let hiL = p.hi;
    let loR = p.lo;
    let hiR = p.hi;
    const mono = this.data.meta.monotone[s.feature];
    if (mono !== 0) {
      const midOut = (s.outL + s.outR) / 2;
      if (mono > 0) {
        hiL = Math.min(hiL, midOut);
        loR = Math.max(loR, midOut);
      } else {
        loL = Math.max(loL, midOut);
        hiR = Math.min(hiR, midOut);
      }
    }
    const gr = p.g - s.gl;
    const hr = p.h - s.hl;
    const cr = p.c - s.cl;
    const lr = cfg.learningRate;
    const ln = builder.addNode(leafOutput(s.gl, s.hl, cfg.lambda, loL, hiL) * lr, s.hl, s.cl);
    const rn = builder.addNode(leafOutput(gr, hr, cfg.lambda, loR, hiR) * lr, hr, cr);
    if (s.leftBins === null) {
      const thresholds = this.data.binValues[s.feature];
      // Raw threshold: the bin's upper edge (bin nBins−1, the values-vs-missing split, is open-ended).
      const thr = s.bin < thresholds.length ? thresholds[s.bin] : Number.POSITIVE_INFINITY;
      builder.setNumericSplit(p.node, s.feature, thr, s.bin, s.defaultLeft, s.gain, ln, rn);
    } else {
      const codes = this.data.binValues[s.feature];
      builder.setCategoricalSplit(
        p.node,
        s.feature,
        s.leftBins.map((b) => codes[b]),
        s.defaultLeft,
        s.gain,
        ln,
        rn,
      );
    }
    const a: Leaf = {
      node: ln,
      start: p.start,
      end: mid,
      depth: p.depth + 1,
      g: s.gl,
      h: s.hl,
      c: s.cl,
      lo: loL,
      hi: hiL,
      slot: null,
      split: null,
    };
    const b: Leaf = {
      node: rn,
      start: mid,
      end: p.end,
      depth: p.depth + 1,
      g: gr,
      h: hr,
      c: cr,
      lo: loR,
      hi: hiR,
      slot: null,
      split: null,
    };
    p.split = null;
    return [p, a, b];
  }
}
