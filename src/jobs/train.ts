/**
 * The training stage: runs a validated train spec end to end — checks every column reference and the
 * preprocessing against the data before any work, splits (holdout, time, k-fold, group k-fold), searches
 * when asked, fits, scores the held-out rows (or cross-validates) and writes a model artifact under
 * `<home>/artifacts/<id>/`. `aegle train` and the `train` job are thin callers of `trainFromSpec`;
 * progress (iteration, train/valid loss, fold fits) and cancellation go through to the estimator's `fit`.
 * See docs/TRAINING.md.
 */
import path from 'node:path';
import {
  type ColumnRole,
  type Frame,
  columnNotFound,
  createError,
  getColumn,
  newId,
  selectColumns,
  takeRows,
} from '../core/index.js';
import { readFrame } from '../dataset/index.js';
import {
  type Fold,
  type PipelineDescription,
  buildPipeline,
  checkMetricNames,
  computeMetrics,
  crossValidate,
  fitModelPipeline,
  groupKFold,
  holdoutSplit,
  inferTarget,
  kFold,
  predictModelPipeline,
  repeatedKFold,
  rowsWithTarget,
  searchCV,
  searchCandidates,
  stratifiedKFold,
  targetVector,
  timeOrderedSplit,
  type TargetInfo,
  type FittedModelPipeline,
  type SearchResult,
} from '../evaluate/index.js';
import { type FitProgress, modelKind } from '../learn/index.js';
import { writeArtifact } from '../registry/index.js';
import {
  type DatasetVersion,
  type DuckStore,
  getVersion,
  homePaths,
  parseDatasetRef,
} from '../store/index.js';
import { schemaOf } from '../transform/index.js';
import { type TrainSpec, metricsFor } from './train-spec.js';

/** The rows a spec trains on, and where they came from (kept in the artifact's lineage). */
export interface TrainData {
  readonly frame: Frame;
  readonly dataset: { name: string; version?: string; contentHash?: string; rows: number };
  /** The FHIR feature spec the dataset was built with (`aegle fhir-features`), kept in the artifact. */
  readonly featureSpec?: unknown;
}

export interface TrainOptions {
  /** The Aegle home: the artifact goes to `<home>/artifacts/<id>/`. */
  readonly home: string;
  /**
   * Runs `fn` with the dataset store open (the CLI opens it for the command; the service serialises
   * its uses). Held only while the rows are read, never during the fit.
   */
  readonly withDatasets: <T>(fn: (db: DuckStore) => Promise<T>) => Promise<T>;
  /** Reads a data file named by the spec (`dataset: cohort.csv`); absent: file datasets are refused. */
  readonly readDataFile?: (file: string) => Promise<{ frame: Frame; version: DatasetVersion }>;
  /** Fit iterations with the train/valid loss, and `{message: 'fold fits'}` during CV and search. */
  readonly onProgress?: (p: FitProgress) => void;
  /** Cancels the work (between folds, and inside the estimator's fit); rejects with AEGLE_CORE_ABORTED. */
  readonly signal?: AbortSignal;
  /** Notices for the user ("rows without a target were left out", "Cross-validating…"). */
  readonly notice?: (line: string) => void;
}

export interface TrainResult {
  id: string;
  artifact: string;
  metrics: Record<string, number>;
  metricsSd: Record<string, number> | null;
  evaluation: 'holdout' | 'time' | 'cv' | 'none';
  search: SearchResult | null;
  rows: { train: number; test: number; dropped: number };
  task: string;
  classes: readonly string[] | null;
}

/** Loads the spec's rows: an ingested dataset (`name` or `name@version`) or, when allowed, a data file. */
export async function loadTrainData(spec: TrainSpec, opts: TrainOptions): Promise<TrainData> {
  if (spec.datasetFile) {
    if (!opts.readDataFile)
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'spec.dataset',
        owner: 'training',
        expected: 'the name of an ingested dataset (name or name@version)',
        got: 'a file path',
      });
    const { frame, version } = await opts.readDataFile(spec.datasetFile);
    return {
      frame,
      dataset: { name: path.basename(spec.datasetFile), contentHash: version.contentHash, rows: frame.nRows },
    };
  }
  return opts.withDatasets(async (db) => {
    const ref = parseDatasetRef(spec.dataset);
    const v = await getVersion(db, ref.name, ref.version);
    const frame = await readFrame(db, v);
    return {
      frame,
      dataset: { name: v.name, version: v.version, contentHash: v.contentHash, rows: frame.nRows },
      featureSpec: v.source.startsWith('features:') ? (v.meta as { spec?: unknown }).spec : undefined,
    };
  });
}

