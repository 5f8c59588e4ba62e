/**
 * The report stage as a job: scores evaluation rows with a registered model's artifact and writes its
 * TRIPOD+AI report (HTML, Markdown with SVG charts, model-card JSON) where the service serves it
 * (`<home>/reports/<name>/<version>/report.*`, see `GET /api/v1/models/{name}/versions/{v}/report`).
 * The `report` job and `aegle demo` call `writeModelReport`; the numbers come from src/report.
 */
import path from 'node:path';
import { type Frame, createError, defineErrors, getColumn, takeRows } from '../core/index.js';
import { type LoadedArtifact, modelMatrix } from '../registry/index.js';
import { type ModelCardInput, type WrittenReport, buildReportData, writeReport } from '../report/index.js';
import { homePaths } from '../store/index.js';
import type { TrainSpec } from './train-spec.js';
import { heldOutRows } from './train.js';

export const ReportJobErrors = defineErrors({
  AEGLE_JOBS_NO_REPORT: {
    message: 'No report has been generated for {model} yet.',
    status: 404,
    fix: 'Submit a report job: POST /api/v1/jobs {"type": "report", "params": {"model": NAME, "version": N}}.',
  },
});

/** Where the report of a registered model version lives. */
export function reportFiles(
  home: string,
  name: string,
  version: number,
): { dir: string; html: string; markdown: string; card: string } {
  const dir = path.join(homePaths(home).home, 'reports', name, String(version));
  return {
    dir,
    html: path.join(dir, 'report.html'),
    markdown: path.join(dir, 'report.md'),
    card: path.join(dir, 'report.card.json'),
  };
}

export interface ModelReportOptions {
  /** Evaluation rows (input features + the target; subgroup columns when `groups` names them). */
  readonly frame: Frame;
  /** The HTML file to write; the Markdown, model card and charts go beside it. */
  readonly out: string;
  /** What the evaluation rows are, in words ("cohort_clean@2, the 1,250 held-out rows"). */
  readonly evaluationData: string;
  readonly card?: ModelCardInput;
  /** Subgroup columns of `frame`. */
  readonly groups?: readonly string[];
  /** Bootstrap replicates for the confidence intervals (default 1000). */
  readonly replicates?: number;
}

export interface ModelReport extends WrittenReport {
  /** Rows analysed (with an outcome). */
  readonly n: number;
  readonly events: number;
  readonly auroc: number;
}

function cellText(frame: Frame, column: string, i: number): string | null {
  const c = getColumn(frame, column);
  if (c.kind === 'categorical') return c.codes[i] < 0 ? null : c.dictionary[c.codes[i]];
  return Number.isNaN(c.values[i]) ? null : String(c.values[i]);
}

/** Builds and writes the report of a binary model on `opts.frame` (rows without an outcome are left out). */
export async function writeModelReport(
  artifact: LoadedArtifact,
  opts: ModelReportOptions,
): Promise<ModelReport> {
  const m = artifact.manifest;
  if (m.task !== 'binary') throw createError('AEGLE_REPORT_UNSUPPORTED', { task: m.task });
  const all = opts.frame;
  const target = getColumn(all, m.target);
  const keep: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < all.nRows; i++) {
    const v = cellText(all, target.name, i);
    if (v === null) continue;
    keep.push(i);
    y.push(v === m.positiveClass || v === `${m.positiveClass}.0` ? 1 : 0);
  }
  const frame = keep.length === all.nRows ? all : takeRows(all, Int32Array.from(keep));
  const groups: Record<string, (string | null)[]> = {};
  for (const g of opts.groups ?? [])
    groups[g] = Array.from({ length: frame.nRows }, (_, i) => cellText(frame, g, i));
  const data = buildReportData({
    model: artifact.model,
    X: modelMatrix(artifact, frame),
    y: Float64Array.from(y),
    groups,
    card: opts.card ?? {},
    target: m.target,
    threshold: m.threshold ?? 0.5,
    bootstrapReplicates: opts.replicates ?? 1000,
    specification: { kind: m.kind, params: m.estimator.params, metrics: m.metrics },
    lineage: m.lineage as unknown as Record<string, unknown>,
    predictors: m.inputSchema.features.map((f) => ({
      name: f.name,
      type: f.type,
      unit: f.unit,
      range: f.range,
    })),
    cohortFlow: {
      rowsIn: all.nRows,
      excluded: [],
      analysed: frame.nRows,
      missingOutcome: all.nRows - frame.nRows,
    },
    evaluationData: opts.evaluationData,
  });
  const written = await writeReport(data, opts.out);
  return { ...written, n: data.n, events: data.events, auroc: data.discrimination.auroc.auc };
}

/**
 * The rows to report a model on when the caller names no dataset: the rows its training spec held out
 * (same filtering and seeded split), else all rows of its training dataset — flagged, since those are
 * the rows it was fitted on.
 */
export function evaluationRowsOf(
  artifact: LoadedArtifact,
  data: Frame,
  datasetName: string,
): { frame: Frame; description: string } {
  const spec = artifact.manifest.lineage.spec as TrainSpec | undefined;
  const rows = spec?.split ? heldOutRows(spec, data) : null;
  if (rows)
    return {
      frame: takeRows(data, rows),
      description: `${datasetName}, the ${rows.length} rows held out at training (seeded split)`,
    };
  return {
    frame: data,
    description: `${datasetName}, all rows (the training data: the estimates are optimistic)`,
  };
}
