/**
 * One entry point per analysis kind over a Frame, shared by the CLI (`aegle analyze KIND …`) and,
 * later, the API's analysis jobs. Each returns JSON-ready `result`, a plain-text `text` summary and
 * an optional Vega-Lite `chart`. Options arrive as strings/numbers from flags or request bodies.
 */
import { type Frame, frameToMatrix, getColumn } from '../core/index.js';
import { fitIsolationForest, isolationScores } from './anomaly/iforest.js';
import { mahalanobis, topAnomalies } from './anomaly/robust.js';
import {
  choroplethSpec,
  clusterScatterSpec,
  correlationHeatmapSpec,
  dendrogramSpec,
  forestPlotSpec,
  kaplanMeierSpec,
  timeSeriesBandSpec,
  type VegaLiteSpec,
} from './charts/specs.js';
import { loadTopology, US_STATE_NAMES } from './charts/render.js';
import { type Points, toPoints } from './cluster/data.js';
import { dbscan } from './cluster/dbscan.js';
import { agglomerative, cutTree, type Linkage } from './cluster/hclust.js';
import { kmeans, miniBatchKMeans } from './cluster/kmeans.js';
import { calinskiHarabaszScore, daviesBouldinScore, silhouetteScore } from './cluster/metrics.js';
import { pca } from './cluster/pca.js';
import { clusterProfiles } from './cluster/profile.js';
import { type CorrelationMethod, correlationMatrix, crosstab } from './describe/correlation.js';
import { table1, table1ToCsv, table1ToHtml, table1ToMarkdown } from './describe/table1.js';
import { createError } from './errors.js';
import { associationRules, fpGrowth, type RuleMetric } from './rules/fpgrowth.js';
import { analyzeCox, analyzeCoxZph, analyzeKaplanMeier } from './survival/frame.js';
import type { CoxTies } from './survival/cox.js';
import { groupLabels } from './survival/data.js';
import { news2 } from './timeseries/news2.js';
import { decompose, mannKendall } from './timeseries/trend.js';
import { resample } from './timeseries/resample.js';

export const ANALYSIS_KINDS = [
  'km',
  'cox',
  'table1',
  'corr',
  'crosstab',
  'kmeans',
  'dbscan',
  'hclust',
  'iforest',
  'mahalanobis',
  'rules',
  'trend',
  'news2',
  'map',
] as const;
export type AnalysisKind = (typeof ANALYSIS_KINDS)[number];

/** Options of every kind (each kind reads the ones it needs). */
export interface AnalysisOptions {
  time?: string;
  event?: string;
  group?: string;
  covariates?: string[];
  ties?: CoxTies;
  levels?: Record<string, string[]>;
  /** Include everything (not just the documented contract) in `result`. */
  full?: boolean;
  strata?: string;
  variables?: string[];
  nonnormal?: string[] | 'auto';
  categorical?: string[];
  format?: 'json' | 'markdown' | 'html' | 'csv';
  columns?: string[];
  method?: CorrelationMethod;
  k?: number;
  nInit?: number;
  miniBatch?: boolean;
  seed?: number;
  eps?: number;
  minSamples?: number;
  linkage?: Linkage;
  scale?: boolean;
  top?: number;
  trees?: number;
  id?: string;
  item?: string;
  minSupport?: number;
  minConfidence?: number;
  sortBy?: RuleMetric;
  maxLength?: number;
  value?: string;
  interval?: number;
  period?: number;
  region?: string;
  atlas?: 'us-states' | 'world-countries';
  /** NEWS2 column names. */
  vitals?: Partial<
    Record<'respRate' | 'spo2' | 'systolic' | 'pulse' | 'temperature' | 'onOxygen' | 'consciousness', string>
  >;
}

export interface AnalysisOutput {
  readonly result: unknown;
  readonly text: string;
  readonly chart?: VegaLiteSpec;
}

function need<T>(v: T | undefined, param: string, kind: string): T {
  if (v === undefined || (Array.isArray(v) && v.length === 0)) {
    throw createError('AEGLE_ANALYSIS_BAD_ARGUMENT', {
      param,
      owner: `analysis '${kind}'`,
      expected: 'a value',
      got: 'nothing',
    });
  }
  return v;
}

const r6 = (v: number | null) => (v === null || !Number.isFinite(v) ? v : Number(v.toPrecision(6)));