const NON_FEATURE_ROLES = new Set<ColumnRole>(['id', 'target', 'group', 'time', 'weight']);

interface Prepared {
  frame: Frame;
  features: string[];
  info: TargetInfo;
  groups: unknown[] | null;
  times: Float64Array | null;
  dropped: number;
  /** Rows of the input frame kept (those with a target), when some were dropped. */
  keep: Int32Array | null;
}

/** Checks every column reference and builds the training frame (features + target). */
function prepare(spec: TrainSpec, data: Frame): Prepared {
  const has = (n: string) => data.columns.some((c) => c.name === n);
  if (!has(spec.target)) throw columnNotFound(spec.target, data.columns, ' (target)');
  for (const n of spec.features ?? []) if (!has(n)) throw columnNotFound(n, data.columns, ' (features)');
  for (const n of spec.exclude) if (!has(n)) throw columnNotFound(n, data.columns, ' (exclude)');
  const splitCol =
    spec.split.type === 'group-kfold'
      ? spec.split.group
      : spec.split.type === 'time'
        ? spec.split.column
        : null;
  const searchGroup = spec.search?.cv.group ?? null;
  for (const [n, where] of [
    [splitCol, ' (split)'],
    [searchGroup, ' (search.cv.group)'],
  ] as const)
    if (n && !has(n)) throw columnNotFound(n, data.columns, where);
  if (spec.features?.includes(spec.target))
    throw createError('AEGLE_CORE_INVALID_SPEC', {
      path: 'features',
      expected: 'feature columns, not the target',
      got: `'${spec.target}'`,
    });
  const features =
    spec.features ??
    data.columns
      .map((c) => c.name)
      .filter(
        (n) =>
          n !== spec.target &&
          n !== splitCol &&
          n !== searchGroup &&
          !spec.exclude.includes(n) &&
          !NON_FEATURE_ROLES.has(data.roles[n] ?? 'feature'),
      );
  if (features.length === 0)
    throw createError('AEGLE_CORE_INVALID_SPEC', {
      path: 'features',
      expected: 'at least one feature column',
      got: 'none left after exclude',
    });
  let frame = selectColumns(data, [...features, spec.target]);
  frame = {
    ...frame,
    roles: {
      ...Object.fromEntries(features.map((f) => [f, 'feature' as ColumnRole])),
      [spec.target]: 'target',
    },
  };
  const kind = modelKind(spec.model.type);
  const info = inferTarget(frame, spec.target, kind.tasks, {
    task: spec.task ?? undefined,
    positiveClass: spec.positiveClass,
  });
  const y = targetVector(frame, spec.target, info);
  const keep = rowsWithTarget(y);
  const dropped = frame.nRows - keep.length;
  if (dropped) frame = takeRows(frame, keep);
  const groupCol = splitCol ?? searchGroup;
  let groups: unknown[] | null = null;
  let times: Float64Array | null = null;
  if (groupCol) {
    const c = getColumn(dropped ? takeRows(data, keep) : data, groupCol);
    if (spec.split.type === 'time') {
      if (c.kind === 'categorical')
        throw createError('AEGLE_CORE_INVALID_SPEC', {
          path: 'split.column',
          expected: 'a date/time or numeric column',
          got: `text column '${groupCol}'`,
        });
      times = c.values;
    } else groups = c.kind === 'categorical' ? Array.from(c.codes) : Array.from(c.values);
  }
  return { frame, features, info, groups, times, dropped, keep: dropped ? keep : null };
}

function makeFolds(
  split: { type: string; k: number; seed: number; repeats?: number },
  y: Float64Array,
  info: TargetInfo,
  groups: unknown[] | null,
): Fold[] {
  const n = y.length;
  if (split.type === 'group-kfold') return groupKFold(groups!, split.k, { seed: split.seed });
  const stratify = split.type === 'stratified-kfold' && info.task !== 'regression';
  if ((split.repeats ?? 1) > 1)
    return repeatedKFold(n, split.k, split.repeats!, {
      seed: split.seed,
      stratify: stratify ? y : undefined,
    });
  return stratify
    ? stratifiedKFold(y, split.k, { seed: split.seed })
    : kFold(n, split.k, { seed: split.seed });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw createError('AEGLE_CORE_ABORTED', { what: 'Training' });
}

