/**
 * Worker-thread entry for `runAnalysisInWorker`: runs one analysis on a frame sent from the main
 * thread and returns JSON-ready output, or the coded error it raised (as plain fields, since class
 * identity does not survive the thread boundary).
 */
import { toWireError, type WireError } from '../core/index.js';
import { jsonSafe } from './json-safe.js';
import { type AnalysisOptions, runAnalysis } from './run.js';
import type { Frame } from '../core/index.js';

export interface AnalysisTask {
  readonly kind: string;
  readonly frame: Frame;
  readonly options: AnalysisOptions;
}

export type AnalysisReply =
  | { readonly ok: true; readonly result: unknown; readonly text: string; readonly chart: unknown }
  | { readonly ok: false; readonly error: WireError };

export default function run(task: AnalysisTask): AnalysisReply {
  try {
    const out = runAnalysis(task.kind, task.frame, task.options);
    return {
      ok: true,
      result: jsonSafe(out.result),
      text: out.text,
      chart: out.chart ? jsonSafe(out.chart) : null,
    };
  } catch (e) {
    return { ok: false, error: toWireError(e) };
  }
}