/** Numeric feature columns, rows with a missing value dropped (and counted). */
function featurePoints(
  frame: Frame,
  columns: readonly string[],
  scale: boolean,
): { points: Points; rows: number[]; dropped: number } {
  for (const c of columns) {
    if (getColumn(frame, c).kind === 'categorical')
      throw createError('AEGLE_ANALYSIS_BAD_COLUMN', {
        column: c,
        problem: 'must be numeric (encode categoricals first)',
      });
  }
  const m = frameToMatrix(frame, columns);
  const rows: number[] = [];
  for (let i = 0; i < m.nRows; i++) {
    let ok = true;
    for (let j = 0; j < m.nCols; j++) if (Number.isNaN(m.data[j * m.nRows + i])) ok = false;
    if (ok) rows.push(i);
  }
  const p = toPoints(m);
  const dim = m.nCols;
  const data = new Float64Array(rows.length * dim);
  rows.forEach((i, k) => {
    data.set(p.data.subarray(i * dim, i * dim + dim), k * dim);
  });
  if (scale) {
    for (let j = 0; j < dim; j++) {
      let mu = 0;
      for (let k = 0; k < rows.length; k++) mu += data[k * dim + j] / rows.length;
      let v = 0;
      for (let k = 0; k < rows.length; k++) v += (data[k * dim + j] - mu) ** 2;
      const sd = Math.sqrt(v / Math.max(1, rows.length - 1)) || 1;
      for (let k = 0; k < rows.length; k++) data[k * dim + j] = (data[k * dim + j] - mu) / sd;
    }
  }
  return { points: { data, n: rows.length, dim }, rows, dropped: frame.nRows - rows.length };
}

function scatterOf(points: Points, labels: ArrayLike<number>, title: string): VegaLiteSpec {
  const pc = pca(points, 2);
  const xy =
    pc.components === 2
      ? pc.scores
      : Float64Array.from({ length: points.n * 2 }, (_, i) => (i % 2 ? 0 : pc.scores[i >> 1]));
  return clusterScatterSpec(xy, labels, { title });
}

function clusterQuality(points: Points, labels: ArrayLike<number>) {
  const k = new Set(Array.from(labels)).size;
  if (k < 2 || k >= points.n) return {};
  return {
    silhouette: points.n <= 20000 ? silhouetteScore(points, labels) : undefined,
    daviesBouldin: daviesBouldinScore(points, labels),
    calinskiHarabasz: calinskiHarabaszScore(points, labels),
  };
}

