/**
 * Hypothesis tests and Table 1 against SciPy 1.10.1 (Debian /usr/bin/python3). The data and the
 * reference numbers come from this script (seeded):
 *   rng = np.random.default_rng(7); a = round(normal(5, 2, 23), 1); b = round(normal(6, 3, 31), 1);
 *   c = round(gamma(2, 2, 17), 1); welch = ttest_ind(a, b, equal_var=False); anova = f_oneway(a, b, c);
 *   mwu = mannwhitneyu(a, b) (auto → asymptotic here: ties); kruskal(a, b, c);
 *   chi2_contingency([[12,5,9],[7,15,4]]), chi2_contingency([[12,5],[7,15]]) (Yates);
 *   fisher_exact([[3,9],[8,2]]), fisher_exact([[10,2],[3,15]]);
 *   x = a[:17]; y = round(x + 0.8 c, 1); pearsonr(x, y); spearmanr(x, y).
 */
import { describe, expect, it } from 'vitest';
import { categoricalColumn, makeFrame, numericColumn } from '../../core/index.js';
import { correlationMatrix, crosstab } from './correlation.js';
import { table1, table1ToCsv, table1ToHtml, table1ToMarkdown } from './table1.js';
import {
  chiSquareTest,
  fisherExact,
  kruskalWallis,
  mannWhitneyU,
  oneWayAnova,
  pearsonTest,
  spearmanTest,
  welchTTest,
} from './tests.js';

const a = [
  5.0, 5.6, 4.5, 3.2, 4.1, 3.0, 5.1, 7.7, 4.0, 3.8, 6.0, 5.7, 5.2, 3.1, 4.9, 6.4, 2.3, 4.1, 1.2, 2.4, 1.3,
  4.5, 2.5,
];
const b = [
  6.8, 6.5, 5.4, -1.6, 4.4, 5.9, 6.3, 1.4, 4.6, 3.1, 3.6, 9.2, 3.6, 5.9, 8.7, 4.2, 5.7, 6.3, 6.2, 2.3, 6.2,
  10.1, 1.4, 8.6, 6.4, 4.1, 12.0, 8.3, 2.4, 6.2, 7.7,
];
const c = [2.9, 3.2, 8.6, 3.9, 3.7, 2.1, 6.2, 1.0, 5.3, 2.3, 7.7, 2.6, 2.7, 2.3, 4.3, 2.8, 3.3];
const y = [7.3, 8.2, 11.4, 6.3, 7.1, 4.7, 10.1, 8.5, 8.2, 5.6, 12.2, 7.8, 7.4, 4.9, 8.3, 8.6, 4.9];

const near = (got: number, want: number, tol = 1e-8) =>
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));

describe('tests vs SciPy to 1e-8', () => {
  it('Welch t', () => {
    const r = welchTTest(a, b);
    near(r.statistic, -2.275030621184609);
    near(r.p, 0.027274300929196294);
  });
  it('one-way ANOVA', () => {
    const r = oneWayAnova([a, b, c]);
    near(r.statistic, 3.9349950721134475);
    near(r.p, 0.024150275642152635);
  });
  it('Mann–Whitney U (continuity + ties)', () => {
    const r = mannWhitneyU(a, b);
    near(r.statistic, 223);
    near(r.p, 0.019943289213127654);
  });
  it('Kruskal–Wallis', () => {
    const r = kruskalWallis([a, b, c]);
    near(r.statistic, 8.799643222125033);
    near(r.p, 0.012279530240049012);
  });
  it('χ² 2×3 and 2×2 with Yates', () => {
    const r = chiSquareTest([
      [12, 5, 9],
      [7, 15, 4],
    ]);
    near(r.statistic, 8.238866396761134);
    near(r.p, 0.016253724468925007);
    expect(r.df).toBe(2);
    const r2 = chiSquareTest([
      [12, 5],
      [7, 15],
    ]);
    near(r2.statistic, 4.322120391218687);
    near(r2.p, 0.03762001663483994);
  });
  it('Fisher exact 2×2', () => {
    const r = fisherExact([
      [3, 9],
      [8, 2],
    ]);
    near(r.statistic, 0.08333333333333333);
    near(r.p, 0.029973122852379817);
    near(
      fisherExact([
        [10, 2],
        [3, 15],
      ]).p,
      0.0005367241191434357,
    );
  });
  it('Pearson and Spearman with p', () => {
    const x = a.slice(0, 17);
    const p = pearsonTest(x, y);
    near(p.statistic, 0.6418039191577034);
    near(p.p, 0.005479483803894949);
    const s = spearmanTest(x, y);
    near(s.statistic, 0.759509774180481);
    near(s.p, 0.0004051155273539144);
  });
});

