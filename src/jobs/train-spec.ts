/**
 * The train spec (YAML or JSON) that `aegle train` and the `train` job take, validated completely
 * before any work. See docs/TRAINING.md.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createError, resolveParams, showValue } from '../core/index.js';
import { DEFAULT_METRICS, METRICS, type SearchSpace } from '../evaluate/index.js';
import { type Task, modelKind, modelKinds } from '../learn/index.js';
import { parseSpecText } from '../transform/index.js';

export type SplitSpec =
  | { type: 'none' }
  | { type: 'holdout'; testSize: number; stratify: boolean; seed: number }
  | { type: 'time'; column: string; testSize: number }
  | { type: 'kfold' | 'stratified-kfold'; k: number; seed: number; repeats: number }
  | { type: 'group-kfold'; k: number; group: string; seed: number };

export interface SearchSpec {
  type: 'grid' | 'random';
  space: SearchSpace;
  nIter: number;
  seed: number;
  /** Folds used inside the search (on the training rows). */
  cv: { type: 'kfold' | 'stratified-kfold' | 'group-kfold'; k: number; group?: string; seed: number };
  refitMetric: string | null;
}

export interface TrainSpec {
  name: string | null;
  dataset: string;
  /** Set when `dataset` is a file (resolved against the spec's directory). */
  datasetFile: string | null;
  target: string;
  features: string[] | null;
  exclude: string[];
  task: Task | null;
  positiveClass: string | null;
  preprocess: unknown | null;
  split: SplitSpec;
  model: { type: string; params: Record<string, unknown> };
  search: SearchSpec | null;
  metrics: string[] | null;
  threshold: number;
  threads: number | null;
}

const TOP_KEYS = [
  'name',
  'dataset',
  'target',
  'features',
  'exclude',
  'task',
  'positiveClass',
  'clean',
  'preprocess',
  'split',
  'model',
  'search',
  'metrics',
  'threshold',
  'threads',
];

