/**
 * `aegle analyze KIND DATASET …`: survival (km, cox), Table 1, correlations, crosstabs, clustering,
 * anomalies, association rules, trends, NEWS2 and maps over a stored dataset version. Thin: reads the
 * frame, calls `runAnalysis`, prints text or `--json`, and writes `--chart out.svg|png|json`.
 */
import { writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { ANALYSIS_KINDS, type AnalysisOptions, renderChart, runAnalysis } from '../../analysis/index.js';
import { readFrame } from '../../dataset/index.js';
import { getVersion, parseDatasetRef } from '../../store/index.js';
import type { CliContext } from '../context.js';
import { withStore } from '../store.js';

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const collect = (v: string, prev: string[] = []) => [...prev, v];

function parseLevels(items: string[] | undefined): Record<string, string[]> | undefined {
  if (!items?.length) return undefined;
  const out: Record<string, string[]> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw new Error(`--levels expects COLUMN=L1,L2,… (the first level is the reference). Got '${item}'.`);
    out[item.slice(0, eq)] = list(item.slice(eq + 1))!;
  }
  return out;
}

export function registerAnalyzeCommands(program: Command, getCtx: () => CliContext): void {
  program
    .command('analyze')
    .description(`Analyse a dataset: ${ANALYSIS_KINDS.join(', ')}`)
    .argument('<kind>', `analysis kind (${ANALYSIS_KINDS.join(' | ')})`)
    .argument('<dataset>', 'NAME or NAME@VERSION')
    .option('--time <col>', 'km/cox: follow-up time; trend: time column')
    .option('--event <col>', 'km/cox: event indicator (0/1, 1/2 or boolean)')
    .option('--group <col>', 'km: group column (adds the log-rank test); table1: strata')
    .option('--covariates <a,b,c>', 'cox: covariates (categoricals become dummies)')
    .addOption(
      new Option('--ties <method>', 'cox: tie handling').choices(['efron', 'breslow']).default('efron'),
    )
    .option('--levels <col=L1,L2>', 'level order of a categorical (first = reference); repeatable', collect)
    .option('--strata <col>', 'table1: stratify by this column')
    .option('--variables <a,b>', 'table1: variables in order')
    .option('--nonnormal <a,b|auto>', "table1: show median [Q1, Q3] and use rank tests ('auto': |skew| > 1)")
    .option('--categorical <a,b>', 'table1: numeric columns to treat as categories')
    .addOption(
      new Option('--format <fmt>', 'table1 text output')
        .choices(['markdown', 'html', 'csv', 'json'])
        .default('markdown'),
    )
    .option('--columns <a,b>', 'corr/clustering/anomalies: numeric columns; crosstab: ROW,COL')
    .addOption(new Option('--method <m>', 'corr: method').choices(['pearson', 'spearman']).default('pearson'))
    .option('--k <n>', 'kmeans/hclust: number of clusters')
    .option('--n-init <n>', 'kmeans: k-means++ restarts', '10')
    .option('--mini-batch', 'kmeans: mini-batch k-means (large data)')
    .option('--seed <n>', 'random seed', '0')
    .option('--eps <x>', 'dbscan: neighbourhood radius (on standardised columns)')
    .option('--min-samples <n>', 'dbscan: core-point threshold (itself included)')
    .addOption(
      new Option('--linkage <l>', 'hclust: linkage')
        .choices(['ward', 'average', 'complete', 'single'])
        .default('ward'),
    )
    .option('--no-scale', 'clustering: do not standardise columns')
    .option('--top <n>', 'anomalies: rows to show; rules: best rules to keep')
    .option('--trees <n>', 'iforest: number of trees', '100')
    .option('--id <col>', 'rules: transaction id (e.g. patient_id)')
    .option('--item <col>', 'rules: item column (e.g. icd10)')
    .option('--min-support <x>', 'rules: minimum support fraction', '0.05')
    .option('--min-confidence <x>', 'rules: minimum confidence', '0.5')
    .addOption(
      new Option('--sort-by <m>', 'rules: ranking metric')
        .choices(['support', 'confidence', 'lift', 'leverage', 'conviction'])
        .default('lift'),
    )
    .option('--max-length <n>', 'rules: longest itemset')
    .option('--value <col>', 'trend/map: the measured value')
    .option('--interval <x>', 'trend: resampling bin width (time units; days for dates)')
    .option('--period <n>', 'trend: seasonal period for the classical decomposition')
    .option('--region <col>', 'map: region column (US state name or USPS code, or country name)')
    .addOption(
      new Option('--atlas <a>', 'map: topology')
        .choices(['us-states', 'world-countries'])
        .default('us-states'),
    )
    .option(
      '--vitals <k=col,…>',
      'news2: column names (respRate, spo2, systolic, pulse, temperature, onOxygen, consciousness)',
    )
    .option('--chart <file>', 'write the chart (.svg, .png, or .json for the Vega-Lite spec)')
    .option('--full', 'JSON: every computed field, not only the documented contract')
    .option('--json', 'JSON output')
    .action(async (kind: string, ref: string, o) => {
      const ctx = getCtx();
      const { name, version } = parseDatasetRef(ref);
      const frame = await withStore(ctx, async (db) => readFrame(db, await getVersion(db, name, version)));
      const opts: AnalysisOptions = {
        time: o.time,
        event: o.event,
        group: o.group,
        covariates: list(o.covariates),
        ties: o.ties,
        levels: parseLevels(o.levels),
        strata: o.strata,
        variables: list(o.variables),
        nonnormal: o.nonnormal === 'auto' ? 'auto' : list(o.nonnormal),
        categorical: list(o.categorical),
        format: o.format,
        columns: list(o.columns),
        method: o.method,
        k: num(o.k),
        nInit: num(o.nInit),
        miniBatch: Boolean(o.miniBatch),
        seed: num(o.seed),
        eps: num(o.eps),
        minSamples: num(o.minSamples),
        linkage: o.linkage,
        scale: o.scale !== false,
        top: num(o.top),
        trees: num(o.trees),
        id: o.id,
        item: o.item,
        minSupport: num(o.minSupport),
        minConfidence: num(o.minConfidence),
        sortBy: o.sortBy,
        maxLength: num(o.maxLength),
        value: o.value,
        interval: num(o.interval),
        period: num(o.period),
        region: o.region,
        atlas: o.atlas,
        vitals: o.vitals ? Object.fromEntries((list(o.vitals) ?? []).map((kv) => kv.split('='))) : undefined,
        full: Boolean(o.full),
      };
      const out = runAnalysis(kind, frame, opts);
      if (o.chart) {
        if (!out.chart) ctx.err(`(no chart for '${kind}')`);
        else {
          await writeFile(o.chart, await renderChart(out.chart, o.chart));
          if (!o.json) ctx.err(`Wrote ${o.chart}`);
        }
      }
      if (o.json) ctx.json(out.result);
      else ctx.out(out.text);
    });
}
