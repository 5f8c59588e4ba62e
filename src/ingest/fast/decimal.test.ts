/**
 * decimalToDouble against V8's own correctly rounded string conversion (`Number(...)`, IEEE-754
 * round-to-nearest-even, as in ECMA-262 §7.1.4.1.1): random 16–19 digit decimals, and decimals one
 * digit away from the exact midpoint between two neighbouring doubles, where rounding is hardest.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.js';
import { decimalToDouble } from './decimal.js';

/** Splits a digit string with `k` digits after the point the way the parser does. */
function convert(digits: string, k: number): number {
  const n = Math.max(1, digits.length - 15);
  return decimalToDouble(Number(digits.slice(0, -n)), Number(digits.slice(-n)), n, k);
}

function asText(digits: string, k: number): string {
  const padded = digits.padStart(k + 1, '0');
  return `${padded.slice(0, padded.length - k)}.${padded.slice(padded.length - k)}`;
}

describe('decimalToDouble', () => {
  it('matches the correctly rounded conversion on 200,000 random 16–19 digit decimals', () => {
    // as NumPy and pandas write floats: up to a few integer digits, or leading zeros after the point
    const rng = new Rng(2026);
    let undecided = 0;
    for (let i = 0; i < 200_000; i++) {
      const len = 16 + rng.int(4);
      let digits = String(1 + rng.int(9));
      while (digits.length < len) digits += String(rng.int(10));
      const k = Math.min(22, len - 4 + rng.int(8)); // 4 integer digits … 3 leading zeros
      const got = convert(digits, k);
      if (Number.isNaN(got)) {
        undecided++;
        continue;
      }
      const want = Number(asText(digits, k));
      if (got !== want) expect(`${asText(digits, k)} → ${got}`).toBe(`${asText(digits, k)} → ${want}`);
    }
    expect(undecided).toBeLessThan(5);
  });

  it('declines exact ties (left to parseFloat) and gets every other large value right', () => {
    // 7104345161892064.5 lies exactly halfway between two doubles: ties need the exact value
    expect(convert('71043451618920645', 1)).toBeNaN();
    const rng = new Rng(99);
    for (let i = 0; i < 50_000; i++) {
      let digits = String(1 + rng.int(9));
      while (digits.length < 19) digits += String(rng.int(10));
      const k = 1 + rng.int(3);
      const got = convert(digits, k);
      if (!Number.isNaN(got)) expect(got).toBe(Number(asText(digits, k)));
    }
  });

  it('rounds correctly (or declines) one digit either side of the midpoint between neighbours', () => {
    const rng = new Rng(7);
    const f64 = new Float64Array(1);
    const u64 = new BigUint64Array(f64.buffer);
    let decided = 0;
    for (let i = 0; i < 20_000; i++) {
      f64[0] = 10 ** (rng.int(8) - 3) * (1 + rng.uniform());
      const bits = u64[0];
      const exp = Number((bits >> 52n) & 0x7ffn) - 1075;
      const mant = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
      // the midpoint (2·mant + 1)·2^(exp − 1) written in decimal: its digits and its scale
      const scale = 1 - exp;
      const exact = ((2n * mant + 1n) * 5n ** BigInt(scale)).toString();
      const intDigits = exact.length - scale;
      if (intDigits < 0) continue;
      const keep = 19;
      const head = exact.slice(0, keep);
      const k = keep - intDigits;
      if (k < 1 || k > 22) continue;
      for (const digits of [head, (BigInt(head) + 1n).toString()]) {
        if (digits.length !== keep) continue;
        const got = convert(digits, k);
        if (Number.isNaN(got)) continue;
        decided++;
        expect(got).toBe(Number(asText(digits, k)));
      }
    }
    expect(decided).toBeGreaterThan(1000);
  });

  it('handles zero, powers of ten and values at a power of two', () => {
    expect(convert('0000000000000000', 3)).toBe(0);
    expect(convert('1000000000000000000', 18)).toBe(1);
    expect(convert('1000000000000000000', 3)).toBe(1e15);
    for (const v of [0.5, 0.25, 1024, 2 ** -10]) {
      const text = v.toFixed(18).replace(/0+$/, '');
      const [a, b] = text.split('.');
      const digits = (a + b).padEnd(17, '0');
      const k = digits.length - a.length;
      if (k <= 22) expect(convert(digits, k)).toBe(v);
    }
  });
});