function invalid(at: string, expected: string, got: unknown): Error {
  return createError('AEGLE_CORE_INVALID_SPEC', {
    path: at,
    expected,
    got: got === undefined ? 'nothing' : showValue(got),
  });
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function str(v: unknown, at: string): string {
  if (typeof v !== 'string' || v.length === 0) throw invalid(at, 'a non-empty string', v);
  return v;
}

function strList(v: unknown, at: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string'))
    throw invalid(at, 'a non-empty list of column names', v);
  return v as string[];
}

function num(v: unknown, at: string, lo: number, hi: number, integer = false, exclusive = false): number {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (exclusive ? v > lo && v < hi : v >= lo && v <= hi) &&
    (!integer || Number.isInteger(v));
  if (!ok)
    throw invalid(
      at,
      `${integer ? 'an integer' : 'a number'} in ${exclusive ? '(' : '['}${lo}, ${hi}${exclusive ? ')' : ']'}`,
      v,
    );
  return v as number;
}

function keysOnly(m: Record<string, unknown>, at: string, allowed: readonly string[]): void {
  for (const k of Object.keys(m))
    if (!allowed.includes(k))
      throw invalid(`${at} key '${k}'`, `one of ${allowed.join('|')}`, 'an unknown key');
}

function parseSplit(v: unknown): SplitSpec {
  if (v === undefined || v === 'none' || v === null) return { type: 'none' };
  if (!isMap(v))
    throw invalid(
      'split',
      "'none' or a map with a type (holdout|time|kfold|stratified-kfold|group-kfold)",
      v,
    );
  const type = v.type;
  switch (type) {
    case 'none':
      return { type: 'none' };
    case 'holdout':
      keysOnly(v, 'split', ['type', 'testSize', 'stratify', 'seed']);
      if (v.stratify !== undefined && typeof v.stratify !== 'boolean')
        throw invalid('split.stratify', 'true or false', v.stratify);
      return {
        type,
        testSize: num(v.testSize ?? 0.25, 'split.testSize', 0, 1, false, true),
        stratify: (v.stratify as boolean | undefined) ?? true,
        seed: num(v.seed ?? 0, 'split.seed', 0, 4294967295, true),
      };
    case 'time':
      keysOnly(v, 'split', ['type', 'column', 'testSize']);
      return {
        type,
        column: str(v.column, 'split.column'),
        testSize: num(v.testSize ?? 0.25, 'split.testSize', 0, 1, false, true),
      };
    case 'kfold':
    case 'stratified-kfold':
      keysOnly(v, 'split', ['type', 'k', 'seed', 'repeats']);
      return {
        type,
        k: num(v.k ?? 5, 'split.k', 2, 100, true),
        seed: num(v.seed ?? 0, 'split.seed', 0, 4294967295, true),
        repeats: num(v.repeats ?? 1, 'split.repeats', 1, 100, true),
      };
    case 'group-kfold':
      keysOnly(v, 'split', ['type', 'k', 'group', 'seed']);
      return {
        type,
        k: num(v.k ?? 5, 'split.k', 2, 100, true),
        group: str(v.group, 'split.group'),
        seed: num(v.seed ?? 0, 'split.seed', 0, 4294967295, true),
      };
    default:
      throw invalid('split.type', 'one of none|holdout|time|kfold|stratified-kfold|group-kfold', type);
  }
}

function parseModel(v: unknown, at = 'model'): { type: string; params: Record<string, unknown> } {
  if (!isMap(v))
    throw invalid(
      at,
      `a map { type, params } with type one of ${modelKinds()
        .map((k) => k.kind)
        .join('|')}`,
      v,
    );
  keysOnly(v, at, ['type', 'params']);
  const type = str(v.type, `${at}.type`);
  const known = modelKinds().map((k) => k.kind);
  if (!known.includes(type)) throw invalid(`${at}.type`, `one of ${known.join('|')}`, type);
  const params = v.params ?? {};
  if (!isMap(params)) throw invalid(`${at}.params`, 'a map of parameters', params);
  resolveParams(type, modelKind(type).schema, params, `${at}.params`);
  return { type, params };
}

function parseSearch(v: unknown): SearchSpec | null {
  if (v === undefined || v === null) return null;
  if (!isMap(v)) throw invalid('search', 'a map { type, space, nIter, seed, cv, refitMetric }', v);
  keysOnly(v, 'search', ['type', 'space', 'nIter', 'seed', 'cv', 'refitMetric']);
  const type = v.type ?? 'grid';
  if (type !== 'grid' && type !== 'random') throw invalid('search.type', 'one of grid|random', type);
  if (!isMap(v.space) || Object.keys(v.space).length === 0)
    throw invalid(
      'search.space',
      "a map of 'model.<param>' or '<step>.<param>' to a list of values",
      v.space,
    );
  for (const key of Object.keys(v.space))
    if (!key.includes('.'))
      throw invalid(`search.space key '${key}'`, "'model.<param>' or '<step>.<param>'", key);
  const cvRaw = v.cv ?? {};
  if (!isMap(cvRaw)) throw invalid('search.cv', 'a map { type, k, seed }', cvRaw);
  keysOnly(cvRaw, 'search.cv', ['type', 'k', 'seed', 'group']);
  const cvType = cvRaw.type ?? 'stratified-kfold';
  if (cvType !== 'kfold' && cvType !== 'stratified-kfold' && cvType !== 'group-kfold')
    throw invalid('search.cv.type', 'one of kfold|stratified-kfold|group-kfold', cvType);
  return {
    type,
    space: v.space as SearchSpace,
    nIter: num(v.nIter ?? 10, 'search.nIter', 1, 10000, true),
    seed: num(v.seed ?? 0, 'search.seed', 0, 4294967295, true),
    cv: {
      type: cvType,
      k: num(cvRaw.k ?? 5, 'search.cv.k', 2, 100, true),
      seed: num(cvRaw.seed ?? 0, 'search.cv.seed', 0, 4294967295, true),
      group: cvType === 'group-kfold' ? str(cvRaw.group, 'search.cv.group') : undefined,
    },
    refitMetric: v.refitMetric === undefined ? null : str(v.refitMetric, 'search.refitMetric'),
  };
}

/** Parses and validates the spec's shape (column names are checked later, against the data). */
export function parseTrainSpec(text: string, specDir: string): TrainSpec {
  const raw = parseSpecText(text);
  if (!isMap(raw)) throw invalid('spec', 'a map with dataset, target, split and model', raw);
  keysOnly(raw, 'spec', TOP_KEYS);
  const dataset = str(raw.dataset, 'dataset');
  const candidate = path.resolve(specDir, dataset);
  const datasetFile = /[/\\]|\.(csv|tsv|txt|data|parquet|pq|json|ndjson|jsonl)$/i.test(dataset)
    ? candidate
    : null;
  if (datasetFile && !(existsSync(datasetFile) && statSync(datasetFile).isFile()))
    throw invalid('dataset', 'a dataset name (see `aegle datasets`) or an existing data file', dataset);
  if (raw.features !== undefined && raw.exclude !== undefined)
    throw invalid('exclude', 'absent when features is given (use one of the two)', raw.exclude);
  if (raw.clean !== undefined && raw.preprocess !== undefined)
    throw invalid('clean', 'absent when preprocess is given (they are the same thing)', raw.clean);
  const task = raw.task ?? null;
  if (task !== null && task !== 'binary' && task !== 'multiclass' && task !== 'regression')
    throw invalid('task', 'one of binary|multiclass|regression', task);
  if (raw.model === undefined && raw.search === undefined)
    throw invalid('model', 'a map { type, params }', undefined);
  const metrics =
    raw.metrics === undefined
      ? null
      : (() => {
          if (
            !Array.isArray(raw.metrics) ||
            raw.metrics.length === 0 ||
            !raw.metrics.every((m) => typeof m === 'string' && m in METRICS)
          ) {
            const bad = Array.isArray(raw.metrics)
              ? raw.metrics.find((m) => !(typeof m === 'string' && m in METRICS))
              : raw.metrics;
            throw invalid('metrics', `a list of metric names (${Object.keys(METRICS).join('|')})`, bad);
          }
          return raw.metrics as string[];
        })();
  const positive = raw.positiveClass;
  if (
    positive !== undefined &&
    typeof positive !== 'string' &&
    typeof positive !== 'number' &&
    typeof positive !== 'boolean'
  )
    throw invalid('positiveClass', 'a class label', positive);
  return {
    name: raw.name === undefined ? null : str(raw.name, 'name'),
    dataset,
    datasetFile,
    target: str(raw.target, 'target'),
    features: raw.features === undefined ? null : strList(raw.features, 'features'),
    exclude: raw.exclude === undefined ? [] : strList(raw.exclude, 'exclude'),
    task: task as Task | null,
    positiveClass: positive === undefined ? null : String(positive),
    preprocess: raw.preprocess ?? raw.clean ?? null,
    split: parseSplit(raw.split),
    model: parseModel(raw.model ?? { type: 'logistic' }),
    search: parseSearch(raw.search),
    metrics,
    threshold: num(raw.threshold ?? 0.5, 'threshold', 0, 1),
    threads: raw.threads === undefined ? null : num(raw.threads, 'threads', 1, 1024, true),
  };
}

/** Default metrics of a task when the spec names none. */
export function metricsFor(spec: TrainSpec, task: Task): string[] {
  return spec.metrics ? [...spec.metrics] : [...DEFAULT_METRICS[task]];
}
