/**
 * The log-rank test for k groups (Mantel 1966; Peto & Peto 1972), as R's `survdiff(rho = 0)`:
 * observed and expected events per group, the hypergeometric variance matrix, and
 * χ² = (O − E)ᵀ V⁻ (O − E) on k − 1 degrees of freedom.
 */
import { chiSquareSf } from '../distributions.js';
import { createError } from '../errors.js';
import { quadFormInverse, subMatrix } from '../linalg.js';
import { sortLevels } from './km.js';

export interface LogRankResult {
  readonly groups: string[];
  readonly n: number[];
  readonly observed: number[];
  readonly expected: number[];
  /** k × k variance matrix, row-major nested. */
  readonly variance: number[][];
  readonly chisq: number;
  readonly df: number;
  readonly p: number;
}

export function logRank(
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  group: readonly (string | null)[],
  levels: readonly string[] = sortLevels(group),
): LogRankResult {
  const k = levels.length;
  if (k < 2)
    throw createError('AEGLE_ANALYSIS_BAD_ARGUMENT', {
      param: 'group',
      owner: 'logRank',
      expected: 'at least 2 groups',
      got: k,
    });
  const index = new Map(levels.map((l, i) => [l, i]));
  const rows: number[] = [];
  for (let i = 0; i < time.length; i++) {
    const g = group[i];
    if (g !== null && index.has(g) && !Number.isNaN(time[i]) && !Number.isNaN(event[i])) rows.push(i);
  }
  rows.sort((a, b) => time[b] - time[a]);
  const nAt = new Float64Array(k);
  const n = new Array<number>(k).fill(0);
  const obs = new Array<number>(k).fill(0);
  const exp = new Array<number>(k).fill(0);
  const v = new Float64Array(k * k);
  const dG = new Float64Array(k);
  // Sweep from the largest time down, adding each tied block to the risk set before using it.
  for (let p = 0; p < rows.length; ) {
    const t = time[rows[p]];
    dG.fill(0);
    while (p < rows.length && time[rows[p]] === t) {
      const g = index.get(group[rows[p]]!)!;
      nAt[g]++;
      n[g]++;
      if (event[rows[p]] > 0) dG[g]++;
      p++;
    }
    let d = 0;
    let nt = 0;
    for (let g = 0; g < k; g++) {
      d += dG[g];
      nt += nAt[g];
    }
    if (d === 0) continue;
    for (let g = 0; g < k; g++) {
      obs[g] += dG[g];
      exp[g] += (d * nAt[g]) / nt;
    }
    if (nt > 1) {
      const f = (d * (nt - d)) / (nt - 1) / nt;
      for (let g = 0; g < k; g++) {
        for (let h = 0; h < k; h++) v[g * k + h] += f * nAt[g] * ((g === h ? 1 : 0) - nAt[h] / nt);
      }
    }
  }
  const keep = Array.from({ length: k - 1 }, (_, i) => i);
  const diff = keep.map((g) => obs[g] - exp[g]);
  const chisq = quadFormInverse(subMatrix(v, k, keep), k - 1, diff);
  const variance = Array.from({ length: k }, (_, g) => Array.from(v.subarray(g * k, g * k + k)));
  return {
    groups: [...levels],
    n,
    observed: obs,
    expected: exp,
    variance,
    chisq,
    df: k - 1,
    p: chiSquareSf(chisq, k - 1),
  };
}
