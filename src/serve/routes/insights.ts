/**
 * Model insights for the dashboard's Models page: ROC and precision–recall points, the calibration
 * curve with intercept and slope, the decision curve, the operating table, subgroup metrics and the
 * SHAP summary (mean |SHAP| per feature), with the report's Vega-Lite charts. Computed by the same
 * `buildReportData` as `aegle report` (src/report; TRIPOD+AI) on a stored dataset version, and cached:
 * an artifact version and a dataset version are both immutable, so the answer for the pair is too.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createError, getColumn, type Frame } from '../../core/index.js';
import { jsonSafe } from '../../analysis/index.js';
import { readFrame } from '../../dataset/index.js';
import { type LoadedArtifact, modelMatrix } from '../../registry/index.js';
import { buildReportData, reportCharts } from '../../report/index.js';
import { getVersion, parseDatasetRef } from '../../store/index.js';
import { Json, responses } from '../schemas.js';
import type { Service } from '../service.js';

const Num = Type.Union([Type.Number(), Type.Null()]);
const Pair = Type.Union([Type.Array(Num, { minItems: 2, maxItems: 2 }), Type.Null()]);
const Point = Type.Object({ x: Num, y: Num, threshold: Num });

const Operating = Type.Object({
  threshold: Num,
  tp: Type.Integer(),
  fp: Type.Integer(),
  tn: Type.Integer(),
  fn: Type.Integer(),
  sensitivity: Num,
  specificity: Num,
  ppv: Num,
  npv: Num,
  alertRate: Num,
  netBenefit: Num,
  numberNeededToEvaluate: Num,
});

const SubgroupRow = Type.Object({
  group: Type.String(),
  n: Type.Integer(),
  events: Type.Integer(),
  prevalence: Num,
  meanPredicted: Num,
  auroc: Num,
  aurocCI: Pair,
  brier: Num,
  calibrationInTheLarge: Num,
  calibrationSlope: Num,
  observedExpectedRatio: Num,
  tpr: Num,
  tprCI: Pair,
  fpr: Num,
  fprCI: Pair,
  ppv: Num,
  alertRate: Num,
  tooSmall: Type.Boolean(),
  note: Type.Union([Type.String(), Type.Null()]),
});

const Evaluation = Type.Object({
  model: Type.Object({ name: Type.String(), version: Type.Integer(), kind: Type.String() }),
  dataset: Type.Object({
    name: Type.String(),
    version: Type.String(),
    rows: Type.Integer(),
    /** Rows with a known outcome (the rest are left out). */
    analysed: Type.Integer(),
    includesTrainingRows: Type.Boolean({
      description:
        'True when this is the dataset version the model was trained on: the figures are then optimistic (apparent performance)',
    }),
  }),
  target: Type.String(),
  positiveClass: Type.String(),
  threshold: Num,
  n: Type.Integer(),
  events: Type.Integer(),
  prevalence: Num,
  discrimination: Type.Object({
    auroc: Num,
    aurocCI: Pair,
    auprc: Num,
    bootstrap: Type.Record(
      Type.String(),
      Type.Object({ estimate: Num, lo: Num, hi: Num, se: Num, replicates: Type.Integer() }),
    ),
    replicates: Type.Integer(),
  }),
  roc: Type.Array(Point),
  pr: Type.Array(Point),
  calibration: Type.Object({
    intercept: Num,
    slope: Num,
    slopeCI: Pair,
    calibrationInTheLarge: Num,
    observedExpectedRatio: Num,
    meanPredicted: Num,
    observedRate: Num,
    brier: Num,
    brierSkill: Num,
    ece: Num,
    curve: Type.Array(
      Type.Object({
        lo: Num,
        hi: Num,
        n: Type.Integer(),
        meanPredicted: Num,
        observedRate: Num,
        observedLo: Num,
        observedHi: Num,
      }),
    ),
  }),
  decisionCurve: Type.Array(
    Type.Object({
      threshold: Num,
      netBenefitModel: Num,
      netBenefitAll: Num,
      netBenefitNone: Num,
      interventionsAvoidedPer100: Num,
    }),
  ),
  operatingTable: Type.Array(Operating),
  atThreshold: Operating,
  subgroups: Type.Array(
    Type.Object({
      column: Type.String(),
      threshold: Num,
      rows: Type.Array(SubgroupRow),
      tprGap: Num,
      fprGap: Num,
      equalizedOddsDifference: Num,
      demographicParityDifference: Num,
    }),
  ),
  shap: Type.Object({
    space: Type.String({ description: 'The scale SHAP values are on (e.g. log-odds)' }),
    expectedValue: Num,
    rowsExplained: Type.Integer(),
    features: Type.Array(
      Type.Object({
        feature: Type.String(),
        meanAbsShap: Num,
        permutationMean: Num,
        permutationSd: Num,
      }),
    ),
  }),
  charts: Type.Record(Type.String(), Type.Object({ title: Type.String(), spec: Json })),
  computedAt: Type.String(),
});

const Params = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  version: Type.Integer({ minimum: 1 }),
});
const Query = Type.Object({
  dataset: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 130,
      description: 'NAME or NAME@VERSION with the outcome column (default: the training dataset)',
    }),
  ),
  group: Type.Optional(
    Type.String({ maxLength: 500, description: 'Comma-separated subgroup columns (e.g. sex,age_band)' }),
  ),
  replicates: Type.Optional(Type.Integer({ minimum: 0, maximum: 2000, default: 200 })),
});

