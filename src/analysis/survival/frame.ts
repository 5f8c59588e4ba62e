/**
 * Frame-level survival analyses: validate the columns, drop incomplete rows (and count them, as R
 * reports "n observations deleted due to missingness"), then call the array-level estimators.
 */
import { type Frame, getColumn } from '../../core/index.js';
import { createError } from '../errors.js';
import {
  type CoxFit,
  type CoxInternal,
  type CoxTies,
  coxPh,
  coxZph,
  type ZphRow,
  type ZphTransform,
} from './cox.js';
import { buildDesign, completeRows, eventValues, groupLabels, timeValues } from './data.js';
import { type KmGroup, kaplanMeierByGroup, sortLevels } from './km.js';
import { type LogRankResult, logRank } from './logrank.js';

export interface KmAnalysisOptions {
  readonly time: string;
  readonly event: string;
  readonly group?: string;
  /** Group order (default: sorted; numeric labels numerically). */
  readonly levels?: readonly string[];
  readonly confLevel?: number;
}

export interface KmAnalysis {
  readonly groups: KmGroup[];
  readonly logrank?: LogRankResult;
  /** Rows dropped for a missing time, event or group. */
  readonly dropped: number;
}

/** Kaplan–Meier per group (or overall as group "all") with the log-rank test when grouped. */
export function analyzeKaplanMeier(frame: Frame, o: KmAnalysisOptions): KmAnalysis {
  const time = timeValues(frame, o.time);
  const event = eventValues(frame, o.event);
  const cols = [o.time, o.event, ...(o.group ? [o.group] : [])];
  const rows = completeRows(frame, cols);
  const t = rows.map((i) => time[i]);
  const e = rows.map((i) => event[i]);
  const dropped = frame.nRows - rows.length;
  if (!rows.length)
    throw createError('AEGLE_ANALYSIS_TOO_FEW_ROWS', { what: 'Kaplan–Meier', needed: 1, got: 0 });
  if (!o.group) {
    const groups = kaplanMeierByGroup(
      t,
      e,
      t.map(() => 'all'),
      { confLevel: o.confLevel, levels: ['all'] },
    );
    return { groups, dropped };
  }
  const all = groupLabels(getColumn(frame, o.group));
  const g = rows.map((i) => all[i]);
  const levels = o.levels ?? sortLevels(g);
  const groups = kaplanMeierByGroup(t, e, g, { confLevel: o.confLevel, levels });
  const lr = levels.length >= 2 ? logRank(t, e, g, levels) : undefined;
  return { groups, logrank: lr, dropped };
}

export interface CoxAnalysisOptions {
  readonly time: string;
  readonly event: string;
  readonly covariates: readonly string[];
  readonly ties?: CoxTies;
  /** Level order of categorical covariates; the first is the reference. */
  readonly levels?: Readonly<Record<string, readonly string[]>>;
  readonly confLevel?: number;
}

export interface CoxAnalysis extends CoxFit {
  readonly dropped: number;
  readonly terms: { name: string; columns: number[] }[];
  readonly internal: CoxInternal;
}

/** Cox model on a frame's columns; categoricals become treatment dummies (R's default contrasts). */
export function analyzeCox(frame: Frame, o: CoxAnalysisOptions): CoxAnalysis {
  if (!o.covariates.length) {
    throw createError('AEGLE_ANALYSIS_BAD_ARGUMENT', {
      param: 'covariates',
      owner: 'Cox model',
      expected: 'at least one column',
      got: 'none',
    });
  }
  const time = timeValues(frame, o.time);
  const event = eventValues(frame, o.event);
  for (const c of o.covariates) getColumn(frame, c);
  const rows = completeRows(frame, [o.time, o.event, ...o.covariates]);
  const need = o.covariates.length + 1;
  if (rows.length < need)
    throw createError('AEGLE_ANALYSIS_TOO_FEW_ROWS', { what: 'Cox model', needed: need, got: rows.length });
  const design = buildDesign(frame, o.covariates, rows, o.levels);
  const t = Float64Array.from(rows, (i) => time[i]);
  const e = Float64Array.from(rows, (i) => event[i]);
  const fit = coxPh(design.x, rows.length, design.names.length, t, e, {
    ties: o.ties,
    names: design.names,
    confLevel: o.confLevel,
  });
  return { ...fit, dropped: frame.nRows - rows.length, terms: design.terms };
}

/** `cox.zph` on a fitted frame-level model, one row per covariate (factor dummies together). */
export function analyzeCoxZph(
  fit: CoxAnalysis,
  transform: ZphTransform = 'km',
): { table: ZphRow[]; global: ZphRow } {
  return coxZph(fit, { transform, terms: fit.terms });
}
