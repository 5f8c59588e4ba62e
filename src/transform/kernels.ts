/**
 * Hot loops of the transform stage: pure functions over typed arrays (no allocation beyond the
 * result or one scratch copy). NaN is missing.
 */

/** Copies the non-NaN values into a new Float64Array. */
export function presentValues(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isNaN(v)) out[k++] = v;
  }
  return k === x.length ? out : out.slice(0, k);
}

/** Rearranges `a[lo..hi]` so that a[k] is the k-th smallest (Hoare's quickselect, median-of-3 pivot). */
function select(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three to the middle
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}
function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Quantile (Hyndman & Fan type 7, as NumPy's default `linear`) of the non-NaN values by
 * quickselect: O(n) instead of a sort. Equals `quantileSorted(sortedPresent(x), q)` from
 * compute/stats exactly (same order statistics, same interpolation formula).
 */
export function fastQuantile(x: Float64Array, q: number): number {
  const a = presentValues(x);
  const n = a.length;
  if (n === 0) return Number.NaN;
  if (q <= 0 || q >= 1) {
    let m = q <= 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) m = q <= 0 ? Math.min(m, a[i]) : Math.max(m, a[i]);
    return m;
  }
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const frac = h - lo;
  select(a, lo);
  const vlo = a[lo];
  if (frac === 0) return vlo;
  // the next order statistic is the minimum of the upper part
  let vhi = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < n; i++) if (a[i] < vhi) vhi = a[i];
  return vlo + frac * (vhi - vlo);
}

export function fastMedian(x: Float64Array): number {
  return fastQuantile(x, 0.5);
}

/** Number of NaN entries. */
export function countMissing(x: Float64Array): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i])) n++;
  return n;
}

/** Most frequent non-NaN value (smallest on ties, like scikit-learn's SimpleImputer); NaN if none. */
export function mostFrequentNumber(x: Float64Array): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isNaN(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let best = Number.NaN;
  let bestN = 0;
  for (const [v, n] of counts) {
    if (n > bestN || (n === bestN && v < best)) {
      best = v;
      bestN = n;
    }
  }
  return best;
}

/** Counts per code (codes < 0 = missing are skipped). */
export function codeCounts(codes: Int32Array, nLevels: number): Int32Array {
  const counts = new Int32Array(nLevels);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c >= 0) counts[c]++;
  }
  return counts;
}