const asText = (frame: Frame, name: string): (string | null)[] => {
  const c = getColumn(frame, name);
  return c.kind === 'categorical'
    ? Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k]))
    : Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v)));
};

/** Everything `buildReportData` needs from an artifact and a frame: rows with a known outcome only. */
function evaluate(artifact: LoadedArtifact, frame: Frame, groupCols: string[], replicates: number) {
  const m = artifact.manifest;
  if (m.task !== 'binary') throw createError('AEGLE_REPORT_UNSUPPORTED', { task: m.task });
  const raw = asText(frame, m.target);
  const keep = raw.flatMap((v, i) => (v === null ? [] : [i]));
  const X0 = modelMatrix(artifact, frame);
  const data = new Float64Array(keep.length * X0.nCols);
  for (let j = 0; j < X0.nCols; j++)
    for (let k = 0; k < keep.length; k++) data[j * keep.length + k] = X0.data[j * X0.nRows + keep[k]];
  const X = { ...X0, data, nRows: keep.length };
  const y = Float64Array.from(keep, (i) =>
    raw[i] === m.positiveClass || raw[i] === `${m.positiveClass}.0` ? 1 : 0,
  );
  const groups: Record<string, (string | null)[]> = {};
  for (const g of groupCols) {
    const v = asText(frame, g);
    groups[g] = keep.map((i) => v[i]);
  }
  const d = buildReportData({
    model: artifact.model,
    X,
    y,
    groups,
    target: m.target,
    threshold: m.threshold ?? 0.5,
    bootstrapReplicates: replicates,
    maxExplainRows: 1000,
  });
  return { d, analysed: keep.length };
}

const CACHE_SIZE = 16;

export function insightRoutes(service: Service) {
  return async function plugin(app: FastifyInstance) {
    // key → answer (or the computation in flight, so concurrent asks compute once); oldest out first
    const cache = new Map<string, Promise<unknown>>();
    app.get(
      '/:name/versions/:version/evaluation',
      {
        config: { permission: 'datasets:read' },
        schema: {
          tags: ['models'],
          summary:
            'ROC, PR, calibration and decision curves, operating table, subgroups and SHAP summary of a version on a dataset',
          params: Params,
          querystring: Query,
          response: responses({ 200: Evaluation }),
        },
      },
      async (req) => {
        const { name, version } = req.params as { name: string; version: number };
        const q = req.query as { dataset?: string; group?: string; replicates?: number };
        const info = await service.registry.getVersion(name, version);
        const lineageDs = (info.lineage as { dataset?: { name?: string; version?: string } } | null)?.dataset;
        const dsRef = q.dataset ?? (lineageDs?.name ? `${lineageDs.name}@${lineageDs.version ?? ''}` : null);
        if (!dsRef)
          throw createError('AEGLE_SERVE_VALIDATION', {
            detail: 'this version records no training dataset; name one with ?dataset=NAME',
          });
        const ref = parseDatasetRef(dsRef.replace(/@$/, ''));
        const groupCols = (q.group ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const replicates = q.replicates ?? 200;
        const dsVersion = await service.withDatasets((db) => getVersion(db, ref.name, ref.version));
        const key = JSON.stringify([name, version, dsVersion.name, dsVersion.version, groupCols, replicates]);
        let answer = cache.get(key);
        if (answer) {
          cache.delete(key);
          cache.set(key, answer);
        } else {
          answer = (async () => {
            const model = await service.model(name, version);
            const frame = await service.withDatasets((db) => readFrame(db, dsVersion));
            const { d, analysed } = evaluate(model.artifact, frame, groupCols, replicates);
            const a = d.discrimination.auroc;
            return jsonSafe({
              model: { name, version, kind: d.modelKind },
              dataset: {
                name: dsVersion.name,
                version: dsVersion.version,
                rows: frame.nRows,
                analysed,
                includesTrainingRows:
                  lineageDs?.name === dsVersion.name &&
                  (!lineageDs.version || lineageDs.version === dsVersion.version),
              },
              target: d.target,
              positiveClass: d.positiveClass,
              threshold: d.threshold,
              n: d.n,
              events: d.events,
              prevalence: d.prevalence,
              discrimination: {
                auroc: a.auc,
                aurocCI: a.ci,
                auprc: d.discrimination.auprc,
                bootstrap: d.discrimination.bootstrap,
                replicates: d.discrimination.replicates,
              },
              roc: d.roc,
              pr: d.pr,
              calibration: { ...d.calibration, curve: d.reliability },
              decisionCurve: d.decisionCurve,
              operatingTable: d.operatingTable,
              atThreshold: d.atThreshold,
              subgroups: d.subgroups,
              shap: {
                space: d.explanations.space,
                expectedValue: d.explanations.expectedValue,
                rowsExplained: d.explanations.rowsExplained,
                features: d.explanations.features,
              },
              charts: reportCharts(d),
              computedAt: d.generatedAt,
            });
          })();
          cache.set(key, answer);
          answer.catch(() => cache.delete(key));
          while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        }
        const out = await answer;
        service.audit.append({
          actor: req.principal!.keyId,
          role: req.principal!.role,
          action: 'model.evaluate',
          resource: `model:${name}@${version}`,
          outputSummary: `dataset:${dsVersion.name}@${dsVersion.version}`,
        });
        return out;
      },
    );
  };
}