/** Runs a parsed train spec end to end and writes the artifact (what `aegle train` and the train job call). */
export async function trainFromSpec(spec: TrainSpec, opts: TrainOptions): Promise<TrainResult> {
  const notice = opts.notice ?? (() => {});
  const { signal } = opts;
  const data = await loadTrainData(spec, opts);
  throwIfAborted(signal);
  const prep = prepare(spec, data.frame);
  const { info } = prep;
  const metrics = metricsFor(spec, info.task);
  checkMetricNames(metrics, info.task);
  const desc: PipelineDescription = { preprocess: spec.preprocess, model: spec.model, target: spec.target };
  // validate the preprocessing against the columns it will see, and every search candidate
  const built = buildPipeline(desc);
  built.preprocess?.plan(schemaOf(prep.frame), 'preprocess');
  if (spec.search) {
    searchCandidates(desc, spec.search);
    if (spec.search.refitMetric && !metrics.includes(spec.search.refitMetric)) {
      throw createError('AEGLE_CORE_INVALID_SPEC', {
        path: 'search.refitMetric',
        expected: `one of the metrics ${metrics.join('|')}`,
        got: `'${spec.search.refitMetric}'`,
      });
    }
  }
  if (prep.dropped) notice(`Note: ${prep.dropped} rows without a target value were left out.`);

  const frame = prep.frame;
  const y = targetVector(frame, spec.target, info);
  const threads = spec.threads ?? undefined;
  const onProgress = opts.onProgress;
  const foldProgress = (done: number, total: number) =>
    onProgress?.({ iteration: done, totalIterations: total, message: 'fold fits' });
  const fitDesc = async (
    d: PipelineDescription,
    train: Frame,
    overrides: Record<string, unknown> = {},
  ): Promise<FittedModelPipeline> => {
    const b = buildPipeline(d, overrides);
    return fitModelPipeline({ ...b, target: spec.target }, train, info, { onProgress, signal, threads });
  };
  const searchOn = async (train: Frame, trainGroups: unknown[] | null): Promise<SearchResult> => {
    const s = spec.search!;
    const ty = targetVector(train, spec.target, info);
    const folds = makeFolds(
      {
        type: s.cv.type === 'stratified-kfold' && info.task === 'regression' ? 'kfold' : s.cv.type,
        k: s.cv.k,
        seed: s.cv.seed,
      },
      ty,
      info,
      trainGroups,
    );
    notice(`Searching ${s.type === 'grid' ? 'a grid' : `${s.nIter} random draws`} × ${folds.length} folds…`);
    return searchCV(desc, train, info, {
      type: s.type,
      space: s.space,
      nIter: s.nIter,
      seed: s.seed,
      folds,
      metrics,
      refitMetric: s.refitMetric ?? undefined,
      threads,
      refit: false,
      signal,
      onTask: foldProgress,
    });
  };

  let evaluation: TrainResult['evaluation'] = 'none';
  let resultMetrics: Record<string, number> = {};
  let metricsSd: Record<string, number> | null = null;
  let searchResult: SearchResult | null = null;
  let fitted: FittedModelPipeline;
  let trainFrame = frame;
  let testRows = 0;
  let splitSeed: number | null = null;
  if (spec.split.type === 'holdout' || spec.split.type === 'time') {
    const fold =
      spec.split.type === 'holdout'
        ? holdoutSplit(frame.nRows, {
            testSize: spec.split.testSize,
            stratify: spec.split.stratify && info.task !== 'regression' ? y : undefined,
            seed: spec.split.seed,
          })
        : timeOrderedSplit(prep.times!, { testSize: spec.split.testSize });
    splitSeed = spec.split.type === 'holdout' ? spec.split.seed : null;
    evaluation = spec.split.type;
    trainFrame = takeRows(frame, fold.train);
    const testFrame = takeRows(frame, fold.test);
    testRows = fold.test.length;
    let overrides: Record<string, unknown> = {};
    if (spec.search) {
      searchResult = await searchOn(
        trainFrame,
        prep.groups ? Array.from(fold.train, (i) => prep.groups![i]) : null,
      );
      overrides = searchResult.bestParams;
    }
    fitted = await fitDesc(desc, trainFrame, overrides);
    const out = predictModelPipeline(fitted, testFrame);
    resultMetrics = computeMetrics(info.task, targetVector(testFrame, spec.target, info), out, metrics, {
      threshold: spec.threshold,
      K: info.classes?.length,
    });
  } else if (spec.split.type === 'none') {
    let overrides: Record<string, unknown> = {};
    if (spec.search) {
      searchResult = await searchOn(frame, prep.groups);
      overrides = searchResult.bestParams;
      const best = searchResult.candidates[searchResult.bestIndex];
      resultMetrics = best.mean;
      metricsSd = best.sd;
      evaluation = 'cv';
    }
    fitted = await fitDesc(desc, frame, overrides);
  } else {
    const folds = makeFolds(spec.split, y, info, prep.groups);
    splitSeed = spec.split.seed;
    evaluation = 'cv';
    let overrides: Record<string, unknown> = {};
    if (spec.search) {
      notice(`Searching × ${folds.length} folds…`);
      const s = spec.search;
      searchResult = await searchCV(desc, frame, info, {
        type: s.type,
        space: s.space,
        nIter: s.nIter,
        seed: s.seed,
        folds,
        metrics,
        refitMetric: s.refitMetric ?? undefined,
        threads,
        refit: false,
        signal,
        onTask: foldProgress,
      });
      overrides = searchResult.bestParams;
      const best = searchResult.candidates[searchResult.bestIndex];
      resultMetrics = best.mean;
      metricsSd = best.sd;
    } else {
      notice(`Cross-validating over ${folds.length} folds…`);
      const cv = await crossValidate(desc, frame, info, folds, metrics, {
        threads,
        signal,
        onTask: foldProgress,
      });
      resultMetrics = cv.mean;
      metricsSd = cv.sd;
    }
    throwIfAborted(signal);
    fitted = await fitDesc(desc, frame, overrides);
  }
  throwIfAborted(signal);
  const id = newId('m');
  const dir = path.join(homePaths(opts.home).artifacts, id);
  writeArtifact(dir, {
    id,
    model: fitted.model,
    pipeline: fitted.preprocess,
    trainingFrame: trainFrame,
    target: spec.target,
    threshold: info.task === 'binary' ? spec.threshold : null,
    metrics: {
      evaluation,
      values: resultMetrics,
      sd: metricsSd,
      testRows,
      search: searchResult
        ? { bestParams: searchResult.bestParams, refitMetric: searchResult.refitMetric }
        : null,
    },
    lineage: {
      dataset: data.dataset,
      split: spec.split,
      splitSeed,
      spec: { ...spec, datasetFile: undefined },
      ...(data.featureSpec ? { featureSpec: data.featureSpec } : {}),
    },
  });
  return {
    id,
    artifact: dir,
    metrics: resultMetrics,
    metricsSd,
    evaluation,
    search: searchResult,
    rows: { train: trainFrame.nRows, test: testRows, dropped: prep.dropped },
    task: info.task,
    classes: info.classes,
  };
}

/**
 * The rows of `data` (the dataset a model was trained on) that its spec held out for evaluation —
 * the same target filtering and the same seeded split as at training — or null when the spec
 * evaluated by cross-validation or not at all (every row was used to fit the final model).
 */
export function heldOutRows(spec: TrainSpec, data: Frame): Int32Array | null {
  if (spec.split.type !== 'holdout' && spec.split.type !== 'time') return null;
  const prep = prepare(spec, data);
  const y = targetVector(prep.frame, spec.target, prep.info);
  const fold =
    spec.split.type === 'holdout'
      ? holdoutSplit(prep.frame.nRows, {
          testSize: spec.split.testSize,
          stratify: spec.split.stratify && prep.info.task !== 'regression' ? y : undefined,
          seed: spec.split.seed,
        })
      : timeOrderedSplit(prep.times!, { testSize: spec.split.testSize });
  const keep = prep.keep;
  return Int32Array.from(fold.test, (i) => (keep ? keep[i] : i));
}
