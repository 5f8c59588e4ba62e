/**
 * `applyCleaning`: fits a pipeline spec on a frame and applies it in `clean` mode, returning the
 * cleaned frame, the fitted pipeline (to re-apply at prediction time, where row drops are skipped)
 * and a report that accounts for every dropped row and every changed value. The report is plain
 * JSON; `formatCleaningReport` renders a text summary.
 */
import type { Frame } from '../core/index.js';
import type { ColumnChanges, DroppedRow, StepReport, ValueError } from './base.js';
import { type FittedPipeline, Pipeline } from './pipeline.js';
import { pipelineFromSpec } from './spec.js';

export interface CleaningReport {
  readonly format: 'aegle.cleaning-report';
  readonly version: 1;
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** One entry per step, in order; row indices refer to the input frame. */
  readonly steps: StepReport[];
  /** Every dropped row, with the step that dropped it. */
  readonly dropped: Array<DroppedRow & { step: string }>;
  /** Every value-level problem (e.g. an unconvertible unit), with its step. */
  readonly errors: Array<ValueError & { step: string }>;
  /** Totals over all steps, by column. */
  readonly totals: Record<string, ColumnChanges>;
}

export interface CleaningResult {
  readonly frame: Frame;
  readonly fitted: FittedPipeline;
  readonly report: CleaningReport;
}

/**
 * Validates the spec (and every column it names, through every step) before any work, then fits
 * and applies it in `clean` mode.
 */
export function applyCleaning(
  frame: Frame,
  spec: string | unknown | Pipeline,
  opts: { signal?: AbortSignal } = {},
): CleaningResult {
  const pipeline = spec instanceof Pipeline ? spec : pipelineFromSpec(spec);
  const r = pipeline.fitTransform(frame, { mode: 'clean', signal: opts.signal });
  return { frame: r.frame, fitted: r.fitted, report: buildCleaningReport(r.pipelineReport) };
}

export function buildCleaningReport(r: {
  rowsIn: number;
  rowsOut: number;
  steps: StepReport[];
}): CleaningReport {
  const dropped: Array<DroppedRow & { step: string }> = [];
  const errors: Array<ValueError & { step: string }> = [];
  const totals: Record<string, ColumnChanges> = {};
  for (const s of r.steps) {
    for (const d of s.dropped) dropped.push({ step: s.step, ...d });
    for (const e of s.errors) errors.push({ step: s.step, ...e });
    for (const [col, ch] of Object.entries(s.columns)) {
      const acc = (totals[col] ??= {}) as Record<string, number>;
      for (const [k, v] of Object.entries(ch)) acc[k] = (acc[k] ?? 0) + (v as number);
    }
  }
  return {
    format: 'aegle.cleaning-report',
    version: 1,
    rowsIn: r.rowsIn,
    rowsOut: r.rowsOut,
    steps: r.steps,
    dropped,
    errors,
    totals,
  };
}

const LABELS: Record<keyof ColumnChanges, string> = {
  imputed: 'imputed',
  clipped: 'clipped',
  setMissing: 'set missing',
  converted: 'converted',
  unconvertible: 'unconvertible',
  transformed: 'transformed',
};

function changesText(ch: ColumnChanges): string {
  return (Object.keys(LABELS) as Array<keyof ColumnChanges>)
    .filter((k) => ch[k])
    .map((k) => `${ch[k]} ${LABELS[k]}`)
    .join(', ');
}

/** A plain-text summary: rows in/out, then per step what it did (at most `maxRows` row details each). */
export function formatCleaningReport(report: CleaningReport, maxRows = 20): string {
  const lines: string[] = [];
  lines.push(
    `Cleaning: ${report.rowsIn} rows in, ${report.rowsOut} rows out (${report.rowsIn - report.rowsOut} dropped).`,
  );
  report.steps.forEach((s, i) => {
    const head = `${i + 1}. ${s.step} (${s.kind})`;
    if (s.skipped) {
      lines.push(`${head}: skipped (prediction mode).`);
      return;
    }
    const parts: string[] = [];
    if (s.dropped.length) parts.push(`dropped ${s.dropped.length} rows`);
    if (s.added.length) parts.push(`added ${s.added.join(', ')}`);
    if (s.removed.length) parts.push(`removed ${s.removed.join(', ')}`);
    if (s.errors.length) parts.push(`${s.errors.length} value errors`);
    lines.push(`${head}: ${s.rowsIn} → ${s.rowsOut} rows${parts.length ? `; ${parts.join('; ')}` : ''}.`);
    for (const [col, ch] of Object.entries(s.columns)) {
      const t = changesText(ch);
      if (t) lines.push(`   ${col}: ${t}`);
    }
    for (const d of s.dropped.slice(0, maxRows)) {
      lines.push(
        `   - row ${d.row} dropped: ${d.reason}${d.keptRow !== undefined ? `, kept row ${d.keptRow}` : ''}${d.key ? ` [${d.key}]` : ''}`,
      );
    }
    if (s.dropped.length > maxRows)
      lines.push(`   … and ${s.dropped.length - maxRows} more dropped rows (see the JSON report)`);
    for (const e of s.errors.slice(0, maxRows)) lines.push(`   ! row ${e.row} ${e.column}: ${e.message}`);
    if (s.errors.length > maxRows)
      lines.push(`   … and ${s.errors.length - maxRows} more value errors (see the JSON report)`);
  });
  return lines.join('\n');
}
