/**
 * Rendering Vega-Lite specs in Node: compile to Vega, render headless to SVG (no canvas needed),
 * convert SVG → PNG with sharp. Map topologies load from the `us-atlas` / `world-atlas` packages
 * (no download at run time).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { VegaLiteSpec } from './specs.js';

/** SVG markup of a Vega-Lite spec. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vl.compile(spec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG bytes of a Vega-Lite spec (rendered at `scale` × the SVG size). */
export async function renderPng(spec: VegaLiteSpec, scale = 2): Promise<Buffer> {
  const svg = await renderSvg(spec);
  return sharp(Buffer.from(svg), { density: 72 * scale })
    .png()
    .toBuffer();
}

/** Renders by the file extension (.svg, .png, or .json for the spec itself). */
export async function renderChart(spec: VegaLiteSpec, path: string): Promise<Buffer | string> {
  if (path.endsWith('.png')) return renderPng(spec);
  if (path.endsWith('.json') || path.endsWith('.vl.json')) return `${JSON.stringify(spec, null, 2)}\n`;
  return renderSvg(spec);
}

const require = createRequire(import.meta.url);

/** A TopoJSON topology shipped in an npm package: 'us-states' (us-atlas) or 'world-countries' (world-atlas). */
export function loadTopology(which: 'us-states' | 'world-countries'): { topology: unknown; object: string } {
  const file = which === 'us-states' ? 'us-atlas/states-10m.json' : 'world-atlas/countries-110m.json';
  return {
    topology: JSON.parse(readFileSync(require.resolve(file), 'utf8')),
    object: which === 'us-states' ? 'states' : 'countries',
  };
}

/** USPS state abbreviations → the names us-atlas uses. */
export const US_STATE_NAMES: Readonly<Record<string, string>> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  DC: 'District of Columbia',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
  PR: 'Puerto Rico',
};
