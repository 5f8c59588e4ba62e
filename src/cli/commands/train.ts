/**
 * `aegle train SPEC.yaml` and `aegle predict ARTIFACT DATA.csv`: thin over evaluate/ and registry/.
 * Training validates the whole spec against the data before any work, shows a progress bar on
 * stderr, prints the held-out (or cross-validated) metrics and writes a model artifact under
 * `$AEGLE_HOME/artifacts/<id>/`. See docs/TRAINING.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  type ColumnRole,
  type Frame,
  columnNotFound,
  createError,
  getColumn,
  newId,
  selectColumns,
  takeRows,
} from '../../core/index.js';
import { readFrame } from '../../dataset/index.js';
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
} from '../../evaluate/index.js';
import { ingestFile } from '../../ingest/index.js';
import { type FitProgress, modelKind } from '../../learn/index.js';
import { loadArtifact, predictFrame, writeArtifact } from '../../registry/index.js';
import { DuckStore, type DatasetVersion, getVersion, homePaths, parseDatasetRef } from '../../store/index.js';
import { schemaOf } from '../../transform/index.js';
import { type CliContext, formatCell, formatTable } from '../context.js';
import { withStore } from '../store.js';
import { type TrainSpec, metricsFor, parseTrainSpec } from './train-spec.js';

interface LoadedData {
  frame: Frame;
  dataset: { name: string; version?: string; contentHash?: string; rows: number };
  /** The FHIR feature spec the dataset was built with (`aegle fhir-features`), kept in the artifact. */
  featureSpec?: unknown;
}

/** Reads a data file through an in-memory DuckDB with ingest's missing tokens (same parsing as `aegle ingest`). */
export async function readDataFile(
  file: string,
  missingTokens: readonly string[],
): Promise<{ frame: Frame; version: DatasetVersion }> {
  const db = await DuckStore.create({ path: ':memory:' });
  try {
    const { ensureCatalog } = await import('../../store/index.js');
    await ensureCatalog(db);
    const { dataset } = await ingestFile(db, file, { name: 'input', missingTokensDefault: missingTokens });
    return { frame: await readFrame(db, dataset), version: dataset };
  } finally {
    db.close();
  }
}

