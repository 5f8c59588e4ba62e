/**
 * Correctly rounded conversion of a decimal with 16 to 19 significant digits, w / 10^k, without
 * building a string: the fast path for the full-precision floats that pandas and NumPy write
 * ("-0.37261065535787946"). Shorter mantissas need no help (an integer below 2^53 divided by an exact
 * power of ten is already correctly rounded); this one carries the mantissa as two exact parts.
 *
 * Method: w = hi·10^n + lo is formed exactly as a double-double (Dekker's TwoProduct with Veltkamp
 * splitting, Knuth's TwoSum); a candidate c comes from q = fl(w_hi / 10^k) and the remainder
 * w − q·10^k, and is proven by its own remainder w − c·10^k, computed with an error far below half an
 * ulp: inside c's rounding interval (by a margin), c is the correctly rounded result. Otherwise the
 * function returns NaN and the caller uses `parseFloat`; near a halfway point that happens about
 * once in 2^30 values.
 */

const SPLITTER = 134217729; // 2^27 + 1
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
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
  // w = s + t exactly (s = fl(w)); t = e1 + e2 with e1 and e2 exact small parts
  const p = twoProduct(hi, POW10[n]);
  const e1 = productError;
  const s = p + lo;
  const bb = s - p;
  const e2 = p - (s - bb) + (lo - bb);
  const t = e1 + e2; // rounding error here is below 2^-53·|t|, far below what the margin allows
  if (s === 0) return 0;
  const d = POW10[k];
  // a candidate from q = fl(s/d) and the remainder w − q·d (q·d = P + E exactly, s − P exact)
  const q = s / d;
  const P = twoProduct(q, d);
  let c = q + (s - P - productError + t) / d;
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
