/**
 * Analyses over a stored dataset version: the very `runAnalysis` the CLI's `aegle analyze` calls
 * (src/analysis/run.ts), returning its JSON result, its text summary and its Vega-Lite chart spec, so
 * the dashboard draws the same charts the CLI renders. Read-only: nothing is stored. The computation
 * runs in a worker thread (src/analysis/pool.ts), off the event loop.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ANALYSIS_KINDS, type AnalysisOptions, runAnalysisInWorker } from '../../analysis/index.js';
import { readFrame } from '../../dataset/index.js';
import { getVersion, parseDatasetRef } from '../../store/index.js';
import { Json, responses } from '../schemas.js';
import type { Service } from '../service.js';

const Column = Type.String({ minLength: 1, maxLength: 200 });
const Columns = Type.Array(Column, { maxItems: 500 });

/** `AnalysisOptions` as a request schema: each kind reads the options it needs (docs/ANALYTICS.md). */
const Options = Type.Object(
  {
    time: Type.Optional(Column),
    event: Type.Optional(Column),
    group: Type.Optional(Column),
    covariates: Type.Optional(Columns),
    ties: Type.Optional(Type.Union([Type.Literal('efron'), Type.Literal('breslow')])),
    levels: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
    strata: Type.Optional(Column),
    variables: Type.Optional(Columns),
    nonnormal: Type.Optional(Type.Union([Columns, Type.Literal('auto')])),
    categorical: Type.Optional(Columns),
    columns: Type.Optional(Columns),
    method: Type.Optional(Type.Union([Type.Literal('pearson'), Type.Literal('spearman')])),
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    nInit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    miniBatch: Type.Optional(Type.Boolean()),
    seed: Type.Optional(Type.Integer()),
    eps: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    minSamples: Type.Optional(Type.Integer({ minimum: 1 })),
    linkage: Type.Optional(Type.Union(['ward', 'average', 'complete', 'single'].map((l) => Type.Literal(l)))),
    scale: Type.Optional(Type.Boolean()),
    top: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    trees: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
    id: Type.Optional(Column),
    item: Type.Optional(Column),
    minSupport: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    minConfidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    sortBy: Type.Optional(
      Type.Union(['support', 'confidence', 'lift', 'leverage', 'conviction'].map((m) => Type.Literal(m))),
    ),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    value: Type.Optional(Column),
    interval: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    period: Type.Optional(Type.Integer({ minimum: 2 })),
    region: Type.Optional(Column),
    atlas: Type.Optional(Type.Union([Type.Literal('us-states'), Type.Literal('world-countries')])),
    vitals: Type.Optional(
      Type.Object(
        Object.fromEntries(
          ['respRate', 'spo2', 'systolic', 'pulse', 'temperature', 'onOxygen', 'consciousness'].map((k) => [
            k,
            Type.Optional(Column),
          ]),
        ),
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Body = Type.Object({
  dataset: Type.String({ minLength: 1, maxLength: 130, description: 'NAME or NAME@VERSION' }),
  options: Type.Optional(Options),
});

const Kind = Type.Object({
  kind: Type.Union(
    ANALYSIS_KINDS.map((k) => Type.Literal(k)),
    { description: 'The analysis (as `aegle analyze KIND`)' },
  ),
});

const Output = Type.Object({
  kind: Type.String(),
  dataset: Type.String(),
  version: Type.String(),
  rows: Type.Integer(),
  result: Json,
  text: Type.String({ description: 'The plain-text summary the CLI prints' }),
  chart: Type.Union([Json, Type.Null()], { description: 'Vega-Lite spec, or null for kinds without one' }),
});

export function analysisRoutes(service: Service) {
  return async function plugin(app: FastifyInstance) {
    app.post(
      '/:kind',
      {
        config: { permission: 'datasets:read' },
        schema: {
          tags: ['analysis'],
          summary: `Run an analysis (${ANALYSIS_KINDS.join(', ')}) on a dataset version: result, text and chart`,
          params: Kind,
          body: Body,
          response: responses({ 200: Output }),
        },
      },
      async (req) => {
        const { kind } = req.params as { kind: string };
        const body = req.body as { dataset: string; options?: AnalysisOptions };
        const ref = parseDatasetRef(body.dataset);
        const { frame, version } = await service.withDatasets(async (db) => {
          const v = await getVersion(db, ref.name, ref.version);
          return { frame: await readFrame(db, v), version: v };
        });
        // full stays off: the documented contract only (per-row labels/scores could identify people).
        // The analysis runs in a worker thread so a long one does not stall other requests.
        const out = await runAnalysisInWorker(kind, frame, {
          ...body.options,
          format: 'markdown',
          full: false,
        });
        service.audit.append({
          actor: req.principal!.keyId,
          role: req.principal!.role,
          action: 'dataset.analyze',
          resource: `dataset:${version.name}@${version.version}`,
          outputSummary: kind,
        });
        return {
          kind,
          dataset: version.name,
          version: version.version,
          rows: frame.nRows,
          result: out.result,
          text: out.text,
          chart: out.chart,
        };
      },
    );
  };
}
