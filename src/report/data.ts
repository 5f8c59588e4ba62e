/**
 * The content of a model report, computed once and rendered three ways (HTML, Markdown, model-card
 * JSON). Sections follow TRIPOD+AI (Collins et al., BMJ 2024;385:e078378) and model cards (Mitchell et
 * al., FAT* 2019). Binary risk models only: discrimination with CIs, calibration, decision curve,
 * operating table, subgroups and explanations, plus the metadata the user gives (intended use, data,
 * limitations) and what the artifact records (specification, lineage, cohort flow).
 */
import {
  type BootstrapInterval,
  type CalibrationStats,
  type CurvePoint,
  type DecisionCurvePoint,
  type DelongAuc,
  type OperatingPoint,
  type ReliabilityBin,
  type SubgroupReport,
  averagePrecision,
  calibrationStats,
  chooseThreshold,
  clinicalBootstrap,
  decisionCurve,
  delongAuc,
  operatingPoint,
  operatingTable,
  prCurve,
  reliabilityCurve,
  rocCurve,
  subgroupMetrics,
} from '../evaluate/index.js';
import { columnMeans, explainRows, meanAbsShap, permutationImportance, shapAt } from '../explain/index.js';
import { createError, type Matrix } from '../core/index.js';
import './errors.js';
import type { FittedModel } from '../learn/index.js';

/** What the user states about the model (a `--card card.yaml`, or manifest fields). */
export interface ModelCardInput {
  readonly name?: string;
  readonly version?: string;
  readonly owner?: string;
  readonly intendedUse?: string;
  readonly intendedUsers?: string;
  readonly outOfScopeUses?: readonly string[];
  readonly population?: string;
  readonly dataSource?: string;
  readonly dataDates?: string;
  readonly outcome?: string;
  readonly limitations?: readonly string[];
  readonly ethicalConsiderations?: string;
  readonly missingData?: string;
  readonly units?: Readonly<Record<string, string>>;
}

export interface CohortFlow {
  readonly rowsIn: number | null;
  readonly excluded: readonly { readonly reason: string; readonly rows: number }[];
  readonly analysed: number;
  readonly missingOutcome: number;
}

export interface ReportInput {
  readonly model: FittedModel;
  /** Model-space features of the evaluation set (after preprocessing). */
  readonly X: Matrix;
  /** Outcome 0/1 per row. */
  readonly y: Float64Array;
  /** Subgroup columns (raw values per row). */
  readonly groups?: Readonly<Record<string, ArrayLike<string | number | null>>>;
  readonly card?: ModelCardInput;
  /** Decision threshold (default: the artifact's, else 0.5). */
  readonly threshold?: number;
  readonly target?: string;
  readonly specification?: Readonly<Record<string, unknown>>;
  readonly lineage?: Readonly<Record<string, unknown>>;
  readonly predictors?: readonly {
    readonly name: string;
    readonly type: string;
    readonly unit?: string;
    readonly range?: readonly [number, number];
  }[];
  readonly cohortFlow?: CohortFlow;
  readonly trainingMetrics?: Readonly<Record<string, unknown>>;
  readonly preprocessing?: readonly string[];
  readonly bootstrapReplicates?: number;
  readonly seed?: number;
  /** Rows explained by SHAP (a seeded sample when the set is larger; default 2,000). */
  readonly maxExplainRows?: number;
  readonly evaluationData?: string;
  readonly generatedAt?: string;
}

export interface FeatureExplanation {
  readonly feature: string;
  readonly meanAbsShap: number;
  readonly permutationMean: number;
  readonly permutationSd: number;
}

export interface ReportData {
  readonly title: string;
  readonly generatedAt: string;
  readonly card: ModelCardInput;
  readonly modelKind: string;
  readonly target: string;
  readonly positiveClass: string;
  readonly threshold: number;
  readonly n: number;
  readonly events: number;
  readonly prevalence: number;
  readonly cohortFlow: CohortFlow;
  readonly predictors: NonNullable<ReportInput['predictors']>;
  readonly preprocessing: readonly string[];
  readonly specification: Readonly<Record<string, unknown>>;
  readonly lineage: Readonly<Record<string, unknown>>;
  readonly evaluationData: string;
  readonly discrimination: {
    readonly auroc: DelongAuc;
    readonly auprc: number;
    readonly bootstrap: Record<string, BootstrapInterval>;
    readonly replicates: number;
  };
  readonly roc: CurvePoint[];
  readonly pr: CurvePoint[];
  readonly calibration: CalibrationStats;
  readonly reliability: ReliabilityBin[];
  readonly decisionCurve: DecisionCurvePoint[];
  readonly operatingTable: OperatingPoint[];
  readonly chosenThresholds: { readonly rule: string; readonly point: OperatingPoint }[];
  readonly atThreshold: OperatingPoint;
  readonly subgroups: SubgroupReport[];
  readonly explanations: {
    readonly space: string;
    readonly expectedValue: number;
    readonly rowsExplained: number;
    readonly features: FeatureExplanation[];
    /** SHAP points for the summary and dependence plots (feature, value, shap). */
    readonly points: {
      readonly feature: string;
      readonly value: number;
      readonly shap: number;
      readonly rank: number;
    }[];
  };
  readonly limitations: readonly string[];
  readonly outOfScopeUses: readonly string[];
}