export function runAnalysis(kind: string, frame: Frame, o: AnalysisOptions = {}): AnalysisOutput {
  switch (kind as AnalysisKind) {
    case 'km': {
      const km = analyzeKaplanMeier(frame, {
        time: need(o.time, 'time', kind),
        event: need(o.event, 'event', kind),
        group: o.group,
        levels: o.group ? o.levels?.[o.group] : undefined,
      });
      const result = o.full
        ? km
        : {
            groups: km.groups.map((g) => ({
              name: g.name,
              time: g.time,
              nRisk: g.nRisk,
              nEvent: g.nEvent,
              survival: g.survival,
              lower: g.lower,
              upper: g.upper,
              median: g.median,
            })),
            ...(km.logrank
              ? { logrank: { chisq: km.logrank.chisq, df: km.logrank.df, p: km.logrank.p } }
              : {}),
          };
      const lines = km.groups.map(
        (g) =>
          `${g.name}: n=${g.n} events=${g.events} median=${g.median ?? 'NA'} (95% CI ${g.medianLower ?? 'NA'}–${g.medianUpper ?? 'NA'}) RMST(${g.rmeanEnd})=${r6(g.rmean)}`,
      );
      if (km.logrank)
        lines.push(`log-rank χ²=${r6(km.logrank.chisq)} df=${km.logrank.df} p=${r6(km.logrank.p)}`);
      if (km.dropped) lines.push(`(${km.dropped} rows dropped for missing values)`);
      return {
        result,
        text: lines.join('\n'),
        chart: kaplanMeierSpec(km.groups, { title: `Kaplan–Meier: ${o.time}` }),
      };
    }
    case 'cox': {
      const fit = analyzeCox(frame, {
        time: need(o.time, 'time', kind),
        event: need(o.event, 'event', kind),
        covariates: need(o.covariates, 'covariates', kind),
        ties: o.ties,
        levels: o.levels,
      });
      const zph = analyzeCoxZph(fit);
      const result = o.full
        ? { ...fit, internal: undefined, zph }
        : {
            n: fit.n,
            events: fit.events,
            coefficients: fit.coefficients.map((c) => ({
              name: c.name,
              coef: c.coef,
              se: c.se,
              hr: c.hr,
              lower: c.lower,
              upper: c.upper,
              p: c.p,
            })),
            concordance: fit.concordance,
          };
      const lines = [
        `n=${fit.n} events=${fit.events}${fit.dropped ? ` (${fit.dropped} rows dropped for missing values)` : ''} ties=${fit.ties}`,
        'term  coef  se  HR  (95% CI)  p',
        ...fit.coefficients.map(
          (c) =>
            `${c.name}  ${r6(c.coef)}  ${r6(c.se)}  ${r6(c.hr)}  (${r6(c.lower)}–${r6(c.upper)})  ${r6(c.p)}`,
        ),
        `concordance=${r6(fit.concordance)}  LR χ²=${r6(fit.lrt.stat)} (p=${r6(fit.lrt.p)})  Wald=${r6(fit.wald.stat)}  score=${r6(fit.score.stat)}`,
        `PH test (cox.zph, km): ${[...zph.table, zph.global].map((z) => `${z.term} p=${r6(z.p)}`).join(', ')}`,
      ];
      return {
        result,
        text: lines.join('\n'),
        chart: forestPlotSpec(fit.coefficients, { title: 'Cox model: hazard ratios' }),
      };
    }
    case 'table1': {
      const t = table1(frame, {
        strata: o.strata ?? o.group,
        variables: o.variables ?? o.columns,
        nonnormal: o.nonnormal,
        categorical: o.categorical,
      });
      const fmt = o.format ?? 'markdown';
      const text =
        fmt === 'html'
          ? table1ToHtml(t)
          : fmt === 'csv'
            ? table1ToCsv(t)
            : fmt === 'json'
              ? JSON.stringify(t, null, 2)
              : table1ToMarkdown(t);
      return { result: t, text };
    }
    case 'corr': {
      const cols = o.columns ?? frame.columns.filter((c) => c.kind === 'numeric').map((c) => c.name);
      const m = correlationMatrix(frame, cols, o.method ?? 'pearson');
      const text = [
        ['', ...cols].join('\t'),
        ...cols.map((c, i) => [c, ...m.r[i].map((v) => v.toFixed(3))].join('\t')),
      ].join('\n');
      return {
        result: m,
        text,
        chart: correlationHeatmapSpec(cols, m.r, { title: `${m.method} correlation` }),
      };
    }
    case 'crosstab': {
      const cols = need(o.columns, 'columns', kind);
      const ct = crosstab(frame, cols[0], cols[1]);
      const text = [
        [`${ct.rowVariable} \\ ${ct.colVariable}`, ...ct.cols].join('\t'),
        ...ct.rows.map((r, i) => [r, ...ct.counts[i]].join('\t')),
        `χ²=${r6(ct.chisq)} df=${ct.df} p=${r6(ct.p)}`,
      ].join('\n');
      return { result: ct, text };
    }
    case 'kmeans': {
      const cols = need(o.columns, 'columns', kind);
      const { points, rows, dropped } = featurePoints(frame, cols, o.scale ?? true);
      const k = o.k ?? 3;
      const r = o.miniBatch
        ? miniBatchKMeans(points, { k, seed: o.seed })
        : kmeans(points, { k, nInit: o.nInit, seed: o.seed });
      const profiles = clusterProfiles(points, r.labels, cols);
      const result = {
        k,
        rows: points.n,
        dropped,
        inertia: r.inertia,
        iterations: r.iterations,
        ...clusterQuality(points, r.labels),
        labels: o.full ? Array.from(r.labels) : undefined,
        rowIndex: o.full ? rows : undefined,
        profiles,
      };
      const text = [
        `k-means k=${k}: inertia=${r6(r.inertia)} (${points.n} rows, ${dropped} dropped)`,
        ...profiles.map(
          (p) =>
            `cluster ${p.cluster}: n=${p.size}; ${p.distinguishing.map((d) => `${d.feature} ${d.diff > 0 ? '+' : ''}${d.diff.toFixed(2)} SD`).join(', ')}`,
        ),
      ].join('\n');
      return { result, text, chart: scatterOf(points, r.labels, `k-means (k=${k}) on PCA`) };
    }
    case 'dbscan': {
      const cols = need(o.columns, 'columns', kind);
      const { points, dropped } = featurePoints(frame, cols, o.scale ?? true);
      const r = dbscan(points, { eps: o.eps ?? 0.5, minSamples: o.minSamples ?? 5 });
      const result = {
        clusters: r.nClusters,
        noise: r.nNoise,
        rows: points.n,
        dropped,
        labels: o.full ? Array.from(r.labels) : undefined,
        profiles: clusterProfiles(points, r.labels, cols),
      };
      return {
        result,
        text: `DBSCAN: ${r.nClusters} clusters, ${r.nNoise} noise points of ${points.n}`,
        chart: scatterOf(points, r.labels, 'DBSCAN on PCA'),
      };
    }
    case 'hclust': {
      const cols = need(o.columns, 'columns', kind);
      const { points, dropped } = featurePoints(frame, cols, o.scale ?? true);
      const tree = agglomerative(points, o.linkage ?? 'ward');
      const k = o.k ?? 3;
      const labels = cutTree(tree, k);
      const result = {
        linkage: tree.linkage,
        k,
        rows: points.n,
        dropped,
        ...clusterQuality(points, labels),
        merges: o.full ? tree.merges : undefined,
        order: o.full ? tree.order : undefined,
        profiles: clusterProfiles(points, labels, cols),
      };
      return {
        result,
        text: `${tree.linkage} linkage, cut at k=${k}; top merge height ${r6(tree.merges[tree.merges.length - 1].height)}`,
        chart: dendrogramSpec(tree, { title: `Dendrogram (${tree.linkage})` }),
      };
    }
    case 'iforest':
    case 'mahalanobis': {
      const cols = need(o.columns, 'columns', kind);
      const { points, rows, dropped } = featurePoints(frame, cols, false);
      const scores =
        kind === 'iforest'
          ? isolationScores(fitIsolationForest(points, { nTrees: o.trees, seed: o.seed }), points)
          : mahalanobis(points);
      const top = topAnomalies(points, scores, cols, o.top ?? 10).map((a) => ({ ...a, row: rows[a.row] }));
      const result = {
        method: kind,
        rows: points.n,
        dropped,
        top,
        scores: o.full ? Array.from(scores) : undefined,
      };
      const text = top
        .map(
          (a) =>
            `row ${a.row}: score ${r6(a.score)} — ${a.why.map((w) => `${w.feature}=${w.value} (z ${w.robustZ.toFixed(1)})`).join(', ')}`,
        )
        .join('\n');
      return { result, text };
    }
    case 'rules': {
      const id = need(o.id, 'id', kind);
      const item = need(o.item, 'item', kind);
      const ids = groupLabels(getColumn(frame, id));
      const items = groupLabels(getColumn(frame, item));
      const tx = new Map<string, Set<string>>();
      ids.forEach((k, i) => {
        if (k === null || items[i] === null) return;
        let s = tx.get(k);
        if (!s) tx.set(k, (s = new Set()));
        s.add(items[i]!);
      });
      const transactions = [...tx.values()].map((s) => [...s]);
      const sets = fpGrowth(transactions, { minSupport: o.minSupport ?? 0.05, maxLength: o.maxLength });
      const rules = associationRules(sets, {
        minConfidence: o.minConfidence ?? 0.5,
        topK: o.top ?? 20,
        sortBy: o.sortBy,
      });
      const result = { transactions: transactions.length, itemsets: o.full ? sets : sets.length, rules };
      const text = [
        `${transactions.length} transactions, ${sets.length} frequent itemsets, top ${rules.length} rules:`,
        ...rules.map(
          (r) =>
            `{${r.antecedent.join(', ')}} → {${r.consequent.join(', ')}}  support=${r6(r.support)} confidence=${r6(r.confidence)} lift=${r6(r.lift)}`,
        ),
      ].join('\n');
      return { result, text };
    }
    case 'trend': {
      const value = need(o.value, 'value', kind);
      const vcol = getColumn(frame, value);
      if (vcol.kind === 'categorical')
        throw createError('AEGLE_ANALYSIS_BAD_COLUMN', { column: value, problem: 'must be numeric' });
      let times: number[];
      let series: number[];
      if (o.time) {
        const tcol = getColumn(frame, o.time);
        if (tcol.kind === 'categorical')
          throw createError('AEGLE_ANALYSIS_BAD_COLUMN', {
            column: o.time,
            problem: 'must be a number or a date',
          });
        const interval = o.interval ?? (tcol.kind === 'datetime' ? 86_400_000 : 1);
        const r = resample(tcol.values, vcol.values, { interval, agg: 'mean' });
        times = r.time;
        series = r.value;
      } else {
        series = Array.from(vcol.values);
        times = series.map((_, i) => i);
      }
      const mk = mannKendall(series);
      const dec =
        o.period && series.length >= 2 * o.period && series.every((v) => !Number.isNaN(v))
          ? decompose(series, o.period)
          : undefined;
      const temporal = o.time ? getColumn(frame, o.time).kind === 'datetime' : false;
      const chart = timeSeriesBandSpec(
        times.map((t, i) => ({ time: temporal ? new Date(t).toISOString() : t, value: series[i] })),
        { title: `${value}: Mann–Kendall ${mk.trend} (p=${r6(mk.p)})`, temporal, valueTitle: value },
      );
      return {
        result: { points: series.length, mannKendall: mk, decomposition: dec },
        text: `Mann–Kendall S=${mk.s} z=${r6(mk.z)} p=${r6(mk.p)} → ${mk.trend}; Sen slope ${r6(mk.slope)} per step`,
        chart,
      };
    }
    case 'news2': {
      const v = {
        respRate: 'resp_rate',
        spo2: 'spo2',
        systolic: 'sbp',
        pulse: 'heart_rate',
        temperature: 'temperature',
        ...o.vitals,
      };
      const num = (name: string) => {
        const c = getColumn(frame, name);
        if (c.kind === 'categorical')
          throw createError('AEGLE_ANALYSIS_BAD_COLUMN', { column: name, problem: 'must be numeric' });
        return c.values;
      };
      const rr = num(v.respRate);
      const sp = num(v.spo2);
      const sb = num(v.systolic);
      const pu = num(v.pulse);
      const te = num(v.temperature);
      const ox = v.onOxygen ? num(v.onOxygen) : undefined;
      const cons = v.consciousness ? groupLabels(getColumn(frame, v.consciousness)) : undefined;
      const scores = Array.from({ length: frame.nRows }, (_, i) =>
        news2({
          respRate: rr[i],
          spo2: sp[i],
          systolic: sb[i],
          pulse: pu[i],
          temperature: te[i],
          onOxygen: ox ? ox[i] > 0 : false,
          consciousness: cons?.[i] && cons[i] !== 'A' ? 'C' : 'A',
        }),
      );
      const byRisk: Record<string, number> = { low: 0, 'low-medium': 0, medium: 0, high: 0 };
      for (const s of scores) byRisk[s.risk]++;
      const result = {
        rows: scores.length,
        byRisk,
        incomplete: scores.filter((s) => s.incomplete).length,
        scores: o.full ? scores : undefined,
      };
      return {
        result,
        text: `NEWS2 over ${scores.length} observation sets: ${Object.entries(byRisk)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
      };
    }
    case 'map': {
      const region = need(o.region, 'region', kind);
      const value = need(o.value, 'value', kind);
      const reg = groupLabels(getColumn(frame, region));
      const vc = getColumn(frame, value);
      if (vc.kind === 'categorical')
        throw createError('AEGLE_ANALYSIS_BAD_COLUMN', {
          column: value,
          problem: 'must be numeric (the rate to map)',
        });
      const acc = new Map<string, { s: number; n: number }>();
      reg.forEach((r, i) => {
        if (r === null || Number.isNaN(vc.values[i])) return;
        const name = US_STATE_NAMES[r.toUpperCase()] ?? r;
        const a = acc.get(name) ?? { s: 0, n: 0 };
        a.s += vc.values[i];
        a.n++;
        acc.set(name, a);
      });
      const rows = [...acc.entries()].map(([r, a]) => ({ region: r, value: a.s / a.n, n: a.n }));
      const { topology, object } = loadTopology(o.atlas ?? 'us-states');
      return {
        result: { regions: rows },
        text: rows.map((r) => `${r.region}\t${r6(r.value)}\t(n=${r.n})`).join('\n'),
        chart: choroplethSpec(topology, object, rows, { title: `${value} by ${region}`, valueTitle: value }),
      };
    }
    default:
      throw createError('AEGLE_ANALYSIS_UNKNOWN_KIND', { kind, known: ANALYSIS_KINDS.join(', ') });
  }
}
