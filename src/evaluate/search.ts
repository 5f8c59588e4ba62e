/**
 * Cross-validation, grid / random hyperparameter search and nested CV over a model pipeline.
 *
 * A search space names parameters as `model.<param>` (the estimator) or `<step>.<param>` (a
 * preprocessing step, by its name in the pipeline spec). Every (candidate, fold) pair is one task:
 * fit preprocessing + model on the fold's training rows, score its test rows. Tasks are pure
 * functions of plain data, so they run on worker threads (piscina) when `threads > 1` and there are
 * enough of them to pay; each task's result depends only on its inputs, so results are identical
 * whatever the thread count. The best candidate (by `refitMetric`) is refitted on all rows.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { type Frame, Rng, createError, takeRows } from '../core/index.js';
import { type Estimator, modelKind } from '../learn/index.js';
import { type Pipeline, pipelineFromSpec } from '../transform/index.js';
import { METRICS, checkMetricNames, computeMetrics } from './metrics.js';
import {
  type FittedModelPipeline,
  type TargetInfo,
  fitModelPipeline,
  predictModelPipeline,
  rowsWithTarget,
  targetVector,
  validateEstimator,
} from './model-pipeline.js';
import type { Fold } from './splits.js';

/** A model pipeline as plain data (what a spec file holds; what worker threads receive). */
export interface PipelineDescription {
  /** A preprocessing spec for `pipelineFromSpec` (`{ steps: [...] }`), or null. */
  readonly preprocess: unknown | null;
  readonly model: { readonly type: string; readonly params?: Record<string, unknown> };
  readonly target: string;
}

/** Builds the preprocessing pipeline and estimator, applying `overrides` (`model.C`, `impute.strategy`). */
export function buildPipeline(
  desc: PipelineDescription,
  overrides: Record<string, unknown> = {},
): { preprocess: Pipeline | null; estimator: Estimator<any> } {
  const modelPatch: Record<string, unknown> = {};
  const stepPatch: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(overrides)) {
    if (key.startsWith('model.')) modelPatch[key.slice(6)] = v;
    else stepPatch[key] = v;
  }
  let preprocess = desc.preprocess ? pipelineFromSpec(desc.preprocess) : null;
  if (Object.keys(stepPatch).length) {
    if (!preprocess) {
      throw createError('AEGLE_CORE_INVALID_SPEC', {
        path: 'search.space',
        expected: "keys 'model.<param>' (there is no preprocessing pipeline)",
        got: `'${Object.keys(stepPatch)[0]}'`,
      });
    }
    preprocess = preprocess.withParams(stepPatch);
  }
  const estimator = modelKind(desc.model.type).create({ ...(desc.model.params ?? {}), ...modelPatch });
  return { preprocess, estimator };
}

/** A value range for random search. */
export type Distribution =
  | { readonly uniform: readonly [number, number] }
  | { readonly loguniform: readonly [number, number] }
  | { readonly int: readonly [number, number] };

export type SearchSpace = Readonly<Record<string, readonly unknown[] | Distribution>>;

/** Every combination of the listed values (keys in the order given, last varying fastest). */
export function gridCandidates(space: SearchSpace): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(space)) {
    if (!Array.isArray(values))
      throw createError('AEGLE_CORE_INVALID_SPEC', {
        path: `search.space.${key}`,
        expected: 'a list of values (grid search)',
        got: JSON.stringify(values),
      });
    if (values.length === 0)
      throw createError('AEGLE_CORE_INVALID_SPEC', {
        path: `search.space.${key}`,
        expected: 'a non-empty list of values',
        got: '[]',
      });
    out = out.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return out;
}

/** `nIter` seeded draws: lists sampled uniformly, distributions drawn from. */
export function randomCandidates(space: SearchSpace, nIter: number, seed: number): Record<string, unknown>[] {
  const rng = new Rng(seed);
  const out: Record<string, unknown>[] = [];
  for (let t = 0; t < nIter; t++) {
    const c: Record<string, unknown> = {};
    for (const [key, d] of Object.entries(space)) {
      if (Array.isArray(d)) c[key] = d[rng.int(d.length)];
      else if ('uniform' in d) c[key] = d.uniform[0] + rng.uniform() * (d.uniform[1] - d.uniform[0]);
      else if ('loguniform' in d)
        c[key] = Math.exp(
          Math.log(d.loguniform[0]) + rng.uniform() * (Math.log(d.loguniform[1]) - Math.log(d.loguniform[0])),
        );
      else if ('int' in d) c[key] = d.int[0] + rng.int(d.int[1] - d.int[0] + 1);
      else
        throw createError('AEGLE_CORE_INVALID_SPEC', {
          path: `search.space.${key}`,
          expected: 'a list, {uniform: [lo, hi]}, {loguniform: [lo, hi]} or {int: [lo, hi]}',
          got: JSON.stringify(d),
        });
    }
    out.push(c);
  }
  return out;
}

/** One unit of work: fit on `train`, score `test`. Plain data only (crosses thread boundaries). */
export interface FoldTask {
  readonly desc: PipelineDescription;
  readonly overrides: Record<string, unknown>;
  readonly frame: Frame;
  readonly info: TargetInfo;
  readonly train: Int32Array;
  readonly test: Int32Array;
  readonly metrics: readonly string[];
}

