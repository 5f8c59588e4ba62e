/** Vega-Lite specs of the report's charts (rendered to inline SVG / PNG by analysis/charts). */
import type { VegaLiteSpec } from '../analysis/index.js';
import type { ReportData } from './data.js';

const W = 360;
const H = 260;

export function reportCharts(d: ReportData): Record<string, { title: string; spec: VegaLiteSpec }> {
  const a = d.discrimination.auroc;
  const charts: Record<string, { title: string; spec: VegaLiteSpec }> = {
    roc: {
      title: 'ROC curve',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: W,
        height: H,
        title: `ROC — AUROC ${a.auc.toFixed(3)} (95% CI ${a.ci[0].toFixed(3)}–${a.ci[1].toFixed(3)})`,
        layer: [
          {
            data: {
              values: [
                { x: 0, y: 0 },
                { x: 1, y: 1 },
              ],
            },
            mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
          },
          {
            data: { values: d.roc.map((q) => ({ x: q.x, y: q.y })) },
            mark: { type: 'line', interpolate: 'step-after', color: '#1f77b4' },
            encoding: {
              x: { field: 'x', type: 'quantitative', title: '1 − specificity' },
              y: { field: 'y', type: 'quantitative', title: 'Sensitivity' },
            },
          },
        ],
      },
    },
    pr: {
      title: 'Precision–recall curve',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: W,
        height: H,
        title: `Precision–recall — AUPRC ${d.discrimination.auprc.toFixed(3)} (prevalence ${d.prevalence.toFixed(3)})`,
        layer: [
          {
            data: {
              values: [
                { x: 0, y: d.prevalence },
                { x: 1, y: d.prevalence },
              ],
            },
            mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
          },
          {
            data: { values: d.pr.map((q) => ({ x: q.x, y: q.y })) },
            mark: { type: 'line', color: '#d62728' },
            encoding: {
              x: { field: 'x', type: 'quantitative', title: 'Recall (sensitivity)' },
              y: { field: 'y', type: 'quantitative', title: 'Precision (PPV)', scale: { domain: [0, 1] } },
            },
          },
        ],
      },
    },
    calibration: {
      title: 'Calibration plot',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: W,
        height: H,
        title: `Calibration — intercept ${d.calibration.calibrationInTheLarge.toFixed(2)}, slope ${d.calibration.slope.toFixed(2)}`,
        layer: [
          {
            data: {
              values: [
                { x: 0, y: 0 },
                { x: 1, y: 1 },
              ],
            },
            mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
          },
          {
            data: {
              values: d.reliability.map((b) => ({
                x: b.meanPredicted,
                y: b.observedRate,
                lo: b.observedLo,
                hi: b.observedHi,
                n: b.n,
              })),
            },
            layer: [
              {
                mark: { type: 'rule', color: '#2ca02c' },
                encoding: {
                  x: { field: 'x', type: 'quantitative' },
                  y: { field: 'lo', type: 'quantitative' },
                  y2: { field: 'hi' },
                },
              },
              {
                mark: { type: 'line', point: true, color: '#2ca02c' },
                encoding: {
                  x: {
                    field: 'x',
                    type: 'quantitative',
                    title: 'Mean predicted risk (decile)',
                    scale: { domain: [0, 1] },
                  },
                  y: {
                    field: 'y',
                    type: 'quantitative',
                    title: 'Observed rate (95% CI)',
                    scale: { domain: [0, 1] },
                  },
                },
              },
            ],
          },
        ],
      },
    },
    decision: {
      title: 'Decision curve',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: W,
        height: H,
        title: 'Decision curve — net benefit',
        data: {
          values: d.decisionCurve.flatMap((q) => [
            { t: q.threshold, nb: q.netBenefitModel, s: 'Model' },
            { t: q.threshold, nb: q.netBenefitAll, s: 'Treat all' },
            { t: q.threshold, nb: 0, s: 'Treat none' },
          ]),
        },
        transform: [{ filter: `datum.nb >= ${-0.05}` }],
        mark: 'line',
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'Threshold probability' },
          y: { field: 'nb', type: 'quantitative', title: 'Net benefit' },
          color: { field: 's', type: 'nominal', title: null },
        },
      },
    },
    importance: {
      title: 'Feature importance',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: W,
        height: Math.max(120, 18 * Math.min(15, d.explanations.features.length)),
        title: `Mean |SHAP| (${d.explanations.space})`,
        data: { values: d.explanations.features.slice(0, 15) },
        mark: { type: 'bar', color: '#9467bd' },
        encoding: {
          y: { field: 'feature', type: 'nominal', sort: '-x', title: null },
          x: { field: 'meanAbsShap', type: 'quantitative', title: 'mean |SHAP|' },
        },
      },
    },
    shapSummary: {
      title: 'SHAP summary',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: W,
        height: 24 * Math.max(1, new Set(d.explanations.points.map((q) => q.feature)).size),
        title: 'SHAP values by feature (colour: feature value, low → high)',
        data: { values: d.explanations.points.filter((q) => Number.isFinite(q.value)) },
        transform: [
          {
            joinaggregate: [
              { op: 'min', field: 'value', as: 'vmin' },
              { op: 'max', field: 'value', as: 'vmax' },
            ],
            groupby: ['feature'],
          },
          { calculate: '(datum.value - datum.vmin) / max(1e-12, datum.vmax - datum.vmin)', as: 'scaled' },
        ],
        mark: { type: 'circle', size: 12, opacity: 0.6 },
        encoding: {
          y: { field: 'feature', type: 'nominal', sort: { field: 'rank' }, title: null },
          yOffset: { field: 'scaled', type: 'quantitative' },
          x: { field: 'shap', type: 'quantitative', title: 'SHAP value' },
          color: {
            field: 'scaled',
            type: 'quantitative',
            scale: { scheme: 'redblue', reverse: true },
            legend: null,
          },
        },
      },
    },
  };
  const top = d.explanations.features.slice(0, 3).map((f) => f.feature);
  for (const f of top) {
    charts[`dependence-${f}`] = {
      title: `Dependence: ${f}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: 240,
        height: 180,
        title: `SHAP dependence — ${f}`,
        data: { values: d.explanations.points.filter((q) => q.feature === f && Number.isFinite(q.value)) },
        mark: { type: 'circle', size: 14, opacity: 0.6, color: '#ff7f0e' },
        encoding: {
          x: { field: 'value', type: 'quantitative', title: f, scale: { zero: false } },
          y: { field: 'shap', type: 'quantitative', title: 'SHAP value' },
        },
      },
    };
  }
  return charts;
}
