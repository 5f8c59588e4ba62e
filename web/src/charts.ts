/**
 * Chart specs for the dashboard. Where the analytics layer has a spec for the chart, it is the very same
 * function the CLI renders (imported from src/analysis/charts/specs.ts, which is pure); the rest are
 * small Vega-Lite specs for data the API returns pre-aggregated (histogram bins, metric bars).
 */
export {
  correlationHeatmapSpec,
  kaplanMeierSpec,
  clusterScatterSpec,
  timeSeriesBandSpec,
  choroplethSpec,
} from '../../src/analysis/charts/specs';
export type { VegaLiteSpec } from '../../src/analysis/charts/specs';
import type { VegaLiteSpec } from '../../src/analysis/charts/specs';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** A histogram from bin edges and counts (what the profile returns). */
export function binnedHistogramSpec(
  edges: readonly number[],
  counts: readonly number[],
  o: { title?: string; field: string },
): VegaLiteSpec {
  const values = counts.map((count, i) => ({ lo: edges[i], hi: edges[i + 1], count }));
  return {
    $schema: SCHEMA,
    ...(o.title ? { title: o.title } : {}),
    width: 220,
    height: 110,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'lo', type: 'quantitative', bin: { binned: true }, title: o.field },
      x2: { field: 'hi' },
      y: { field: 'count', type: 'quantitative', title: 'rows' },
    },
  };
}

/** Horizontal bars of a share per item (missingness, drift scores). */
export function shareBarsSpec(
  rows: readonly { name: string; value: number }[],
  o: { title: string; axis: string; max?: number; threshold?: number },
): VegaLiteSpec {
  const layers: unknown[] = [
    {
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'name', type: 'nominal', sort: '-x', title: null },
        x: {
          field: 'value',
          type: 'quantitative',
          title: o.axis,
          ...(o.max !== undefined ? { scale: { domain: [0, o.max] } } : {}),
        },
      },
    },
  ];
  if (o.threshold !== undefined)
    layers.push({
      mark: { type: 'rule', color: '#b3261e', strokeDash: [4, 3] },
      encoding: { x: { datum: o.threshold } },
    });
  return {
    $schema: SCHEMA,
    title: o.title,
    width: 360,
    height: { step: 16 },
    data: { values: rows },
    layer: layers,
  };
}

/** A line of y over x (loss curve, latency). */
export function lineSpec(
  rows: readonly Record<string, number>[],
  o: { x: string; y: string; title: string; xTitle?: string; yTitle?: string },
): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: o.title,
    width: 420,
    height: 180,
    data: { values: rows },
    mark: { type: 'line', point: rows.length < 60, tooltip: true },
    encoding: {
      x: { field: o.x, type: 'quantitative', title: o.xTitle ?? o.x },
      y: { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y, scale: { zero: false } },
    },
  };
}

/** Grouped bars comparing metrics of two or more versions (one row per metric, a bar per version). */
export function compareBarsSpec(
  rows: readonly { metric: string; version: string; value: number }[],
): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: 'Metrics side by side',
    width: 360,
    height: { step: 12 },
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'metric', type: 'nominal', title: null },
      yOffset: { field: 'version', type: 'nominal' },
      x: { field: 'value', type: 'quantitative', title: 'value' },
      color: { field: 'version', type: 'nominal', title: 'version' },
    },
  };
}
