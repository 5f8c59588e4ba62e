/**
 * Correctly rounded conversion of a decimal with 16 to 19 significant digits, w / 10^k, without
 * building a string: the fast path for the full-precision floats that pandas and NumPy write
 * ("-0.37261065535787946"). Shorter mantissas need no help (an integer below 2^53 divided by an exact
 * power of ten is already correctly rounded); this one carries the mantissa as two exact parts.
 *
 * Method: w = hi·10^n + lo is formed exactly as a double-double (Dekker's TwoProduct with Veltkamp
 * splitting, Knuth's TwoSum); q ≈ w/10^k comes from the rounded reciprocal, and delta, the rest of
 * w/10^k, from the exact remainder w − q·10^k. IEEE addition rounds q + delta correctly, and since
 * delta is off by less than 2^-50 ulp, c = q + delta is the correctly rounded w/10^k unless q + delta
 * lies within 2^-20 ulp of a midpoint between two doubles (checked with Rump's ufp while q and c share
 * a binade). Otherwise c, or its neighbour, must be proven by its own remainder w − c·10^k; near a
 * halfway point the function declines (NaN, and the caller uses `parseFloat`), which for data as
 * NumPy writes it happens about once in 2^30 values.
 */

const SPLITTER = 134217729; // 2^27 + 1
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const INV10 = POW10.map((p) => 1 / p);
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

let productError = 0;
/** a·b = product + productError, exactly (no overflow here). */
function twoProduct(a: number, b: number): number {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  productError = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

/**
 * The unit in the first place of a positive double, 2^⌊log2 x⌋, in three operations (Rump, Ogita
 * and Oishi, "Accurate floating-point summation part I", SIAM J. Sci. Comput. 31(1), 2008, Alg. 3.5).
 */
function ufp(x: number): number {
  const q = 4503599627370497 * x; // (2^52 + 1)·x
  const r = q - 0.9999999999999999 * q; // (1 − 2^-53)·q
  return r < 0 ? -r : r;
}

/** The next double after a positive finite `q`, towards +∞ (`up`) or 0. */
function neighbour(q: number, up: boolean): number {
  f64[0] = q;
  let lo = u32[0];
  let hi = u32[1];
  if (up) {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi++;
  } else {
    if (lo === 0) hi--;
    lo = (lo - 1) >>> 0;
  }
  u32[0] = lo;
  u32[1] = hi;
  return f64[0];
}

/** Half a unit in the last place of a positive normal double, on the side of `below`. */
function halfUlp(q: number, below: boolean): number {
  f64[0] = q;
  const exp = (u32[1] >>> 20) & 0x7ff;
  // a power of two has its lower neighbour half as far away as its upper one
  const atPowerOfTwo = (u32[1] & 0xfffff) === 0 && u32[0] === 0;
  // ulp = 2^(exp − 1075); half of it is 2^(exp − 1076)
  u32[1] = (exp - (below && atPowerOfTwo ? 54 : 53)) << 20;
  u32[0] = 0;
  return f64[0];
}

/**
 * (hi·10^n + lo) / 10^k rounded to nearest, ties to even — or NaN when too close to call.
 * Requires 0 ≤ hi < 2^53, 0 ≤ lo < 10^n, 1 ≤ n ≤ 4, 1 ≤ k ≤ 22.
 */
export function decimalToDouble(hi: number, lo: number, n: number, k: number): number {
  const io = IO;
  io[0] = hi;
  io[1] = lo;
  return decimalInto(io, n, k) ? io[0] : Number.NaN;
}

const IO = new Float64Array(2);

/**
 * `decimalToDouble` without boxing: reads hi and lo from `io[0]` and `io[1]`, writes the result to
 * `io[0]` and says whether there is one. A call from a loop that is not inlined passes and returns
 * numbers above 2^31 as heap objects; typed-array slots do not.
 */
export function decimalInto(io: Float64Array, n: number, k: number): boolean {
  const hi = io[0];
  const lo = io[1];
  // w = s + t exactly (s = fl(w)); t = e1 + e2 with e1 and e2 exact small parts. 10^n < 2^27 needs
  // no splitting: hi·10^n = p + e1 with e1 = ah·10^n − p + al·10^n, exactly.
  const b = POW10[n];
  const p = hi * b;
  const sp = SPLITTER * hi;
  const ah = sp - (sp - hi);
  const e1 = ah * b - p + (hi - ah) * b;
  const s = p + lo;
  const bb = s - p;
  const e2 = p - (s - bb) + (lo - bb);
  const t = e1 + e2; // rounding error here is below 2^-53·|t|, far below what the margins allow
  if (s === 0) {
    io[0] = 0;
    return true;
  }
  const d = POW10[k];
  // q ≈ s/d (within two ulps: a product with the rounded reciprocal is as good and much quicker
  // than a division); the rest of w/d is delta = (w − q·d)/d, with q·d = P + E exactly and s − P
  // exact (Sterbenz)
  const inv = INV10[k];
  const q = s * inv;
  // q·d = P + E exactly (Dekker's product, inline: this is the hot path)
  const P = q * d;
  let split = SPLITTER * q;
  const qh = split - (split - q);
  const ql = q - qh;
  split = SPLITTER * d;
  const dh = split - (split - d);
  const dl = d - dh;
  const E = qh * dh - P + qh * dl + ql * dh + ql * dl;
  const delta = (s - P - E + t) * inv; // relative error 2^-52: far below the margin
  const c = q + delta; // IEEE addition rounds q + delta correctly; delta is off by < 2^-50 ulp
  const binade = ufp(q);
  if (q !== binade && ufp(c) === binade) {
    // q and c share a binade, where doubles are an ulp apart and the midpoints between them lie at
    // odd multiples of half an ulp from q (|delta| < 3 ulp here): c is right unless q + delta is
    // within 2^-20 ulp of one
    const h = binade * 2 ** -53; // half an ulp
    const a = delta < 0 ? -delta : delta;
    const margin = h * 2 ** -19;
    const d1 = a - h;
    const d3 = a - 3 * h;
    const d5 = a - 5 * h;
    if (
      a < 6 * h &&
      (d1 > margin || d1 < -margin) &&
      (d3 > margin || d3 < -margin) &&
      (d5 > margin || d5 < -margin)
    ) {
      io[0] = c;
      return true;
    }
  }
  const r = provenOrNaN(s, t, d, c);
  io[0] = r;
  return !Number.isNaN(r);
}

/** The slow, general check: c, or its neighbour, proven by its own remainder; NaN near halfway. */
function provenOrNaN(s: number, t: number, d: number, c: number): number {
  // c is the correctly rounded w/d when w − c·d is inside c's rounding interval, by a margin far
  // wider than the few ulps of error in computing it; else its neighbour on the remainder's side may be
  for (let tries = 0; tries < 2; tries++) {
    const Pc = twoProduct(c, d);
    const r = s - Pc - productError + t;
    const h = halfUlp(c, r < 0) * d; // exact: a power of two times 5^k·2^k
    const a = r < 0 ? -r : r;
    if (a < h - h * 2 ** -30) return c;
    if (a <= h + h * 2 ** -30) break; // too close to halfway to call
    c = neighbour(c, r > 0);
  }
  return Number.NaN;
}
