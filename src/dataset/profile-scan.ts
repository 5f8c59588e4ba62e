/**
 * One streaming pass over a table's numeric columns for the profiler: exact counts, moments,
 * histograms and out-of-range counts, HyperLogLog distinct counts, and a seeded Bernoulli row sample
 * (aligned across columns) for quantiles and correlations. DuckDB decodes the columns; the
 * arithmetic runs on its 2,048-row vectors as typed arrays, so memory stays at the sample's size
 * whatever the table's.
 */
import { type DuckStore, copyDoubleVector, ident } from '../store/index.js';
import type { ColumnSchema } from '../store/index.js';

/** What the pass needs to know of one numeric column. */
export interface NumericScanSpec {
  readonly column: ColumnSchema;
  /** Extremes (from DuckDB's statistics) that fix the histogram's bins; null for an all-missing column. */
  readonly lo: number | null;
  readonly hi: number | null;
  /** A plausible range to count values outside of, and an alternative-unit range inside that. */
  readonly range?: { min: number; max: number; alt?: { min: number; max: number } };
}

export interface NumericScan {
  readonly count: number;
  readonly mean: number | null;
  /** Sample standard deviation (n − 1). */
  readonly sd: number | null;
  readonly histogram: { edges: number[]; counts: number[] } | null;
  readonly outOfRange: number;
  readonly altUnit: number;
  /** HyperLogLog estimate of the number of distinct values (null when `distinct` was not asked). */
  readonly distinct: number | null;
  /** The sampled rows' values (NaN missing), aligned across columns. */
  readonly sample: Float64Array;
}

export interface ScanOptions {
  readonly bins: number;
  /** Keep each row with this probability (1 keeps every row). */
  readonly sampleFraction: number;
  readonly seed: number;
  /** Estimate distinct counts with HyperLogLog. */
  readonly distinct: boolean;
}

function numericExpr(c: ColumnSchema): string {
  const id = ident(c.name);
  if (c.type === 'BOOLEAN') return `COALESCE(CAST(CAST(${id} AS INTEGER) AS DOUBLE), 'NaN'::DOUBLE)`;
  return `COALESCE(CAST(${id} AS DOUBLE), 'NaN'::DOUBLE)`;
}

/**
 * murmur3's 32-bit finaliser: a fast, well-mixed hash of a 32-bit word. Returned as a signed int32
 * (V8 keeps it unboxed in hot loops; `>>> 0` when an unsigned value is needed).
 */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** HyperLogLog (Flajolet et al. 2007) with 2¹⁴ registers (standard error ≈ 0.8%) over 32-bit hashes. */
export class HyperLogLog {
  static readonly P = 14;
  /** Register j holds the largest rank seen among hashes whose top P bits are j. */
  readonly registers = new Uint8Array(1 << HyperLogLog.P);

  add(hash: number): void {
    const idx = hash >>> (32 - HyperLogLog.P);
    const rank = Math.clz32((hash << HyperLogLog.P) | (1 << (HyperLogLog.P - 1))) + 1;
    if (rank > this.registers[idx]) this.registers[idx] = rank;
  }

  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      sum += 2 ** -this.registers[i];
      if (this.registers[i] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    let e = (alpha * m * m) / sum;
    if (e <= 2.5 * m && zeros > 0)
      e = m * Math.log(m / zeros); // small range: linear counting
    else if (e > 2 ** 32 / 30) e = -(2 ** 32) * Math.log(1 - e / 2 ** 32); // large range
    return Math.round(e);
  }
}