describe('Table 1', () => {
  const values = [...a, ...b];
  const group = [...a.map(() => 'A'), ...b.map(() => 'B')];
  const sex = values.map((_, i) => (i % 3 === 0 ? 'F' : 'M'));
  const frame = makeFrame([
    numericColumn('x', [...values.slice(0, -1), Number.NaN]),
    categoricalColumn('sex', sex),
    categoricalColumn('arm', group),
  ]);
  it('p-values are the SciPy tests; SMD and missing are reported', () => {
    const t = table1(frame, { strata: 'arm' });
    expect(t.columns).toEqual(['Overall', 'A', 'B']);
    const x = t.rows.find((r) => r.variable === 'x')!;
    near(x.p!, welchTTest(a, b.slice(0, -1)).p, 1e-15);
    expect(x.test).toBe('Welch t-test');
    expect(x.missing).toBe(1);
    expect(x.smd).toBeGreaterThan(0);
    const tn = table1(frame, { strata: 'arm', nonnormal: ['x'] });
    expect(tn.rows.find((r) => r.variable === 'x')!.summary).toBe('median [Q1, Q3]');
    const full = table1(makeFrame([numericColumn('x', values), categoricalColumn('arm', group)]), {
      strata: 'arm',
      nonnormal: ['x'],
    });
    near(full.rows.find((r) => r.variable === 'x')!.p!, 0.019943289213127654);
    const s = t.rows.find((r) => r.variable === 'sex' && r.kind === 'categorical-header')!;
    expect(s.test).toMatch(/χ²|Fisher/);
    expect(t.rows.filter((r) => r.variable === 'sex' && r.kind === 'level').map((r) => r.level)).toEqual([
      'F',
      'M',
    ]);
  });
  it('categorical SMD of a binary variable equals the two-proportion formula', () => {
    // |p1 − p2| / √((p1(1−p1) + p2(1−p2))/2)
    const f = makeFrame([
      categoricalColumn('y', ['1', '1', '0', '0', '0', '1', '1', '1']),
      categoricalColumn('g', ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b']),
    ]);
    const row = table1(f, { strata: 'g' }).rows.find((r) => r.kind === 'categorical-header')!;
    const p1 = 0.5;
    const p2 = 0.75;
    near(row.smd!, Math.abs(p1 - p2) / Math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2), 1e-12);
    expect(row.test).toBe('Fisher exact');
  });
  it('renders Markdown, CSV and HTML', () => {
    const t = table1(frame, { strata: 'arm' });
    expect(table1ToMarkdown(t)).toContain('| Variable | Overall | A | B | p | test | SMD | Missing |');
    expect(table1ToCsv(t).split('\n')[0]).toBe('Variable,Overall,A,B,p,test,SMD,Missing');
    expect(table1ToHtml(t)).toContain('<table class="aegle-table1">');
    expect(JSON.parse(JSON.stringify(t)).rows.length).toBe(t.rows.length);
  });
});

describe('correlation matrix and crosstab', () => {
  it('matrix is symmetric with the pairwise tests', () => {
    const x = a.slice(0, 17);
    const f = makeFrame([numericColumn('x', x), numericColumn('y', y), numericColumn('c', c)]);
    const m = correlationMatrix(f, ['x', 'y', 'c'], 'spearman');
    near(m.r[0][1], 0.759509774180481);
    expect(m.r[1][0]).toBe(m.r[0][1]);
    expect(m.r[2][2]).toBe(1);
  });
  it('crosstab counts and χ²', () => {
    const rows = [
      ...Array(12).fill(['a', 'x']),
      ...Array(5).fill(['a', 'y']),
      ...Array(7).fill(['b', 'x']),
      ...Array(15).fill(['b', 'y']),
    ];
    const f = makeFrame([
      categoricalColumn(
        'r',
        rows.map((r) => r[0]),
      ),
      categoricalColumn(
        'c',
        rows.map((r) => r[1]),
      ),
    ]);
    const ct = crosstab(f, 'r', 'c');
    expect(ct.counts).toEqual([
      [12, 5],
      [7, 15],
    ]);
    near(ct.p, 0.03762001663483994);
  });
});