/** Runs one fold task (also the worker entry's body). */
export async function runFoldTask(t: FoldTask): Promise<Record<string, number>> {
  const spec = buildPipeline(t.desc, t.overrides);
  const fitted = await fitModelPipeline(
    { ...spec, target: t.desc.target },
    takeRows(t.frame, t.train),
    t.info,
    { threads: 1 },
  );
  const testFrame = takeRows(t.frame, t.test);
  const y = targetVector(testFrame, t.desc.target, t.info);
  const keep = rowsWithTarget(y);
  const scored = keep.length === testFrame.nRows ? testFrame : takeRows(testFrame, keep);
  const yy = keep.length === testFrame.nRows ? y : Float64Array.from(keep, (i) => y[i]);
  const out = predictModelPipeline(fitted, scored);
  return computeMetrics(t.info.task, yy, out, t.metrics, { K: t.info.classes?.length });
}

function workerEntry(): { filename: string; execArgv: string[] } {
  const js = new URL('./search-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { filename: js.href, execArgv: [] };
  const ts = new URL('./search-worker.ts', import.meta.url);
  const hasTsx = process.execArgv.some((a) => a.includes('tsx'));
  return { filename: ts.href, execArgv: hasTsx ? [...process.execArgv] : ['--import', 'tsx'] };
}

export interface RunOptions {
  /** Worker threads (default: all cores). 1 = run in this thread. */
  readonly threads?: number;
  readonly signal?: AbortSignal;
  /** Called after each finished task. */
  readonly onTask?: (done: number, total: number) => void;
  /** Work (rows × columns × tasks) from which worker threads are used (default 200,000). */
  readonly parallelThreshold?: number;
}

/** Runs tasks, on worker threads when it pays; results in task order whatever the thread count. */
export async function runFoldTasks(
  tasks: readonly FoldTask[],
  opts: RunOptions = {},
): Promise<Record<string, number>[]> {
  const threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
  const results: Record<string, number>[] = new Array(tasks.length);
  let done = 0;
  const cells = tasks.length ? tasks[0].frame.nRows * tasks[0].frame.columns.length : 0;
  // Worker start-up (~100–300 ms, a module graph per thread) only pays for real work.
  if (threads > 1 && tasks.length > 1 && cells * tasks.length >= (opts.parallelThreshold ?? 200_000)) {
    const { filename, execArgv } = workerEntry();
    const pool = new Piscina({
      filename,
      execArgv,
      minThreads: 0,
      maxThreads: Math.min(threads, tasks.length),
      idleTimeout: 1000,
    });
    try {
      await Promise.all(
        tasks.map(async (t, i) => {
          if (opts.signal?.aborted) throw createError('AEGLE_CORE_ABORTED', { what: 'Search' });
          results[i] = (await pool.run(t, { signal: opts.signal })) as Record<string, number>;
          opts.onTask?.(++done, tasks.length);
        }),
      );
    } catch (e) {
      if (opts.signal?.aborted) throw createError('AEGLE_CORE_ABORTED', { what: 'Search' }, { cause: e });
      throw e;
    } finally {
      await pool.destroy();
    }
    return results;
  }
  for (let i = 0; i < tasks.length; i++) {
    if (opts.signal?.aborted) throw createError('AEGLE_CORE_ABORTED', { what: 'Search' });
    results[i] = await runFoldTask(tasks[i]);
    opts.onTask?.(++done, tasks.length);
  }
  return results;
}

export interface MetricSummary {
  readonly mean: Record<string, number>;
  readonly sd: Record<string, number>;
  readonly folds: Record<string, number>[];
}

/** Mean and sample SD (n − 1) per metric over folds (NaN folds ignored). */
export function summarise(folds: Record<string, number>[], metrics: readonly string[]): MetricSummary {
  const mean: Record<string, number> = {};
  const sd: Record<string, number> = {};
  for (const m of metrics) {
    const v = folds.map((f) => f[m]).filter((x) => !Number.isNaN(x));
    const mu = v.reduce((a, b) => a + b, 0) / (v.length || Number.NaN);
    mean[m] = mu;
    sd[m] = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / (v.length - 1)) : 0;
  }
  return { mean, sd, folds };
}

/** Cross-validates one pipeline over the given folds. */
export async function crossValidate(
  desc: PipelineDescription,
  frame: Frame,
  info: TargetInfo,
  folds: readonly Fold[],
  metrics: readonly string[],
  opts: RunOptions = {},
): Promise<MetricSummary> {
  checkMetricNames(metrics, info.task);
  validateEstimator(buildPipeline(desc).estimator);
  const tasks = folds.map((f) => ({
    desc,
    overrides: {},
    frame,
    info,
    train: f.train,
    test: f.test,
    metrics,
  }));
  return summarise(await runFoldTasks(tasks, opts), metrics);
}