/** Streams the numeric columns of `table` once. */
export async function scanNumericColumns(
  db: DuckStore,
  table: string,
  specs: readonly NumericScanSpec[],
  opts: ScanOptions,
): Promise<NumericScan[]> {
  const k = specs.length;
  if (k === 0) return [];
  const { bins } = opts;
  const nb = specs.map((s) => (s.lo !== null && s.hi !== null && s.hi > s.lo ? bins : 1));
  const width = specs.map((s) => (s.lo !== null && s.hi !== null && s.hi > s.lo ? (s.hi - s.lo) / bins : 1));
  const hist = specs.map((_, j) => new Float64Array(nb[j]));
  const count = new Float64Array(k);
  const mean = new Float64Array(k);
  const m2 = new Float64Array(k);
  const oor = new Float64Array(k);
  const alt = new Float64Array(k);
  const hll = opts.distinct ? specs.map(() => new HyperLogLog()) : null;
  const threshold = Math.min(2 ** 32, Math.floor(opts.sampleFraction * 2 ** 32));
  const seedMix = fmix32(opts.seed ^ 0x9e3779b9);
  const sample: Float64Array[] = specs.map(() => new Float64Array(1024));
  let sampled = 0;
  const buf = new Float64Array(2048);
  const words = new Uint32Array(buf.buffer);
  const keep = new Int32Array(2048);
  let row = 0;

  const sql = `SELECT ${specs.map((s) => numericExpr(s.column)).join(', ')} FROM ${ident(table)}`;
  for await (const chunk of db.chunks(sql)) {
    const rows = chunk.rowCount;
    // which rows of this chunk join the sample (the same rows for every column)
    let nKeep = 0;
    for (let i = 0; i < rows; i++) {
      if (threshold >= 2 ** 32 || fmix32((row + i) ^ seedMix) >>> 0 < threshold) keep[nKeep++] = i;
    }
    if (sampled + nKeep > sample[0].length) {
      const cap = Math.max(sample[0].length * 2, sampled + nKeep);
      for (let j = 0; j < k; j++) {
        const grown = new Float64Array(cap);
        grown.set(sample[j].subarray(0, sampled));
        sample[j] = grown;
      }
    }
    for (let j = 0; j < k; j++) {
      copyDoubleVector(chunk.getColumnVector(j), buf, 0);
      const spec = specs[j];
      // chunk moments by two passes, merged into the running ones (Chan et al.): exact to rounding
      let c = 0;
      let s = 0;
      for (let i = 0; i < rows; i++) {
        const x = buf[i];
        if (!Number.isNaN(x)) {
          c++;
          s += x;
        }
      }
      if (c > 0) {
        const cm = s / c;
        let cm2 = 0;
        const h = hist[j];
        const lo = spec.lo ?? 0;
        const w = width[j];
        const top = nb[j] - 1;
        const r = spec.range;
        const regs = hll ? hll[j].registers : null;
        for (let i = 0; i < rows; i++) {
          const x = buf[i];
          if (Number.isNaN(x)) continue;
          const d = x - cm;
          cm2 += d * d;
          const b = Math.floor((x - lo) / w);
          h[Math.max(0, Math.min(top, b))]++;
          if (r && (x < r.min || x > r.max)) {
            oor[j]++;
            if (r.alt && x >= r.alt.min && x <= r.alt.max) alt[j]++;
          }
          if (regs) {
            // hash the value's 64 bits (0 and −0 alike) into the HyperLogLog registers (inlined `add`)
            const lw = x === 0 ? 0 : words[2 * i];
            const hw = x === 0 ? 0 : words[2 * i + 1];
            const hh = fmix32(lw ^ fmix32(hw ^ 0x27d4eb2f));
            const idx = hh >>> 18; // 32 − P
            const rank = Math.clz32((hh << 14) | 0x2000) + 1;
            if (rank > regs[idx]) regs[idx] = rank;
          }
        }
        const n0 = count[j];
        const n1 = n0 + c;
        const delta = cm - mean[j];
        mean[j] += (delta * c) / n1;
        m2[j] += cm2 + (delta * delta * n0 * c) / n1;
        count[j] = n1;
      }
      const out = sample[j];
      for (let q = 0; q < nKeep; q++) out[sampled + q] = buf[keep[q]];
    }
    sampled += nKeep;
    row += rows;
  }

  return specs.map((spec, j) => {
    const n = count[j];
    const lo = spec.lo;
    return {
      count: n,
      mean: n > 0 ? mean[j] : null,
      sd: n > 1 ? Math.sqrt(m2[j] / (n - 1)) : null,
      histogram:
        lo === null || n === 0
          ? null
          : {
              edges: Array.from({ length: nb[j] + 1 }, (_, i) => lo + i * width[j]),
              counts: Array.from(hist[j]),
            },
      outOfRange: oor[j],
      altUnit: alt[j],
      distinct: hll ? hll[j].estimate() : null,
      sample: sample[j].subarray(0, sampled),
    };
  });
}

