/**
 * Renders `ReportData` as one self-contained HTML page (inline SVG charts, inline CSS, no scripts, no
 * network), as Markdown (charts beside it as SVG/PNG files), and as a model-card JSON.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderPng, renderSvg } from '../analysis/index.js';
import { reportCharts } from './charts.js';
import type { ReportData } from './data.js';

/** Section ids, in order: the TRIPOD+AI / model-card structure a test checks. */
export const REPORT_SECTIONS = [
  ['intended-use', 'Intended use and users'],
  ['data', 'Data source and dates'],
  ['cohort-flow', 'Cohort flow'],
  ['predictors', 'Outcome and predictors'],
  ['missing-data', 'Missing-data handling'],
  ['model', 'Model specification and tuning'],
  ['discrimination', 'Discrimination'],
  ['calibration', 'Calibration'],
  ['decision-curve', 'Clinical utility: decision curve'],
  ['operating-table', 'Operating table'],
  ['subgroups', 'Subgroups and fairness'],
  ['explanations', 'Explanations'],
  ['limitations', 'Limitations and uses to avoid'],
] as const;

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const f3 = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : Number.isFinite(v) ? v.toFixed(3) : String(v);
const pct = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${(100 * v).toFixed(1)}%`;
const ci = (a: number, b: number) => `${f3(a)}–${f3(b)}`;

interface Table {
  head: string[];
  rows: (string | number)[][];
}

/** The report's tables, shared by the HTML and Markdown renderers. */
function tables(d: ReportData): Record<string, Table> {
  const b = d.discrimination.bootstrap;
  return {
    discrimination: {
      head: ['measure', 'estimate', '95% CI', 'method'],
      rows: [
        [
          'AUROC',
          f3(d.discrimination.auroc.auc),
          ci(d.discrimination.auroc.ci[0], d.discrimination.auroc.ci[1]),
          'DeLong',
        ],
        [
          'AUROC',
          f3(b.auroc.estimate),
          ci(b.auroc.lo, b.auroc.hi),
          `bootstrap (${d.discrimination.replicates}, stratified)`,
        ],
        ['AUPRC', f3(b.auprc.estimate), ci(b.auprc.lo, b.auprc.hi), 'bootstrap'],
        ['Brier score', f3(b.brier.estimate), ci(b.brier.lo, b.brier.hi), 'bootstrap'],
        [
          `Sensitivity @ ${d.threshold}`,
          f3(b.sensitivity.estimate),
          ci(b.sensitivity.lo, b.sensitivity.hi),
          'bootstrap',
        ],
        [
          `Specificity @ ${d.threshold}`,
          f3(b.specificity.estimate),
          ci(b.specificity.lo, b.specificity.hi),
          'bootstrap',
        ],
      ],
    },
    calibration: {
      head: ['measure', 'value', 'ideal'],
      rows: [
        [
          'Calibration-in-the-large (intercept)',
          `${f3(d.calibration.calibrationInTheLarge)} (SE ${f3(d.calibration.calibrationInTheLargeSE)})`,
          '0',
        ],
        [
          'Calibration slope',
          `${f3(d.calibration.slope)} (95% CI ${ci(d.calibration.slopeCI[0], d.calibration.slopeCI[1])}; bootstrap ${ci(b.calibrationSlope.lo, b.calibrationSlope.hi)})`,
          '1',
        ],
        ['Observed / expected', f3(d.calibration.observedExpectedRatio), '1'],
        [
          'Mean predicted vs observed',
          `${pct(d.calibration.meanPredicted)} vs ${pct(d.calibration.observedRate)}`,
          'equal',
        ],
        ['Expected calibration error (10 bins)', f3(d.calibration.ece), '0'],
        [
          'Brier score / scaled Brier',
          `${f3(d.calibration.brier)} / ${f3(d.calibration.brierSkill)}`,
          '0 / 1',
        ],
      ],
    },
    operating: {
      head: [
        'threshold',
        'sensitivity',
        'specificity',
        'PPV',
        'NPV',
        'alert rate',
        'net benefit',
        'alerts per case',
      ],
      rows: d.operatingTable.map((q) => [
        q.threshold,
        f3(q.sensitivity),
        f3(q.specificity),
        f3(q.ppv),
        f3(q.npv),
        pct(q.alertRate),
        f3(q.netBenefit),
        Number.isFinite(q.numberNeededToEvaluate) ? q.numberNeededToEvaluate.toFixed(1) : '—',
      ]),
    },
    chosen: {
      head: ['rule', 'threshold', 'sensitivity', 'specificity', 'PPV', 'alert rate'],
      rows: d.chosenThresholds.map((c) => [
        c.rule,
        f3(c.point.threshold),
        f3(c.point.sensitivity),
        f3(c.point.specificity),
        f3(c.point.ppv),
        pct(c.point.alertRate),
      ]),
    },
    decision: {
      head: ['threshold', 'net benefit (model)', 'treat all', 'treat none', 'interventions avoided /100'],
      rows: d.decisionCurve
        .filter((q) => [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5].some((t) => Math.abs(q.threshold - t) < 1e-9))
        .map((q) => [
          q.threshold,
          f3(q.netBenefitModel),
          f3(q.netBenefitAll),
          '0',
          q.interventionsAvoidedPer100.toFixed(1),
        ]),
    },
    predictors: {
      head: ['predictor', 'type', 'unit', 'range'],
      rows: d.predictors.map((q) => [
        q.name,
        q.type,
        q.unit ?? d.card.units?.[q.name] ?? '—',
        q.range ? `${q.range[0]}–${q.range[1]}` : '—',
      ]),
    },
    importance: {
      head: ['feature', 'mean |SHAP|', 'permutation importance (AUROC drop, mean ± SD)'],
      rows: d.explanations.features.map((q) => [
        q.feature,
        f3(q.meanAbsShap),
        `${f3(q.permutationMean)} ± ${f3(q.permutationSd)}`,
      ]),
    },
  };
}

function subgroupTable(s: ReportData['subgroups'][number]): Table {
  return {
    head: [
      'group',
      'n',
      'events',
      'AUROC (95% CI)',
      'TPR (95% CI)',
      'FPR (95% CI)',
      'alert rate',
      'O/E',
      'cal. slope',
      'note',
    ],
    rows: s.rows.map((r) => [
      r.group,
      r.n,
      r.events,
      r.auroc === null ? '—' : `${f3(r.auroc)} (${ci(r.aurocCI![0], r.aurocCI![1])})`,
      r.tpr === null ? '—' : `${f3(r.tpr)} (${ci(r.tprCI![0], r.tprCI![1])})`,
      r.fpr === null ? '—' : `${f3(r.fpr)} (${ci(r.fprCI![0], r.fprCI![1])})`,
      pct(r.alertRate),
      f3(r.observedExpectedRatio),
      f3(r.calibrationSlope),
      r.tooSmall ? '⚠ too small to judge' : '',
    ]),
  };
}

function fairnessLine(s: ReportData['subgroups'][number]): string {
  return `Equalised-odds gaps across judged groups at threshold ${s.threshold}: TPR ${f3(s.tprGap)}, FPR ${f3(s.fprGap)}; demographic parity difference (alert rate) ${f3(s.demographicParityDifference)}. Groups with < ${s.minSize} rows or < ${s.minEvents} events/non-events are flagged and left out of the gaps.`;
}

/** Prose of each section (shared). */
function prose(d: ReportData): Record<string, string[]> {
  const c = d.card;
  const flow = d.cohortFlow;
  return {
    'intended-use': [
      `Intended use: ${c.intendedUse ?? 'not stated — give it in the model card (--card card.yaml, field intendedUse).'}`,
      `Intended users: ${c.intendedUsers ?? 'not stated.'}`,
      `Target population: ${c.population ?? 'not stated.'}`,
      ...(c.owner ? [`Owner: ${c.owner}`] : []),
    ],
    data: [
      `Data source: ${c.dataSource ?? 'not stated.'}`,
      `Dates: ${c.dataDates ?? 'not stated.'}`,
      `Evaluation data: ${d.evaluationData}.`,
      `Lineage: ${JSON.stringify(d.lineage)}`,
    ],
    'cohort-flow': [
      `Rows in: ${flow.rowsIn ?? 'not recorded'}.`,
      ...flow.excluded.map((e) => `Excluded — ${e.reason}: ${e.rows}.`),
      ...(flow.missingOutcome ? [`Excluded — outcome missing: ${flow.missingOutcome}.`] : []),
      `Analysed: ${flow.analysed} rows, ${d.events} with the outcome (${pct(d.prevalence)}).`,
    ],
    predictors: [`Outcome: ${c.outcome ?? `${d.target} = ${d.positiveClass}`}.`],
    'missing-data': [
      c.missingData ??
        (d.modelKind === 'gbdt'
          ? 'Missing predictor values are handled natively by the trees: each split learnt a default direction for missing values at training.'
          : 'Missing predictor values are handled by the preprocessing pipeline recorded in the artifact (see below).'),
      ...(d.preprocessing.length ? [`Preprocessing: ${d.preprocessing.join(' → ')}.`] : []),
    ],
    model: [`Model: ${d.modelKind}.`, `Specification: ${JSON.stringify(d.specification)}`],
    discrimination: [
      `AUROC ${f3(d.discrimination.auroc.auc)} (DeLong 95% CI ${ci(d.discrimination.auroc.ci[0], d.discrimination.auroc.ci[1])}) on ${d.n} rows.`,
    ],
    calibration: [
      `Calibration-in-the-large ${f3(d.calibration.calibrationInTheLarge)} (0 is ideal; > 0 means predicted risks are too low on average) and slope ${f3(d.calibration.slope)} (1 is ideal; < 1 means predictions are too extreme).`,
    ],
    'decision-curve': [
      'Net benefit = TP/n − FP/n × pt/(1 − pt) (Vickers & Elkin 2006). The model is useful at thresholds where its curve lies above both treat-all and treat-none.',
    ],
    'operating-table': [
      `Decision threshold in the artifact: ${d.threshold}. At it: sensitivity ${f3(d.atThreshold.sensitivity)}, specificity ${f3(d.atThreshold.specificity)}, PPV ${f3(d.atThreshold.ppv)}, alert rate ${pct(d.atThreshold.alertRate)}.`,
    ],
    subgroups: d.subgroups.length
      ? d.subgroups.map(fairnessLine)
      : ['No subgroup columns were given (use --group COLUMN).'],
    explanations: [
      `SHAP values (${d.explanations.space} space; TreeSHAP for trees, linear SHAP for linear models) on ${d.explanations.rowsExplained} rows; expected value ${f3(d.explanations.expectedValue)}. Permutation importance: drop in AUROC when a feature is shuffled (5 repeats).`,
    ],
    limitations: [...d.limitations],
  };
}

async function svgs(d: ReportData): Promise<Record<string, { title: string; svg: string }>> {
  const out: Record<string, { title: string; svg: string }> = {};
  for (const [k, c] of Object.entries(reportCharts(d)))
    out[k] = { title: c.title, svg: await renderSvg(c.spec) };
  return out;
}

const chartsBySection: Record<string, (k: string) => boolean> = {
  discrimination: (k) => k === 'roc' || k === 'pr',
  calibration: (k) => k === 'calibration',
  'decision-curve': (k) => k === 'decision',
  explanations: (k) => k === 'importance' || k === 'shapSummary' || k.startsWith('dependence-'),
};

const tablesBySection = (t: Record<string, Table>, d: ReportData): Record<string, Table[]> => ({
  predictors: [t.predictors],
  discrimination: [t.discrimination],
  calibration: [t.calibration],
  'decision-curve': [t.decision],
  'operating-table': [t.operating, t.chosen],
  subgroups: d.subgroups.map(subgroupTable),
  explanations: [t.importance],
});

/** The HTML page. */
export async function renderHtml(d: ReportData): Promise<string> {
  const charts = await svgs(d);
  const t = tables(d);
  const tb = tablesBySection(t, d);
  const pr = prose(d);
  const table = (x: Table) =>
    `<table><thead><tr>${x.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${x.rows.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const sections = REPORT_SECTIONS.map(([id, title]) => {
    const isList = id === 'limitations';
    const body = isList
      ? `<h3>Limitations</h3><ul>${pr[id].map((s) => `<li>${esc(s)}</li>`).join('')}</ul><h3>Must not be used for</h3><ul>${d.outOfScopeUses.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>`
      : pr[id].map((s) => `<p>${esc(s)}</p>`).join('');
    const figs = Object.entries(charts)
      .filter(([k]) => chartsBySection[id]?.(k))
      .map(
        ([k, c]) => `<figure id="chart-${esc(k)}">${c.svg}<figcaption>${esc(c.title)}</figcaption></figure>`,
      )
      .join('');
    return `<section id="${id}"><h2>${esc(title)}</h2>${body}${(tb[id] ?? []).map(table).join('')}${figs ? `<div class="charts">${figs}</div>` : ''}</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)} — model report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1180px;margin:24px auto;padding:0 16px;color:#222}
h1{margin-bottom:0}.sub{color:#666;margin-top:4px}h2{border-bottom:2px solid #e3e3e3;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0 12px;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}th{background:#f5f5f7}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{color:#666;font-size:12px}
nav a{margin-right:10px;font-size:13px}.kpi{display:flex;gap:24px;margin:12px 0}.kpi div{background:#f5f5f7;padding:8px 14px;border-radius:6px}.kpi b{display:block;font-size:20px}
</style></head><body>
<h1>${esc(d.title)}</h1>
<p class="sub">Model report (TRIPOD+AI / model card) — ${esc(d.modelKind)} predicting ${esc(d.target)} = ${esc(d.positiveClass)} · generated ${esc(d.generatedAt)}</p>
<div class="kpi"><div><b>${f3(d.discrimination.auroc.auc)}</b>AUROC (${ci(d.discrimination.auroc.ci[0], d.discrimination.auroc.ci[1])})</div><div><b>${f3(d.calibration.slope)}</b>calibration slope</div><div><b>${f3(d.calibration.brier)}</b>Brier score</div><div><b>${d.n}</b>patients, ${d.events} events</div></div>
<nav>${REPORT_SECTIONS.map(([id, title]) => `<a href="#${id}">${esc(title)}</a>`).join('')}</nav>
${sections}
</body></html>
`;
}

/** The Markdown version; charts are referenced as files in `chartDir` (relative to the .md). */
export function renderMarkdown(d: ReportData, chartFiles: Record<string, string> = {}): string {
  const t = tables(d);
  const tb = tablesBySection(t, d);
  const pr = prose(d);
  const cell = (v: unknown) => String(v).replace(/\|/g, '\\|');
  const table = (x: Table) =>
    [
      `| ${x.head.map(cell).join(' | ')} |`,
      `|${x.head.map(() => '---').join('|')}|`,
      ...x.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    ].join('\n');
  const out = [
    `# ${d.title}`,
    '',
    `Model report (TRIPOD+AI / model card) — ${d.modelKind} predicting ${d.target} = ${d.positiveClass}; generated ${d.generatedAt}.`,
    '',
  ];
  for (const [id, title] of REPORT_SECTIONS) {
    out.push(`## ${title}`, '');
    if (id === 'limitations') {
      out.push(
        '### Limitations',
        '',
        ...pr[id].map((s) => `- ${s}`),
        '',
        '### Must not be used for',
        '',
        ...d.outOfScopeUses.map((s) => `- ${s}`),
        '',
      );
      continue;
    }
    for (const s of pr[id]) out.push(s, '');
    for (const x of tb[id] ?? []) out.push(table(x), '');
    for (const [k, file] of Object.entries(chartFiles))
      if (chartsBySection[id]?.(k)) out.push(`![${k}](${file})`, '');
  }
  return out.join('\n');
}

/** The model card (Mitchell et al. 2019) as JSON: the card input plus every computed number. */
export function modelCardJson(d: ReportData): string {
  return `${JSON.stringify(d, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

export interface WrittenReport {
  readonly html: string;
  readonly markdown: string;
  readonly card: string;
  readonly charts: string[];
}

/**
 * Writes `out` (.html), the Markdown beside it (.md), the model card (.card.json) and the charts as
 * SVG (and PNG when `png`) in `<name>.charts/`. Each file is written to a temp name and renamed.
 */
export async function writeReport(
  d: ReportData,
  out: string,
  opts: { png?: boolean } = {},
): Promise<WrittenReport> {
  const base = out.replace(/\.html?$/i, '');
  const chartDir = `${base}.charts`;
  mkdirSync(chartDir, { recursive: true });
  const files: string[] = [];
  const md: Record<string, string> = {};
  for (const [k, c] of Object.entries(reportCharts(d))) {
    const svgFile = path.join(chartDir, `${k}.svg`);
    atomicWrite(svgFile, await renderSvg(c.spec));
    files.push(svgFile);
    md[k] = `${path.basename(chartDir)}/${k}.${opts.png ? 'png' : 'svg'}`;
    if (opts.png) {
      const pngFile = path.join(chartDir, `${k}.png`);
      atomicWrite(pngFile, await renderPng(c.spec));
      files.push(pngFile);
    }
  }
  const html = `${base}.html`;
  const markdown = `${base}.md`;
  const card = `${base}.card.json`;
  atomicWrite(html, await renderHtml(d));
  atomicWrite(markdown, renderMarkdown(d, md));
  atomicWrite(card, modelCardJson(d));
  return { html, markdown, card, charts: files };
}

function atomicWrite(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