export interface SearchOptions extends RunOptions {
  readonly type: 'grid' | 'random';
  readonly space: SearchSpace;
  /** Random search: number of candidates (default 10). */
  readonly nIter?: number;
  readonly seed?: number;
  readonly folds: readonly Fold[];
  readonly metrics: readonly string[];
  /** Metric that picks the best candidate (default: the first of `metrics`). */
  readonly refitMetric?: string;
  /** Refit the best candidate on all rows (default true). */
  readonly refit?: boolean;
}

export interface CandidateResult extends MetricSummary {
  readonly params: Record<string, unknown>;
  /** 1 = best by the refit metric. */
  readonly rank: number;
}

export interface SearchResult {
  readonly candidates: CandidateResult[];
  readonly bestIndex: number;
  readonly bestParams: Record<string, unknown>;
  readonly refitMetric: string;
  readonly refitted: FittedModelPipeline | null;
}

/** The candidates a search will try, every one validated (params in range, step names known) before any work. */
export function searchCandidates(
  desc: PipelineDescription,
  o: Pick<SearchOptions, 'type' | 'space' | 'nIter' | 'seed'>,
): Record<string, unknown>[] {
  const candidates =
    o.type === 'grid' ? gridCandidates(o.space) : randomCandidates(o.space, o.nIter ?? 10, o.seed ?? 0);
  for (const c of candidates) {
    const built = buildPipeline(desc, c);
    validateEstimator(built.estimator);
  }
  return candidates;
}

/** Grid or random search with cross-validation, results table and refit of the best. */
export async function searchCV(
  desc: PipelineDescription,
  frame: Frame,
  info: TargetInfo,
  o: SearchOptions,
): Promise<SearchResult> {
  checkMetricNames(o.metrics, info.task);
  const refitMetric = o.refitMetric ?? o.metrics[0];
  if (!o.metrics.includes(refitMetric)) {
    throw createError('AEGLE_CORE_INVALID_SPEC', {
      path: 'search.refitMetric',
      expected: `one of the metrics ${o.metrics.join('|')}`,
      got: `'${refitMetric}'`,
    });
  }
  const candidates = searchCandidates(desc, o);
  const tasks: FoldTask[] = [];
  for (const c of candidates)
    for (const f of o.folds)
      tasks.push({ desc, overrides: c, frame, info, train: f.train, test: f.test, metrics: o.metrics });
  const scores = await runFoldTasks(tasks, o);
  const k = o.folds.length;
  const summaries = candidates.map((c, ci) => ({
    params: c,
    ...summarise(scores.slice(ci * k, (ci + 1) * k), o.metrics),
  }));
  const sign = METRICS[refitMetric].greaterIsBetter ? -1 : 1;
  const order = summaries
    .map((_, i) => i)
    .sort((a, b) => {
      const va = summaries[a].mean[refitMetric];
      const vb = summaries[b].mean[refitMetric];
      const na = Number.isNaN(va);
      const nb = Number.isNaN(vb);
      if (na || nb) return na === nb ? a - b : na ? 1 : -1;
      return sign * (va - vb) || a - b;
    });
  const rank = new Array<number>(summaries.length);
  order.forEach((ci, r) => {
    rank[ci] = r + 1;
  });
  const results = summaries.map((s, i) => ({ ...s, rank: rank[i] }));
  const bestIndex = order[0];
  let refitted: FittedModelPipeline | null = null;
  if (o.refit !== false) {
    const spec = buildPipeline(desc, candidates[bestIndex]);
    refitted = await fitModelPipeline({ ...spec, target: desc.target }, frame, info, {
      signal: o.signal,
      threads: o.threads,
    });
  }
  return { candidates: results, bestIndex, bestParams: candidates[bestIndex], refitMetric, refitted };
}

export interface NestedResult extends MetricSummary {
  /** Best params chosen inside each outer training set. */
  readonly chosen: Record<string, unknown>[];
}

/**
 * Nested CV for an honest estimate of a tuned model: for each outer fold, search on its training rows
 * (with `innerFolds(trainFrame)` folds), refit the best there, and score the outer test rows.
 */
export async function nestedCV(
  desc: PipelineDescription,
  frame: Frame,
  info: TargetInfo,
  outer: readonly Fold[],
  innerFolds: (train: Frame) => Fold[],
  o: Omit<SearchOptions, 'folds' | 'refit'>,
): Promise<NestedResult> {
  const scores: Record<string, number>[] = [];
  const chosen: Record<string, unknown>[] = [];
  for (const f of outer) {
    const trainFrame = takeRows(frame, f.train);
    const inner = await searchCV(desc, trainFrame, info, {
      ...o,
      folds: innerFolds(trainFrame),
      refit: true,
    });
    chosen.push(inner.bestParams);
    const testFrame = takeRows(frame, f.test);
    const y = targetVector(testFrame, desc.target, info);
    const keep = rowsWithTarget(y);
    const out = predictModelPipeline(inner.refitted!, takeRows(testFrame, keep));
    scores.push(
      computeMetrics(
        info.task,
        Float64Array.from(keep, (i) => y[i]),
        out,
        o.metrics,
        { K: info.classes?.length },
      ),
    );
  }
  return { ...summarise(scores, o.metrics), chosen };
}