/**
 * Type-7 quantiles (linear interpolation between order statistics; pandas' and R's default) of the
 * non-missing values, by selection rather than a full sort.
 */
export function type7Quantiles(x: Float64Array, ps: readonly number[]): number[] | null {
  let m = 0;
  const v = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) v[m++] = x[i];
  if (m === 0) return null;
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = new Array<number>(ps.length);
  let from = 0;
  for (const { p, i } of order) {
    const h = (m - 1) * p;
    const lo = Math.floor(h);
    select(v, from, m - 1, lo);
    const a = v[lo];
    let b = a;
    if (lo + 1 < m && h > lo) {
      // the next order statistic is the smallest value to the right of position lo
      b = v[lo + 1];
      for (let t = lo + 2; t < m; t++) if (v[t] < b) b = v[t];
    }
    out[i] = a + (h - lo) * (b - a);
    from = lo;
  }
  return out;
}

/** Places the k-th smallest of v[left..right] at index k (Hoare partition, median-of-three pivot). */
function select(v: Float64Array, left: number, right: number, k: number): void {
  while (right > left) {
    const mid = (left + right) >>> 1;
    // median of three
    let a = v[left];
    let b = v[mid];
    let c = v[right];
    if (a > b) [a, b] = [b, a];
    if (b > c) [b, c] = [c, b];
    if (a > b) [a, b] = [b, a];
    const pivot = b;
    let i = left;
    let j = right;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

/** The number of distinct non-missing values (exact; for small tables). */
export function exactDistinct(x: Float64Array): number {
  let m = 0;
  const v = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) v[m++] = x[i] === 0 ? 0 : x[i];
  if (m === 0) return 0;
  const s = v.subarray(0, m).sort();
  let d = 1;
  for (let i = 1; i < m; i++) if (s[i] !== s[i - 1]) d++;
  return d;
}

/**
 * Pearson correlations over pairwise-complete rows (NaN = missing), on values centred by their mean
 * so the one-pass sums keep their precision. Null where a pair has fewer than two complete rows or
 * no variance.
 */
export function pearsonMatrix(columns: readonly Float64Array[]): (number | null)[][] {
  const k = columns.length;
  const n = k ? columns[0].length : 0;
  const complete: boolean[] = [];
  const centred = columns.map((x) => {
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(x[i])) continue;
      s += x[i];
      c++;
    }
    complete.push(c === n);
    const mean = c ? s / c : 0;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = x[i] - mean;
    return out;
  });
  const matrix: (number | null)[][] = columns.map(() => columns.map(() => null));
  for (let a = 0; a < k; a++) {
    const x = centred[a];
    for (let b = a; b < k; b++) {
      const y = centred[b];
      let c = 0;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      if (complete[a] && complete[b]) {
        c = n;
        for (let i = 0; i < n; i++) {
          const xi = x[i];
          const yi = y[i];
          sx += xi;
          sy += yi;
          sxx += xi * xi;
          syy += yi * yi;
          sxy += xi * yi;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const xi = x[i];
          const yi = y[i];
          if (Number.isNaN(xi) || Number.isNaN(yi)) continue;
          c++;
          sx += xi;
          sy += yi;
          sxx += xi * xi;
          syy += yi * yi;
          sxy += xi * yi;
        }
      }
      let r: number | null = null;
      if (c >= 2) {
        const vx = sxx - (sx * sx) / c;
        const vy = syy - (sy * sy) / c;
        const cov = sxy - (sx * sy) / c;
        if (vx > 0 && vy > 0) r = a === b ? 1 : Math.max(-1, Math.min(1, cov / Math.sqrt(vx * vy)));
      }
      matrix[a][b] = r;
      matrix[b][a] = r;
    }
  }
  return matrix;
}
