/**
 * Impurity-based decision trees on binned features (CART: Breiman et al. 1984; random forests:
 * Breiman 2001), the kernel behind `cart` and `random-forest`. Pure: runs on workers.
 *
 * Split search uses the bin matrix of `binning.ts`: a candidate threshold lies between two occupied
 * bins (scikit-learn searches between sorted raw values; with ≤ 255 distinct values per feature the
 * two coincide up to where in the gap the threshold sits — the global bin midpoint here, the node-local
 * midpoint there). Missing values (their own bin, scanned last) go right. Per node, only the bins that
 * occur are visited and cleared, so deep trees with small nodes stay cheap.
 *
 * Criteria: gini, entropy (classification; class counts weighted by sample weight × bootstrap count)
 * and squared error (regression). Feature sampling follows scikit-learn: features are visited in a
 * random order and the search stops after `maxFeatures` non-constant ones.
 */
import { Rng } from '../../core/index.js';
import { MISSING_BIN } from './binning.js';
import { type TreeArrays, TreeBuilder } from './tree-arrays.js';

export type Criterion = 'gini' | 'entropy' | 'squared_error';

export interface ImpurityTreeTask {
  readonly bins: Uint8Array;
  readonly nRows: number;
  readonly nFeatures: number;
  /** Concatenated per-feature bin thresholds; feature j's are thresholds[thrOffset[j]..thrOffset[j+1]). */
  readonly thresholds: Float64Array;
  readonly thrOffset: Int32Array;
  /** Class codes 0..K−1 (classification) or values (regression). */
  readonly y: Float64Array;
  /** Sample weights (null = 1). */
  readonly w: Float64Array | null;
  /** Classes (0 for regression). */
  readonly nClasses: number;
  readonly criterion: Criterion;
  readonly maxDepth: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  readonly minImpurityDecrease: number;
  readonly maxFeatures: number;
  readonly bootstrap: boolean;
  /** Seeds of the trees to grow (one tree per seed). */
  readonly seeds: readonly number[];
  /** Accumulate out-of-bag predictions (sums of leaf values, and counts) over the trees. */
  readonly oob: boolean;
}

export interface ImpurityTreeResult {
  readonly trees: TreeArrays;
  /** n × valueDim sums of out-of-bag predictions (null unless requested). */
  readonly oobSum: Float64Array | null;
  /** Trees for which each row was out of bag. */
  readonly oobCount: Int32Array | null;
}

/** Grows one tree per seed. */
export function growImpurityTree(task: ImpurityTreeTask): ImpurityTreeResult {
  const K = task.nClasses;
  const dim = K > 0 ? K : 1;
  const builder = new TreeBuilder(dim);
  const n = task.nRows;
  const oobSum = task.oob ? new Float64Array(n * dim) : null;
  const oobCount = task.oob ? new Int32Array(n) : null;
  const g = new Grower(task);
  for (const seed of task.seeds) {
    const rng = new Rng(seed);
    const mult = new Float64Array(n);
    if (task.bootstrap) {
      for (let i = 0; i < n; i++) mult[rng.int(n)] += 1;
    } else mult.fill(1);
    const tree = builder.treeRoot.length;
    g.grow(builder, mult, rng);
    if (oobSum && oobCount) {
      const root = builder.treeRoot[tree];
      for (let i = 0; i < n; i++) {
        if (mult[i] > 0) continue;
        let nd = root;
        while (builder.feature[nd] >= 0) {
          const b = task.bins[builder.feature[nd] * n + i];
          nd = b !== MISSING_BIN && b <= builder.thresholdBin[nd] ? builder.left[nd] : builder.right[nd];
        }
        for (let k = 0; k < dim; k++) oobSum[i * dim + k] += builder.value[nd * dim + k];
        oobCount[i]++;
      }
    }
  }
  return { trees: builder.freeze(), oobSum, oobCount };
}

class Grower {
  private readonly S: number;
  private readonly stats: Float64Array;
  private readonly touched = new Int32Array(256);
  private readonly rows: Int32Array;
  private readonly tmp: Int32Array;
  private readonly wRow: Float64Array;
  private readonly featOrder: Int32Array;

