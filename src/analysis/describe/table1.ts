/**
 * "Table 1" of a clinical paper, in the manner of R's `tableone` (Pollard et al. 2018; Yoshida &
 * Bartel): overall and per-stratum summaries — mean (SD) or median [Q1, Q3] for numbers, n (%) for
 * categories — a missing count, a p-value with the test named, and the standardised mean
 * difference (Austin 2009 for numbers; Yang & Dalton 2012 for categories; the mean of pairwise SMDs
 * with more than two strata, as tableone). Tests: Welch t / ANOVA for normal, Mann–Whitney /
 * Kruskal–Wallis for non-normal, χ² (Fisher's exact for a 2×2 with an expected count below 5).
 */
import { mean, quantiles, std } from '../../compute/index.js';
import { type Column, type Frame, getColumn } from '../../core/index.js';
import { quadFormInverse } from '../linalg.js';
import { sortLevels } from '../survival/km.js';
import {
  chiSquareTest,
  expectedCounts,
  fisherExact,
  kruskalWallis,
  mannWhitneyU,
  oneWayAnova,
  type TestResult,
  welchTTest,
} from './tests.js';

export interface Table1Options {
  /** Column to stratify by (omit for an overall-only table). */
  readonly strata?: string;
  /** Variables in display order (default: every column except `strata`). */
  readonly variables?: readonly string[];
  /**
   * Numeric variables to summarise as median [Q1, Q3] with rank tests; `'auto'` picks those with
   * |skewness| > 1 (default: none, as tableone).
   */
  readonly nonnormal?: readonly string[] | 'auto';
  /** Numeric variables to treat as categorical (e.g. a 0/1 flag). Numeric columns with ≤ 2 distinct values are categorical anyway. */
  readonly categorical?: readonly string[];
  /** Significant digits for the formatted cells (default 3 decimals for continuous, 1 for %). */
  readonly digits?: number;
}

export interface Table1Row {
  readonly variable: string;
  /** Category level, for categorical rows after the header row. */
  readonly level?: string;
  readonly kind: 'n' | 'continuous' | 'categorical-header' | 'level';
  /** 'mean (SD)', 'median [Q1, Q3]' or 'n (%)'. */
  readonly summary?: string;
  /** Formatted cells: overall first, then each stratum. */
  readonly cells: string[];
  readonly p?: number;
  readonly test?: string;
  readonly smd?: number;
  readonly missing?: number;
}

export interface Table1 {
  readonly strata: string[];
  readonly columns: string[];
  readonly rows: Table1Row[];
}

function skewness(x: number[]): number {
  const m = mean(x);
  const n = x.length;
  let m2 = 0;
  let m3 = 0;
  for (const v of x) {
    m2 += (v - m) ** 2;
    m3 += (v - m) ** 3;
  }
  m2 /= n;
  m3 /= n;
  return m2 === 0 ? 0 : m3 / m2 ** 1.5;
}

function labels(c: Column): (string | null)[] {
  if (c.kind === 'categorical') return Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k]));
  return Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v)));
}

const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : 'NA');

/** SMD of a numeric variable between two groups: (m₁ − m₂) / √((s₁² + s₂²)/2), absolute. */
export function smdContinuous(a: number[], b: number[]): number {
  const v = (std(a) ** 2 + std(b) ** 2) / 2;
  return Math.abs(mean(a) - mean(b)) / Math.sqrt(v);
}

/** Multi-level categorical SMD (Yang & Dalton 2012) between two vectors of level proportions. */
export function smdCategorical(p1: number[], p2: number[]): number {
  const k = p1.length - 1;
  if (k < 1) return 0;
  const t = p1.slice(1);
  const c = p2.slice(1);
  const s = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      s[i * k + j] = i === j ? (t[i] * (1 - t[i]) + c[i] * (1 - c[i])) / 2 : (-t[i] * t[j] - c[i] * c[j]) / 2;
    }
  }
  const d = t.map((v, i) => v - c[i]);
  if (d.every((v) => v === 0)) return 0;
  return Math.sqrt(quadFormInverse(s, k, d));
}

function meanPairwise(groups: number[][], f: (a: number[], b: number[]) => number): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      s += f(groups[i], groups[j]);
      n++;
    }
  }
  return n ? s / n : Number.NaN;
}

