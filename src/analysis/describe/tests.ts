/**
 * Classical hypothesis tests, each matching SciPy 1.10's default (the reference in tests):
 * Welch's t (`ttest_ind(equal_var=False)`), one-way ANOVA (`f_oneway`), Mann–Whitney U
 * (`mannwhitneyu`, asymptotic with continuity and tie correction), Kruskal–Wallis (`kruskal`),
 * Pearson's χ² on a contingency table (`chi2_contingency`, Yates' correction when df = 1), Fisher's
 * exact test for 2×2 tables (`fisher_exact`, two-sided by summing the tables no more likely than
 * the observed one), and Pearson / Spearman correlations with p-values (`pearsonr`, `spearmanr`).
 * NaN values are ignored.
 */
import { mean, variance } from '../../compute/index.js';
import { chiSquareSf, fSf, logChoose, normalSf, studentTTwoSided } from '../distributions.js';

export interface TestResult {
  readonly test: string;
  readonly statistic: number;
  readonly p: number;
  readonly df?: number | readonly number[];
}

function present(x: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) out.push(x[i]);
  return out;
}

/** Welch's unequal-variance t-test. */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>): TestResult {
  const x = present(a);
  const y = present(b);
  const v1 = variance(x) / x.length;
  const v2 = variance(y) / y.length;
  const t = (mean(x) - mean(y)) / Math.sqrt(v1 + v2);
  const df = (v1 + v2) ** 2 / (v1 ** 2 / (x.length - 1) + v2 ** 2 / (y.length - 1));
  return { test: 'Welch t-test', statistic: t, df, p: studentTTwoSided(t, df) };
}

/** One-way analysis of variance. */
export function oneWayAnova(groups: readonly ArrayLike<number>[]): TestResult {
  const gs = groups.map(present).filter((g) => g.length > 0);
  const all = gs.flat();
  const grand = mean(all);
  let ssb = 0;
  let ssw = 0;
  for (const g of gs) {
    const m = mean(g);
    ssb += g.length * (m - grand) ** 2;
    for (const v of g) ssw += (v - m) ** 2;
  }
  const dfb = gs.length - 1;
  const dfw = all.length - gs.length;
  const f = ssb / dfb / (ssw / dfw);
  return { test: 'One-way ANOVA', statistic: f, df: [dfb, dfw], p: fSf(f, dfb, dfw) };
}

/** Average ranks (1-based) with ties sharing the mean rank; also Σ(t³ − t) over tie groups. */
export function rankData(x: readonly number[]): { ranks: Float64Array; tieSum: number } {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(n);
  let tieSum = 0;
  for (let k = 0; k < n; ) {
    let q = k;
    while (q < n && x[idx[q]] === x[idx[k]]) q++;
    const r = (k + 1 + q) / 2;
    for (let m = k; m < q; m++) ranks[idx[m]] = r;
    const t = q - k;
    tieSum += t * t * t - t;
    k = q;
  }
  return { ranks, tieSum };
}

/** Mann–Whitney U (two-sided, normal approximation with continuity and tie correction). U is of `a`. */
export function mannWhitneyU(a: ArrayLike<number>, b: ArrayLike<number>): TestResult {
  const x = present(a);
  const y = present(b);
  const n1 = x.length;
  const n2 = y.length;
  const n = n1 + n2;
  const { ranks, tieSum } = rankData([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const u = Math.max(u1, u2);
  const mu = (n1 * n2) / 2;
  const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1))));
  const z = (u - mu - 0.5) / s;
  return { test: 'Mann–Whitney U', statistic: u1, p: Math.min(1, 2 * normalSf(z)) };
}

/** Kruskal–Wallis H test with tie correction. */
export function kruskalWallis(groups: readonly ArrayLike<number>[]): TestResult {
  const gs = groups.map(present).filter((g) => g.length > 0);
  const all = gs.flat();
  const n = all.length;
  const { ranks, tieSum } = rankData(all);
  let h = 0;
  let off = 0;
  for (const g of gs) {
    let r = 0;
    for (let i = 0; i < g.length; i++) r += ranks[off + i];
    off += g.length;
    h += (r * r) / g.length;
  }
  h = (12 / (n * (n + 1))) * h - 3 * (n + 1);
  h /= 1 - tieSum / (n * n * n - n);
  const df = gs.length - 1;
  return { test: 'Kruskal–Wallis', statistic: h, df, p: chiSquareSf(h, df) };
}

/** Expected counts of a contingency table under independence. */
export function expectedCounts(table: readonly (readonly number[])[]): number[][] {
  const rows = table.map((r) => r.reduce((s, v) => s + v, 0));
  const cols = table[0].map((_, j) => table.reduce((s, r) => s + r[j], 0));
  const total = rows.reduce((s, v) => s + v, 0);
  return table.map((r, i) => r.map((_, j) => (rows[i] * cols[j]) / total));
}

/** Pearson's χ² test of independence; Yates' continuity correction when df = 1 (SciPy's default). */
export function chiSquareTest(table: readonly (readonly number[])[], correction = true): TestResult {
  const exp = expectedCounts(table);
  const df = (table.length - 1) * (table[0].length - 1);
  let chi = 0;
  for (let i = 0; i < table.length; i++) {
    for (let j = 0; j < table[0].length; j++) {
      let o = table[i][j];
      const e = exp[i][j];
      if (df === 1 && correction) {
        const diff = e - o;
        o += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      chi += (o - e) ** 2 / e;
    }
  }
  return {
    test: df === 1 && correction ? 'χ² (Yates)' : 'χ²',
    statistic: chi,
    df,
    p: df === 0 ? 1 : chiSquareSf(chi, df),
  };
}

/** Fisher's exact test on a 2×2 table [[a, b], [c, d]]; statistic is the sample odds ratio. */
export function fisherExact(table: readonly (readonly number[])[]): TestResult {
  const [[a, b], [c, d]] = table;
  const r1 = a + b;
  const c1 = a + c;
  const n = a + b + c + d;
  const lo = Math.max(0, r1 + c1 - n);
  const hi = Math.min(r1, c1);
  const logDen = logChoose(n, c1);
  const pmf = (x: number) => Math.exp(logChoose(r1, x) + logChoose(n - r1, c1 - x) - logDen);
  const pObs = pmf(a);
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const px = pmf(x);
    if (px <= pObs * (1 + 1e-7)) p += px;
  }
  return { test: 'Fisher exact', statistic: (a * d) / (b * c), p: Math.min(1, p) };
}

/** Pearson correlation with a two-sided p-value (t with n − 2 df). Pairs with a NaN are dropped. */
export function pearsonTest(a: ArrayLike<number>, b: ArrayLike<number>): TestResult & { n: number } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    x.push(a[i]);
    y.push(b[i]);
  }
  return { ...corrP(pearsonR(x, y), x.length), test: 'Pearson r' };
}

/** Spearman rank correlation (average ranks for ties) with SciPy's t-based p-value. */
export function spearmanTest(a: ArrayLike<number>, b: ArrayLike<number>): TestResult & { n: number } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    x.push(a[i]);
    y.push(b[i]);
  }
  const r = pearsonR(Array.from(rankData(x).ranks), Array.from(rankData(y).ranks));
  return { ...corrP(r, x.length), test: 'Spearman ρ' };
}

function pearsonR(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

function corrP(r: number, n: number): { statistic: number; p: number; df: number; n: number } {
  const df = n - 2;
  if (Math.abs(r) === 1) return { statistic: r, p: 0, df, n };
  const t = r * Math.sqrt(df / (1 - r * r));
  return { statistic: r, p: studentTTwoSided(t, df), df, n };
}