  constructor(private readonly t: ImpurityTreeTask) {
    // per bin: classification K weighted counts + row count; regression (w, wy, count)
    this.S = t.nClasses > 0 ? t.nClasses + 1 : 3;
    this.stats = new Float64Array(256 * this.S);
    this.rows = new Int32Array(t.nRows);
    this.tmp = new Int32Array(t.nRows);
    this.wRow = new Float64Array(t.nRows);
    this.featOrder = new Int32Array(t.nFeatures);
  }

  /** Impurity × weight of a node with stats `s` (length S−1 for classes; [w, wy] for regression). */
  private impurity(s: Float64Array, o: number, W: number, sq: number): number {
    const K = this.t.nClasses;
    if (W <= 0) return 0;
    if (K === 0) return sq - (s[o + 1] * s[o + 1]) / W;
    if (this.t.criterion === 'gini') {
      let q = 0;
      for (let k = 0; k < K; k++) q += s[o + k] * s[o + k];
      return W - q / W;
    }
    let e = 0;
    for (let k = 0; k < K; k++) {
      const c = s[o + k];
      if (c > 0) e -= c * Math.log2(c / W);
    }
    return e;
  }

  grow(builder: TreeBuilder, mult: Float64Array, rng: Rng): void {
    const t = this.t;
    const n = t.nRows;
    const K = t.nClasses;
    const S = this.S;
    const rows = this.rows;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (mult[i] > 0) {
        rows[m++] = i;
        this.wRow[i] = mult[i] * (t.w ? t.w[i] : 1);
      }
    }
    builder.startTree();
    const dim = K > 0 ? K : 1;
    // Node totals: classes (K) or (w, wy); plus Σ w y² for regression.
    const totals = (start: number, end: number) => {
      const s = new Float64Array(K > 0 ? K : 2);
      let sq = 0;
      for (let i = start; i < end; i++) {
        const r = rows[i];
        const wr = this.wRow[r];
        if (K > 0) s[t.y[r]] += wr;
        else {
          s[0] += wr;
          s[1] += wr * t.y[r];
          sq += wr * t.y[r] * t.y[r];
        }
      }
      return { s, sq };
    };
    const leafValue = (s: Float64Array): number[] => {
      if (K === 0) return [s[0] > 0 ? s[1] / s[0] : 0];
      let W = 0;
      for (let k = 0; k < K; k++) W += s[k];
      return Array.from(s, (c) => (W > 0 ? c / W : 0));
    };
    const weightOf = (s: Float64Array) => {
      if (K === 0) return s[0];
      let W = 0;
      for (let k = 0; k < K; k++) W += s[k];
      return W;
    };
    const root = totals(0, m);
    const rootId = builder.addNode(leafValue(root.s), weightOf(root.s), m);
    const stack: Array<{
      id: number;
      start: number;
      end: number;
      depth: number;
      s: Float64Array;
      sq: number;
    }> = [{ id: rootId, start: 0, end: m, depth: 0, s: root.s, sq: root.sq }];
    const stats = this.stats;
    const touched = this.touched;
    const order = this.featOrder;
    const nF = t.nFeatures;
    const minLeaf = t.minSamplesLeaf;
    while (stack.length) {
      const node = stack.pop()!;
      const cnt = node.end - node.start;
      const W = weightOf(node.s);
      const parentImp = this.impurity(node.s, 0, W, node.sq);
      if (
        node.depth >= t.maxDepth ||
        cnt < t.minSamplesSplit ||
        cnt < 2 * minLeaf ||
        parentImp <= 1e-12 * Math.max(1, W)
      )
        continue;
      for (let j = 0; j < nF; j++) order[j] = j;
      let bestGain = Number.NEGATIVE_INFINITY;
      let bestF = -1;
      let bestBin = -1;
      let visited = 0;
      const left = new Float64Array(K > 0 ? K : 2);
      let bestLeft: Float64Array | null = null;
      let bestLeftSq = 0;
      for (let j = 0; j < nF && visited < t.maxFeatures; j++) {
        // partial Fisher–Yates: the next random feature
        const pick = j + rng.int(nF - j);
        const f = order[pick];
        order[pick] = order[j];
        order[j] = f;
        const col = f * n;
        let nt = 0;
        for (let i = node.start; i < node.end; i++) {
          const r = rows[i];
          const b = t.bins[col + r];
          const o = b * S;
          if (stats[o + S - 1] === 0) touched[nt++] = b;
          const wr = this.wRow[r];
          if (K > 0) stats[o + t.y[r]] += wr;
          else {
            stats[o] += wr;
            stats[o + 1] += wr * t.y[r];
          }
          stats[o + S - 1] += 1;
        }
        if (nt <= 1) {
          if (nt === 1) stats.fill(0, touched[0] * S, touched[0] * S + S);
          continue; // constant in this node: does not count towards maxFeatures
        }
        visited++;
        const tb = touched.subarray(0, nt).sort();
        left.fill(0);
        let lc = 0;
        let lsq = 0;
        for (let q = 0; q < nt - 1; q++) {
          const o = tb[q] * S;
          if (K > 0) for (let k = 0; k < K; k++) left[k] += stats[o + k];
          else {
            left[0] += stats[o];
            left[1] += stats[o + 1];
          }
          lc += stats[o + S - 1];
          if (K === 0) lsq = 0; // Σwy² cancels in the gain for squared error
          const rc = cnt - lc;
          if (lc < minLeaf || rc < minLeaf) continue;
          const WL = weightOf(left);
          const WR = W - WL;
          let gain: number;
          if (K === 0) {
            const SR = node.s[1] - left[1];
            gain = (left[1] * left[1]) / WL + (SR * SR) / WR - (node.s[1] * node.s[1]) / W;
          } else {
            let impL: number;
            let impR: number;
            if (t.criterion === 'gini') {
              let qL = 0;
              let qR = 0;
              for (let k = 0; k < K; k++) {
                const cl = left[k];
                const cr = node.s[k] - cl;
                qL += cl * cl;
                qR += cr * cr;
              }
              impL = WL - qL / WL;
              impR = WR - qR / WR;
            } else {
              impL = 0;
              impR = 0;
              for (let k = 0; k < K; k++) {
                const cl = left[k];
                const cr = node.s[k] - cl;
                if (cl > 0) impL -= cl * Math.log2(cl / WL);
                if (cr > 0) impR -= cr * Math.log2(cr / WR);
              }
            }
            gain = parentImp - impL - impR;
          }
          if (gain > bestGain + 1e-12 * Math.max(1, W)) {
            bestGain = gain;
            bestF = f;
            bestBin = tb[q];
            bestLeft = left.slice();
            bestLeftSq = lsq;
          }
        }
        for (let q = 0; q < nt; q++) stats.fill(0, tb[q] * S, tb[q] * S + S);
      }
      void bestLeftSq;
      if (bestF < 0 || bestLeft === null || bestGain <= 0 || bestGain < t.minImpurityDecrease * 1) continue;
      // partition (stable)
      const col = bestF * n;
      let wp = node.start;
      let tp = 0;
      for (let i = node.start; i < node.end; i++) {
        const r = rows[i];
        const b = t.bins[col + r];
        if (b !== MISSING_BIN && b <= bestBin) rows[wp++] = r;
        else this.tmp[tp++] = r;
      }
      rows.set(this.tmp.subarray(0, tp), wp);
      const lt = K > 0 ? { s: bestLeft, sq: 0 } : totals(node.start, wp);
      const rt = totals(wp, node.end);
      const ln = builder.addNode(leafValue(lt.s), weightOf(lt.s), wp - node.start);
      const rn = builder.addNode(leafValue(rt.s), weightOf(rt.s), node.end - wp);
      const thrs = t.thresholds;
      const a = t.thrOffset[bestF];
      const nThr = t.thrOffset[bestF + 1] - a;
      const thr = bestBin < nThr ? thrs[a + bestBin] : Number.POSITIVE_INFINITY;
      builder.setNumericSplit(node.id, bestF, thr, bestBin, false, bestGain, ln, rn);
      // depth-first: push right then left so the left subtree is grown first
      stack.push({ id: rn, start: wp, end: node.end, depth: node.depth + 1, s: rt.s, sq: rt.sq });
      stack.push({ id: ln, start: node.start, end: wp, depth: node.depth + 1, s: lt.s, sq: lt.sq });
    }
    void dim;
  }
}