/** Builds the Table 1 of a frame. */
export function table1(frame: Frame, o: Table1Options = {}): Table1 {
  const strataCol = o.strata ? getColumn(frame, o.strata) : undefined;
  const strataLabels = strataCol ? labels(strataCol) : Array.from({ length: frame.nRows }, () => 'Overall');
  const strata = strataCol ? sortLevels(strataLabels) : [];
  // by default: every column but the strata, identifier/time/weight roles, and text columns with so
  // many levels that a row per level says nothing (IDs, names, free text)
  const vars =
    o.variables ??
    frame.columns
      .filter((c) => c.name !== o.strata)
      .filter((c) => !['id', 'group', 'time', 'weight'].includes(frame.roles[c.name] ?? ''))
      .filter((c) => c.kind !== 'categorical' || c.dictionary.length <= 50)
      .filter((c) => c.kind !== 'datetime')
      .map((c) => c.name);
  const d = o.digits ?? 2;
  const rowsIn = (g: string | null) => {
    const out: number[] = [];
    for (let i = 0; i < frame.nRows; i++)
      if (g === null ? strataLabels[i] !== null || !strataCol : strataLabels[i] === g) out.push(i);
    return out;
  };
  const overallRows = strataCol ? rowsIn(null) : Array.from({ length: frame.nRows }, (_, i) => i);
  const groupRows = strata.map((g) => rowsIn(g));
  const sets = [overallRows, ...groupRows];
  const rows: Table1Row[] = [{ variable: 'n', kind: 'n', cells: sets.map((s) => String(s.length)) }];
  for (const name of vars) {
    const c = getColumn(frame, name);
    let isCat = c.kind === 'categorical' || (o.categorical ?? []).includes(name);
    if (!isCat && c.kind === 'numeric') {
      const distinct = new Set<number>();
      for (const v of c.values) if (!Number.isNaN(v)) distinct.add(v);
      isCat = distinct.size <= 2;
    }
    if (isCat) {
      const lab = labels(c);
      const levels = sortLevels(lab);
      const counts = sets.map((s) => levels.map((l) => s.filter((i) => lab[i] === l).length));
      const missing = overallRows.filter((i) => lab[i] === null).length;
      let test: TestResult | undefined;
      let smd: number | undefined;
      if (strata.length >= 2 && levels.length >= 2) {
        const tab = levels.map((_, li) => counts.slice(1).map((cs) => cs[li]));
        const nonEmpty = tab.filter((r) => r.some((v) => v > 0));
        const small = expectedCounts(nonEmpty).some((r) => r.some((v) => v < 5));
        test =
          nonEmpty.length === 2 && strata.length === 2 && small
            ? fisherExact(nonEmpty)
            : chiSquareTest(nonEmpty);
        const props = counts.slice(1).map((cs) => {
          const tot = cs.reduce((s, v) => s + v, 0);
          return cs.map((v) => v / tot);
        });
        smd = meanPairwise(props, smdCategorical);
      }
      rows.push({
        variable: name,
        kind: 'categorical-header',
        summary: 'n (%)',
        cells: sets.map(() => ''),
        p: test?.p,
        test: test?.test,
        smd,
        missing,
      });
      levels.forEach((l, li) => {
        rows.push({
          variable: name,
          level: l,
          kind: 'level',
          cells: counts.map((cs) => {
            const tot = cs.reduce((s, v) => s + v, 0);
            return `${cs[li]} (${fmt(tot ? (100 * cs[li]) / tot : Number.NaN, 1)})`;
          }),
        });
      });
      continue;
    }
    if (c.kind !== 'numeric') continue;
    const vals = sets.map((s) => s.map((i) => c.values[i]).filter((v) => !Number.isNaN(v)));
    const missing = overallRows.filter((i) => Number.isNaN(c.values[i])).length;
    const nonnormal =
      o.nonnormal === 'auto' ? Math.abs(skewness(vals[0])) > 1 : (o.nonnormal ?? []).includes(name);
    const cells = vals.map((v) => {
      if (!v.length) return 'NA';
      if (nonnormal) {
        const [q1, q2, q3] = quantiles(v, [0.25, 0.5, 0.75]);
        return `${fmt(q2, d)} [${fmt(q1, d)}, ${fmt(q3, d)}]`;
      }
      return `${fmt(mean(v), d)} (${fmt(std(v), d)})`;
    });
    let test: TestResult | undefined;
    let smd: number | undefined;
    const gv = vals.slice(1);
    if (strata.length >= 2 && gv.every((v) => v.length >= 2)) {
      if (strata.length === 2) test = nonnormal ? mannWhitneyU(gv[0], gv[1]) : welchTTest(gv[0], gv[1]);
      else test = nonnormal ? kruskalWallis(gv) : oneWayAnova(gv);
      smd = meanPairwise(gv, smdContinuous);
    }
    rows.push({
      variable: name,
      kind: 'continuous',
      summary: nonnormal ? 'median [Q1, Q3]' : 'mean (SD)',
      cells,
      p: test?.p,
      test: test?.test,
      smd,
      missing,
    });
  }
  return { strata, columns: ['Overall', ...strata], rows };
}

const pFmt = (p: number | undefined) =>
  p === undefined || Number.isNaN(p) ? '' : p < 0.001 ? '<0.001' : p.toFixed(3);
const smdFmt = (s: number | undefined) => (s === undefined || Number.isNaN(s) ? '' : s.toFixed(3));

function grid(t: Table1): string[][] {
  const head = ['Variable', ...t.columns, ...(t.strata.length >= 2 ? ['p', 'test', 'SMD'] : []), 'Missing'];
  const body = t.rows.map((r) => {
    const label =
      r.kind === 'level' ? `  ${r.level}` : r.summary ? `${r.variable}, ${r.summary}` : r.variable;
    const extra = t.strata.length >= 2 ? [pFmt(r.p), r.test ?? '', smdFmt(r.smd)] : [];
    return [label, ...r.cells, ...extra, r.missing !== undefined ? String(r.missing) : ''];
  });
  return [head, ...body];
}

/** GitHub-flavoured Markdown table. */
export function table1ToMarkdown(t: Table1): string {
  const [head, ...body] = grid(t);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...body.map((r) => `| ${r.map((c) => esc(c).replace(/^ {2}/, '&nbsp;&nbsp;')).join(' | ')} |`),
  ].join('\n');
}

/** RFC 4180 CSV. */
export function table1ToCsv(t: Table1): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `${grid(t)
    .map((r) => r.map((c) => q(c.trim())).join(','))
    .join('\n')}\n`;
}

const html = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A standalone HTML table (class `aegle-table1`). */
export function table1ToHtml(t: Table1): string {
  const [head, ...body] = grid(t);
  const tr = (cells: string[], tag: string) =>
    `<tr>${cells.map((c, i) => `<${tag}${i === 0 && c.startsWith('  ') ? ' style="padding-left:1.5em"' : ''}>${html(c.trim())}</${tag}>`).join('')}</tr>`;
  return `<table class="aegle-table1">\n<thead>${tr(head, 'th')}</thead>\n<tbody>\n${body.map((r) => tr(r, 'td')).join('\n')}\n</tbody>\n</table>\n`;
}