/** Computes every section of the report. */
export function buildReportData(input: ReportInput): ReportData {
  const { model, X, y } = input;
  if (model.task !== 'binary') throw createError('AEGLE_REPORT_UNSUPPORTED', { task: model.task });
  const n = X.nRows;
  const proba = model.predictProba(X);
  const p = Float64Array.from({ length: n }, (_, i) => proba[2 * i + 1]);
  let events = 0;
  for (let i = 0; i < n; i++) events += y[i];
  const threshold = input.threshold ?? 0.5;
  const seed = input.seed ?? 0;
  const replicates = input.bootstrapReplicates ?? 1000;

  // Explanations on a seeded sample of rows.
  const m = Math.min(n, input.maxExplainRows ?? 2000);
  const rows = m < n ? samplerows(n, m, seed) : Int32Array.from({ length: n }, (_, i) => i);
  const Xs = takeRows(X, rows);
  const shap = explainRows(model, Xs, columnMeans(X));
  const mabs = meanAbsShap(shap);
  const perm = permutationImportance(model, X, y, { repeats: 5, seed });
  const features = X.columns
    .map((feature, j) => ({
      feature,
      meanAbsShap: mabs[j],
      permutationMean: perm.importances[j].mean,
      permutationSd: perm.importances[j].sd,
    }))
    .sort((a, b) => b.meanAbsShap - a.meanAbsShap);
  const top = features.slice(0, 8).map((f) => f.feature);
  const points: ReportData['explanations']['points'] = [];
  const maxPts = Math.min(m, 400);
  for (const [rank, f] of top.entries()) {
    const j = X.columns.indexOf(f);
    for (let i = 0; i < maxPts; i++)
      points.push({ feature: f, value: Xs.data[j * m + i], shap: shapAt(shap, i, j), rank });
  }

  const subgroups = Object.entries(input.groups ?? {}).map(([col, g]) =>
    subgroupMetrics(y, p, g, col, { threshold }),
  );
  const chosen: ReportData['chosenThresholds'] = [];
  for (const [rule, r] of [
    ['Youden J', { by: 'youden' }],
    ['sensitivity ≥ 0.80', { by: 'sensitivity', min: 0.8 }],
    ['max net benefit (0.05–0.5)', { by: 'net-benefit', range: [0.05, 0.5] }],
  ] as const) {
    try {
      chosen.push({ rule, point: chooseThreshold(y, p, r as any) });
    } catch {
      // rule not attainable on this set: leave it out
    }
  }
  const card = input.card ?? {};
  const limitations = [
    ...(card.limitations ?? []),
    `Validated on ${n} rows with ${events} events from ${input.evaluationData ?? 'the evaluation set'}; performance in other populations, sites or periods is unknown until checked there.`,
    ...subgroups.flatMap((s) =>
      s.rows
        .filter((r) => r.tooSmall)
        .map(
          (r) => `Subgroup ${s.column} = ${r.group} is too small to judge (${r.n} rows, ${r.events} events).`,
        ),
    ),
  ];
  return {
    title: card.name
      ? `${card.name}${card.version ? ` v${card.version}` : ''}`
      : `${model.kind} model for ${input.target ?? 'the outcome'}`,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    card,
    modelKind: model.kind,
    target: input.target ?? 'outcome',
    positiveClass: model.classes![1],
    threshold,
    n,
    events,
    prevalence: events / n,
    cohortFlow: input.cohortFlow ?? { rowsIn: null, excluded: [], analysed: n, missingOutcome: 0 },
    predictors: input.predictors ?? X.columns.map((name) => ({ name, type: 'numeric' })),
    preprocessing: input.preprocessing ?? [],
    specification: input.specification ?? { kind: model.kind, params: model.params },
    lineage: input.lineage ?? {},
    evaluationData: input.evaluationData ?? 'the evaluation set',
    discrimination: {
      auroc: delongAuc(y, p),
      auprc: averagePrecision(y, p),
      bootstrap: clinicalBootstrap(y, p, { replicates, seed, threshold }),
      replicates,
    },
    roc: thin(rocCurve(y, p), 400),
    pr: thin(prCurve(y, p), 400),
    calibration: calibrationStats(y, p),
    reliability: reliabilityCurve(y, p, { bins: 10, strategy: 'quantile' }),
    decisionCurve: decisionCurve(
      y,
      p,
      Array.from({ length: 50 }, (_, k) => (k + 1) / 100),
    ),
    operatingTable: operatingTable(y, p, [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]),
    chosenThresholds: chosen,
    atThreshold: operatingPoint(y, p, threshold),
    subgroups,
    explanations: {
      space: shap.space,
      expectedValue: shap.expectedValue[0],
      rowsExplained: m,
      features,
      points,
    },
    limitations,
    outOfScopeUses: card.outOfScopeUses ?? [
      'Diagnosis: the model estimates risk; it does not establish disease.',
      'Populations, care settings or time periods unlike the development data without local validation.',
      'Automated decisions without a clinician reviewing the patient.',
    ],
  };
}

function samplerows(n: number, m: number, seed: number): Int32Array {
  // Deterministic stride sample with a seeded offset: spreads evenly over the set.
  const out = new Int32Array(m);
  const off = seed % Math.max(1, Math.floor(n / m));
  for (let k = 0; k < m; k++) out[k] = Math.min(n - 1, Math.floor((k * n) / m) + off);
  return out;
}

function takeRows(X: Matrix, rows: Int32Array): Matrix {
  const m = rows.length;
  const data = new Float64Array(m * X.nCols);
  for (let j = 0; j < X.nCols; j++)
    for (let k = 0; k < m; k++) data[j * m + k] = X.data[j * X.nRows + rows[k]];
  return { data, nRows: m, nCols: X.nCols, columns: X.columns };
}

/** At most `max` points of a curve, keeping both ends. */
function thin(c: CurvePoint[], max: number): CurvePoint[] {
  if (c.length <= max) return c;
  const out: CurvePoint[] = [];
  for (let k = 0; k < max; k++) out.push(c[Math.round((k * (c.length - 1)) / (max - 1))]);
  return out;
}
