/**
 * Sequence encoders for learning on DNA: one-hot (A, C, G, T channels; N and other IUPAC codes as
 * all-zero or spread), k-mer count vectors (4^k features in lexicographic order), reverse complement.
 */

const BASE_INDEX: Record<string, number> = { A: 0, C: 1, G: 2, T: 3, U: 3 };
const COMPLEMENT: Record<string, string> = {
  A: 'T',
  C: 'G',
  G: 'C',
  T: 'A',
  U: 'A',
  N: 'N',
  R: 'Y',
  Y: 'R',
  S: 'S',
  W: 'W',
  K: 'M',
  M: 'K',
  B: 'V',
  V: 'B',
  D: 'H',
  H: 'D',
};

export function reverseComplement(seq: string): string {
  let out = '';
  for (let i = seq.length - 1; i >= 0; i--) {
    const c = seq[i].toUpperCase();
    out += COMPLEMENT[c] ?? 'N';
  }
  return out;
}

/**
 * One-hot, length × 4, row-major (position-major: [pos·4 + base]). Unknown bases are all zeros, or
 * 0.25 each with `ambiguous: 'uniform'` (the UCI splice data uses D, N, S, R).
 */
export function oneHotEncode(
  seq: string,
  opts: { length?: number; ambiguous?: 'zero' | 'uniform' } = {},
): Float32Array {
  const L = opts.length ?? seq.length;
  const out = new Float32Array(L * 4);
  for (let i = 0; i < Math.min(L, seq.length); i++) {
    const k = BASE_INDEX[seq[i].toUpperCase()];
    if (k !== undefined) out[i * 4 + k] = 1;
    else if (opts.ambiguous === 'uniform') out.fill(0.25, i * 4, i * 4 + 4);
  }
  return out;
}

/** All k-mers over ACGT in lexicographic order (the feature names of `kmerCounts`). */
export function kmerNames(k: number): string[] {
  const out: string[] = [];
  const n = 4 ** k;
  for (let i = 0; i < n; i++) {
    let s = '';
    let v = i;
    for (let j = 0; j < k; j++) {
      s = 'ACGT'[v & 3] + s;
      v >>= 2;
    }
    out.push(s);
  }
  return out;
}

/**
 * Counts of every k-mer (4^k, lexicographic); windows containing a non-ACGT base are skipped.
 * `normalize` divides by the number of counted windows (frequencies). `canonical` adds each k-mer's
 * count to the lexicographically smaller of it and its reverse complement (strand-agnostic).
 */
export function kmerCounts(
  seq: string,
  k: number,
  opts: { normalize?: boolean; canonical?: boolean } = {},
): Float64Array {
  const out = new Float64Array(4 ** k);
  const mask = 4 ** k - 1;
  let code = 0;
  let valid = 0;
  let windows = 0;
  for (let i = 0; i < seq.length; i++) {
    const b = BASE_INDEX[seq[i].toUpperCase()];
    if (b === undefined) {
      valid = 0;
      code = 0;
      continue;
    }
    code = ((code * 4) & mask) + b;
    // (code*4) & mask works for k ≤ 15 (4^15 < 2^31)
    if (++valid >= k) {
      let idx = code;
      if (opts.canonical) {
        let rc = 0;
        let c = code;
        for (let j = 0; j < k; j++) {
          rc = rc * 4 + (3 - (c & 3));
          c >>= 2;
        }
        idx = Math.min(code, rc);
      }
      out[idx]++;
      windows++;
    }
  }
  if (opts.normalize && windows > 0) for (let i = 0; i < out.length; i++) out[i] /= windows;
  return out;
}

/** GC fraction over A/C/G/T bases. */
export function gcContent(seq: string): number {
  let gc = 0;
  let n = 0;
  for (const c of seq.toUpperCase()) {
    if (c === 'G' || c === 'C') gc++;
    if (c in BASE_INDEX) n++;
  }
  return n ? gc / n : Number.NaN;
}
