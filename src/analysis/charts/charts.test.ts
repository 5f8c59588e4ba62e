import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pointsFromRows } from '../cluster/data.js';
import { agglomerative } from '../cluster/hclust.js';
import { analyzeCox, analyzeKaplanMeier } from '../survival/frame.js';
import { readCsvFrame } from '../testing.js';
import { loadTopology, renderPng, renderSvg, US_STATE_NAMES } from './render.js';
import {
  boxPlotSpec,
  choroplethSpec,
  clusterScatterSpec,
  correlationHeatmapSpec,
  dendrogramSpec,
  forestPlotSpec,
  histogramSpec,
  kaplanMeierSpec,
  timeSeriesBandSpec,
} from './specs.js';

const veteran = readCsvFrame(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/peers/survival_veteran.csv'),
);

describe('charts render to SVG in Node', () => {
  it('KM curves with bands and numbers at risk', async () => {
    const km = analyzeKaplanMeier(veteran, { time: 'time', event: 'status', group: 'trt' });
    const spec = kaplanMeierSpec(km.groups, { title: 'Veteran' });
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Number at risk');
    // at-risk counts at t = 0 are the group sizes
    expect(svg).toContain('>69<');
    expect(svg).toContain('>68<');
  });
  it('forest plot, histogram, box plot, scatter, heatmap, series, dendrogram', async () => {
    const cox = analyzeCox(veteran, { time: 'time', event: 'status', covariates: ['trt', 'karno', 'age'] });
    const specs = [
      forestPlotSpec(cox.coefficients),
      histogramSpec([1, 2, 2, 3, 3, 3, 4]),
      boxPlotSpec([
        { group: 'a', value: 1 },
        { group: 'a', value: 3 },
        { group: 'b', value: 2 },
      ]),
      clusterScatterSpec([0, 0, 1, 1, 5, 5], [0, 0, 1]),
      correlationHeatmapSpec(
        ['x', 'y'],
        [
          [1, 0.5],
          [0.5, 1],
        ],
      ),
      timeSeriesBandSpec([
        { time: 0, value: 1, lower: 0.5, upper: 1.5 },
        { time: 1, value: 2, lower: 1.5, upper: 2.5 },
      ]),
      dendrogramSpec(agglomerative(pointsFromRows([[0], [1], [5], [6]]), 'average'), {
        labels: ['a', 'b', 'c', 'd'],
      }),
    ];
    for (const s of specs) {
      const svg = await renderSvg(s);
      expect(svg).toMatch(/^<svg/);
      expect(svg.length).toBeGreaterThan(500);
    }
  });
  it('choropleth of US states from the us-atlas package, and PNG output', async () => {
    const { topology, object } = loadTopology('us-states');
    const rows = Object.values(US_STATE_NAMES).map((region, i) => ({ region, value: i / 10 }));
    const spec = choroplethSpec(topology, object, rows, { title: 'Rate by state' });
    const svg = await renderSvg(spec);
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(40);
    const png = await renderPng(histogramSpec([1, 2, 3]));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});