async function loadData(ctx: CliContext, spec: TrainSpec): Promise<LoadedData> {
  if (spec.datasetFile) {
    const { frame, version } = await readDataFile(spec.datasetFile, ctx.config.missingTokens);
    return {
      frame,
      dataset: { name: path.basename(spec.datasetFile), contentHash: version.contentHash, rows: frame.nRows },
    };
  }
  return withStore(ctx, async (db) => {
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
  return { frame, features, info, groups, times, dropped };
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

/** A cli-progress bar on stderr (TTY only): fit iterations with the loss, or fold fits during CV / search. */
function progressBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { update: (_p: FitProgress) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: 'training |{bar}| {value}/{total} · {loss}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let total = -1;
  return {
    update(p: FitProgress) {
      const loss =
        p.trainLoss === undefined
          ? (p.message ?? '')
          : `loss ${p.trainLoss.toPrecision(5)}${p.validLoss === undefined ? '' : ` (valid ${p.validLoss.toPrecision(5)})`}`;
      if (!started || p.totalIterations !== total) {
        if (started) bar.stop();
        bar.start(p.totalIterations, p.iteration, { loss });
        started = true;
        total = p.totalIterations;
      } else bar.update(p.iteration, { loss });
    },
    stop() {
      if (started) bar.stop();
    },
  };
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

/** Runs a train spec end to end (what the CLI command calls). */
export async function runTrain(
  ctx: CliContext,
  specPath: string,
  opts: { progress: boolean },
): Promise<TrainResult> {
  if (!existsSync(specPath))
    throw createError('AEGLE_CORE_INVALID_SPEC', {
      path: 'SPEC',
      expected: 'an existing YAML or JSON file',
      got: `'${specPath}'`,
    });
  const spec = parseTrainSpec(readFileSync(specPath, 'utf8'), path.dirname(path.resolve(specPath)));
  const data = await loadData(ctx, spec);
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
  if (prep.dropped) ctx.err(`Note: ${prep.dropped} rows without a target value were left out.`);

  const frame = prep.frame;
  const y = targetVector(frame, spec.target, info);
  const threads = spec.threads ?? undefined;
  const bar = progressBar(opts.progress);
  const foldProgress = (done: number, total: number) =>
    bar.update({ iteration: done, totalIterations: total, message: 'fold fits' });
  const fitDesc = async (
    d: PipelineDescription,
    train: Frame,
    overrides: Record<string, unknown> = {},
  ): Promise<FittedModelPipeline> => {
    const b = buildPipeline(d, overrides);
    return fitModelPipeline({ ...b, target: spec.target }, train, info, {
      onProgress: (p) => bar.update(p),
      threads,
    });
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
    ctx.err(`Searching ${s.type === 'grid' ? 'a grid' : `${s.nIter} random draws`} × ${folds.length} folds…`);
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
  try {
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
        ctx.err(`Searching × ${folds.length} folds…`);
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
          onTask: foldProgress,
        });
        overrides = searchResult.bestParams;
        const best = searchResult.candidates[searchResult.bestIndex];
        resultMetrics = best.mean;
        metricsSd = best.sd;
      } else {
        ctx.err(`Cross-validating over ${folds.length} folds…`);
        const cv = await crossValidate(desc, frame, info, folds, metrics, { threads, onTask: foldProgress });
        resultMetrics = cv.mean;
        metricsSd = cv.sd;
      }
      fitted = await fitDesc(desc, frame, overrides);
    }
  } finally {
    bar.stop();
  }
  const id = newId('m');
  const dir = path.join(homePaths(ctx.config.home).artifacts, id);
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

function printTrain(ctx: CliContext, r: TrainResult): void {
  const where =
    r.evaluation === 'holdout'
      ? `held-out set (${r.rows.test} rows)`
      : r.evaluation === 'time'
        ? `latest rows (${r.rows.test})`
        : 'cross-validation (mean ± SD over folds)';
  if (r.search) {
    ctx.out(`Search: ${r.search.candidates.length} candidates, best by ${r.search.refitMetric}`);
    const ms = Object.keys(r.search.candidates[0]?.mean ?? {});
    ctx.out(
      formatTable(
        ['rank', 'params', ...ms],
        [...r.search.candidates]
          .sort((a, b) => a.rank - b.rank)
          .slice(0, 20)
          .map((c) => [
            c.rank,
            JSON.stringify(c.params),
            ...ms.map((m) => `${formatCell(c.mean[m])} ± ${formatCell(c.sd[m])}`),
          ]),
      ),
    );
    ctx.out('');
  }
  if (Object.keys(r.metrics).length) {
    ctx.out(`Metrics on the ${where}:`);
    const rows = Object.entries(r.metrics).map(([k, v]) => (r.metricsSd ? [k, v, r.metricsSd[k]] : [k, v]));
    ctx.out(formatTable(r.metricsSd ? ['metric', 'mean', 'sd'] : ['metric', 'value'], rows));
  } else ctx.out('No evaluation (split: none): the model was trained on all rows.');
  ctx.out('');
  ctx.out(
    `Model ${r.id} (${r.task}${r.classes ? `: ${r.classes.join(', ')}` : ''}; trained on ${r.rows.train} rows)`,
  );
  ctx.out(`Artifact: ${r.artifact}`);
}

/** Resolves an artifact argument: a directory, or an id under $AEGLE_HOME/artifacts. */
function artifactDir(ctx: CliContext, ref: string): string {
  if (existsSync(path.join(ref, 'manifest.json'))) return ref;
  const underHome = path.join(homePaths(ctx.config.home).artifacts, ref);
  if (existsSync(path.join(underHome, 'manifest.json'))) return underHome;
  throw createError('AEGLE_REGISTRY_NOT_FOUND', {
    path: ref,
    reason: `neither a directory with manifest.json nor an id under ${homePaths(ctx.config.home).artifacts}`,
  });
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function registerTrainCommands(program: Command, getCtx: () => CliContext): void {
  program
    .command('train')
    .description(
      'Train a model from a spec (dataset, target, preprocessing, split, model or search); writes an artifact',
    )
    .argument('<spec>', 'YAML or JSON train spec (see docs/TRAINING.md)')
    .option('--json', 'print {"model","artifact","metrics"} as JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (specPath: string, o: { json?: boolean; progress?: boolean }) => {
      const ctx = getCtx();
      const r = await runTrain(ctx, specPath, { progress: o.progress !== false });
      if (o.json) {
        ctx.json({
          model: r.id,
          artifact: r.artifact,
          metrics: r.metrics,
          ...(r.metricsSd ? { metricsSd: r.metricsSd } : {}),
          evaluation: r.evaluation,
          task: r.task,
          classes: r.classes,
          rows: r.rows,
          ...(r.search
            ? {
                search: {
                  bestParams: r.search.bestParams,
                  refitMetric: r.search.refitMetric,
                  candidates: r.search.candidates.map((c) => ({
                    params: c.params,
                    rank: c.rank,
                    mean: c.mean,
                    sd: c.sd,
                  })),
                },
              }
            : {}),
        });
      } else printTrain(ctx, r);
    });

  program
    .command('predict')
    .description('Score a data file with a model artifact (the exact fitted preprocessing, then the model)')
    .argument('<artifact>', 'artifact directory or model id (under $AEGLE_HOME/artifacts)')
    .argument('<data>', 'CSV/TSV/Parquet/JSON file to score')
    .option('--out <file>', 'write predictions as CSV here (default: stdout)')
    .option('--json', 'print {"model","rows","out"} as JSON (needs --out)')
    .action(async (ref: string, file: string, o: { out?: string; json?: boolean }) => {
      const ctx = getCtx();
      if (o.json && !o.out)
        throw createError('AEGLE_CORE_INVALID_SPEC', {
          path: '--json',
          expected: 'used together with --out FILE',
          got: 'no --out',
        });
      const dir = artifactDir(ctx, ref);
      const artifact = loadArtifact(dir);
      if (!existsSync(file)) throw createError('AEGLE_INGEST_FILE_NOT_FOUND', { file });
      const { frame } = await readDataFile(file, ctx.config.missingTokens);
      const p = predictFrame(artifact, frame);
      const classes = p.classes;
      const header = ['prediction'];
      if (classes && classes.length === 2) header.push('probability');
      else if (classes) for (const c of classes) header.push(`probability_${c}`);
      const lines = [header.map(csvCell).join(',')];
      const K = classes?.length ?? 0;
      for (let i = 0; i < frame.nRows; i++) {
        const cells = [classes ? csvCell(classes[p.predictions[i]]) : String(p.predictions[i])];
        if (K === 2) cells.push(String(p.proba![2 * i + 1]));
        else for (let k = 0; k < K; k++) cells.push(String(p.proba![i * K + k]));
        lines.push(cells.join(','));
      }
      const text = `${lines.join('\n')}\n`;
      if (o.out) {
        writeFileSync(o.out, text);
        if (o.json)
          ctx.json({
            model: artifact.manifest.id,
            rows: frame.nRows,
            out: o.out,
            task: artifact.manifest.task,
            classes,
          });
        else ctx.out(`Wrote ${frame.nRows} predictions to ${o.out}`);
      } else process.stdout.write(text);
    });
}
