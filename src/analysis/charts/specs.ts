/**
 * Vega-Lite v6 chart specs (plain JSON objects, https://vega.github.io/vega-lite/docs/) for the
 * analyses: histogram, box plot, scatter coloured by cluster, correlation heatmap, time-series line
 * with a band, Kaplan–Meier curves with CI bands and a numbers-at-risk table, Cox forest plot,
 * dendrogram and choropleth. The same specs feed the CLI (rendered to SVG/PNG) and the dashboard.
 */
import type { CoxCoefficient } from '../survival/cox.js';
import type { KmGroup } from '../survival/km.js';
import type { Dendrogram } from '../cluster/hclust.js';

export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

function base(title: string | undefined, width = 480, height = 300): VegaLiteSpec {
  return { $schema: SCHEMA, ...(title ? { title } : {}), width, height };
}

/** Histogram of one numeric variable. */
export function histogramSpec(
  values: ArrayLike<number>,
  o: { field?: string; title?: string; maxBins?: number } = {},
): VegaLiteSpec {
  const field = o.field ?? 'value';
  return {
    ...base(o.title),
    data: {
      values: Array.from(values)
        .filter((v) => !Number.isNaN(v))
        .map((v) => ({ [field]: v })),
    },
    mark: 'bar',
    encoding: {
      x: { field, type: 'quantitative', bin: { maxbins: o.maxBins ?? 30 } },
      y: { aggregate: 'count', type: 'quantitative', title: 'count' },
    },
  };
}

/** Box plot of a value by group (Tukey whiskers, 1.5 × IQR). */
export function boxPlotSpec(
  rows: readonly { group: string; value: number }[],
  o: { title?: string; valueTitle?: string } = {},
): VegaLiteSpec {
  return {
    ...base(o.title),
    data: { values: rows.filter((r) => !Number.isNaN(r.value)) },
    mark: { type: 'boxplot', extent: 1.5 },
    encoding: {
      x: { field: 'group', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: o.valueTitle ?? 'value' },
      color: { field: 'group', type: 'nominal', legend: null },
    },
  };
}

/** Scatter of 2-D points (e.g. PCA scores) coloured by cluster label. */
export function clusterScatterSpec(
  points: ArrayLike<number>,
  labels: ArrayLike<number>,
  o: { title?: string; xTitle?: string; yTitle?: string } = {},
): VegaLiteSpec {
  const values = Array.from(labels, (l, i) => ({
    x: points[2 * i],
    y: points[2 * i + 1],
    cluster: l < 0 ? 'noise' : String(l),
  }));
  return {
    ...base(o.title),
    data: { values },
    mark: { type: 'point', filled: true, opacity: 0.7 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle ?? 'PC1' },
      y: { field: 'y', type: 'quantitative', title: o.yTitle ?? 'PC2' },
      color: { field: 'cluster', type: 'nominal' },
    },
  };
}

/** Correlation heatmap with the coefficient printed in each cell. */
export function correlationHeatmapSpec(
  columns: readonly string[],
  r: readonly (readonly number[])[],
  o: { title?: string } = {},
): VegaLiteSpec {
  const values = columns.flatMap((a, i) => columns.map((b, j) => ({ a, b, r: r[i][j] })));
  const size = Math.max(200, 40 * columns.length);
  return {
    ...base(o.title, size, size),
    data: { values },
    encoding: {
      x: { field: 'a', type: 'nominal', sort: [...columns], title: null },
      y: { field: 'b', type: 'nominal', sort: [...columns], title: null },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'r',
            type: 'quantitative',
            scale: { domain: [-1, 1], scheme: 'redblue', reverse: true },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: { text: { field: 'r', type: 'quantitative', format: '.2f' } },
      },
    ],
  };
}

/** Line of a series over time with an optional band (lower/upper), e.g. mean ± SD or a CI. */
export function timeSeriesBandSpec(
  rows: readonly { time: number | string; value: number; lower?: number; upper?: number; series?: string }[],
  o: { title?: string; temporal?: boolean; valueTitle?: string } = {},
): VegaLiteSpec {
  const xType = o.temporal ? 'temporal' : 'quantitative';
  const color = rows.some((r) => r.series !== undefined)
    ? { color: { field: 'series', type: 'nominal' } }
    : {};
  const layers: VegaLiteSpec[] = [];
  if (rows.some((r) => r.lower !== undefined)) {
    layers.push({
      mark: { type: 'area', opacity: 0.25 },
      encoding: { y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' }, ...color },
    });
  }
  layers.push({
    mark: { type: 'line', point: rows.length < 60 },
    encoding: { y: { field: 'value', type: 'quantitative', title: o.valueTitle ?? 'value' }, ...color },
  });
  return {
    ...base(o.title),
    data: { values: rows },
    encoding: { x: { field: 'time', type: xType, title: 'time' } },
    layer: layers,
  };
}

/** Number at risk at time t: subjects with follow-up ≥ t. */
function atRisk(g: KmGroup, t: number): number {
  for (let i = 0; i < g.time.length; i++) if (g.time[i] >= t) return g.nRisk[i];
  return 0;
}

/** Kaplan–Meier step curves with log-CI bands, censor ticks, and a numbers-at-risk table below. */
export function kaplanMeierSpec(
  groups: readonly KmGroup[],
  o: { title?: string; timeTitle?: string; ticks?: number } = {},
): VegaLiteSpec {
  const curve = groups.flatMap((g) => [
    { group: g.name, time: 0, survival: 1, lower: 1, upper: 1 },
    ...g.time.map((t, i) => ({
      group: g.name,
      time: t,
      survival: g.survival[i],
      lower: g.lower[i],
      upper: g.upper[i],
    })),
  ]);
  const censored = groups.flatMap((g) =>
    g.time.flatMap((t, i) => (g.nCensor[i] > 0 ? [{ group: g.name, time: t, survival: g.survival[i] }] : [])),
  );
  const maxT = Math.max(...groups.map((g) => g.time[g.time.length - 1] ?? 0));
  const nTicks = o.ticks ?? 6;
  const step = niceStep(maxT / (nTicks - 1));
  const ticks: number[] = [];
  for (let t = 0; t <= maxT + 1e-9; t += step) ticks.push(t);
  const risk = groups.flatMap((g) => ticks.map((t) => ({ group: g.name, time: t, n: atRisk(g, t) })));
  const xScale = { domain: [0, ticks[ticks.length - 1] ?? maxT] };
  const color = { field: 'group', type: 'nominal', title: 'group' };
  return {
    $schema: SCHEMA,
    ...(o.title ? { title: o.title } : {}),
    vconcat: [
      {
        width: 480,
        height: 300,
        layer: [
          {
            data: { values: curve.filter((r) => !Number.isNaN(r.lower as number) && r.lower !== null) },
            mark: { type: 'area', opacity: 0.2, interpolate: 'step-after' },
            encoding: {
              x: { field: 'time', type: 'quantitative', scale: xScale },
              y: { field: 'lower', type: 'quantitative' },
              y2: { field: 'upper' },
              color,
            },
          },
          {
            data: { values: curve },
            mark: { type: 'line', interpolate: 'step-after' },
            encoding: {
              x: { field: 'time', type: 'quantitative', scale: xScale, title: o.timeTitle ?? 'time' },
              y: {
                field: 'survival',
                type: 'quantitative',
                scale: { domain: [0, 1] },
                title: 'survival probability',
              },
              color,
            },
          },
          {
            data: { values: censored },
            mark: { type: 'tick', thickness: 1, size: 8 },
            encoding: {
              x: { field: 'time', type: 'quantitative', scale: xScale },
              y: { field: 'survival', type: 'quantitative' },
              color,
            },
          },
        ],
      },
      {
        width: 480,
        title: { text: 'Number at risk', fontSize: 11, anchor: 'start' },
        data: { values: risk },
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          x: { field: 'time', type: 'quantitative', scale: xScale, axis: null },
          y: { field: 'group', type: 'nominal', title: null },
          text: { field: 'n', type: 'quantitative' },
          color: { ...color, legend: null },
        },
      },
    ],
  };
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** Forest plot of hazard ratios with 95% CIs on a log scale. */
export function forestPlotSpec(coefs: readonly CoxCoefficient[], o: { title?: string } = {}): VegaLiteSpec {
  const values = coefs.map((c) => ({ term: c.name, hr: c.hr, lower: c.lower, upper: c.upper, p: c.p }));
  const y = { field: 'term', type: 'nominal', sort: coefs.map((c) => c.name), title: null };
  return {
    ...base(o.title, 420, Math.max(120, 28 * coefs.length)),
    data: { values },
    layer: [
      {
        mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
        encoding: { x: { datum: 1, type: 'quantitative' } },
      },
      {
        mark: 'rule',
        encoding: {
          y,
          x: { field: 'lower', type: 'quantitative', scale: { type: 'log' }, title: 'hazard ratio (95% CI)' },
          x2: { field: 'upper' },
        },
      },
      {
        mark: { type: 'point', filled: true, shape: 'square', size: 60 },
        encoding: { y, x: { field: 'hr', type: 'quantitative' } },
      },
    ],
  };
}

/** Dendrogram drawn as rule segments from the linkage (leaves in the tree's order). */
export function dendrogramSpec(
  tree: Dendrogram,
  o: { title?: string; labels?: readonly string[] } = {},
): VegaLiteSpec {
  const { n, merges, order } = tree;
  const xPos = new Float64Array(2 * n - 1);
  const yPos = new Float64Array(2 * n - 1);
  order.forEach((leaf, i) => {
    xPos[leaf] = i;
  });
  const segs: { x: number; x2: number; y: number; y2: number }[] = [];
  merges.forEach((m, s) => {
    const id = n + s;
    xPos[id] = (xPos[m.a] + xPos[m.b]) / 2;
    yPos[id] = m.height;
    segs.push({ x: xPos[m.a], x2: xPos[m.a], y: yPos[m.a], y2: m.height });
    segs.push({ x: xPos[m.b], x2: xPos[m.b], y: yPos[m.b], y2: m.height });
    segs.push({ x: xPos[m.a], x2: xPos[m.b], y: m.height, y2: m.height });
  });
  const layers: VegaLiteSpec[] = [
    {
      data: { values: segs },
      mark: { type: 'rule', strokeWidth: 1 },
      encoding: {
        x: { field: 'x', type: 'quantitative', axis: null },
        x2: { field: 'x2' },
        y: { field: 'y', type: 'quantitative', title: `height (${tree.linkage})` },
        y2: { field: 'y2' },
      },
    },
  ];
  if (o.labels && n <= 60) {
    layers.push({
      data: { values: order.map((leaf, i) => ({ x: i, label: o.labels![leaf] })) },
      mark: { type: 'text', angle: 270, align: 'right', dy: 0, dx: -4, fontSize: 9 },
      encoding: {
        x: { field: 'x', type: 'quantitative' },
        y: { datum: 0, type: 'quantitative' },
        text: { field: 'label' },
      },
    });
  }
  return { ...base(o.title, Math.max(300, Math.min(1200, 12 * n)), 300), layer: layers };
}

/**
 * Choropleth of a rate by region. `topology` is a TopoJSON object (e.g. us-atlas `states-10m.json`,
 * object "states"; world-atlas `countries-110m.json`, object "countries"); rows match features by
 * `properties.name`.
 */
export function choroplethSpec(
  topology: unknown,
  object: string,
  rows: readonly { region: string; value: number }[],
  o: { title?: string; valueTitle?: string; projection?: string; scheme?: string } = {},
): VegaLiteSpec {
  return {
    ...base(o.title, 640, 400),
    data: { values: topology, format: { type: 'topojson', feature: object } },
    transform: [
      { lookup: 'properties.name', from: { data: { values: rows }, key: 'region', fields: ['value'] } },
    ],
    projection: { type: o.projection ?? (object === 'states' ? 'albersUsa' : 'equalEarth') },
    mark: { type: 'geoshape', stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      color: {
        field: 'value',
        type: 'quantitative',
        title: o.valueTitle ?? 'rate',
        scale: { scheme: o.scheme ?? 'blues' },
      },
      tooltip: [
        { field: 'properties.name', type: 'nominal', title: 'region' },
        { field: 'value', type: 'quantitative' },
      ],
    },
  };
}
