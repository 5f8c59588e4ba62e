/**
 * The model artifact (DESIGN.md "Model artifact"): a directory that describes itself.
 *
 * - `manifest.json`: format version, kind, Aegle version, the input schema (feature names, types,
 *   units where known, allowed ranges — clinical plausibility limits where the name is a known
 *   measurement, else the training min/max), the fitted preprocessing pipeline (JSON), estimator
 *   params and state, task, classes, threshold, metrics, lineage (dataset name/version/content hash,
 *   split, seed, code version, created by/at) and a per-feature training profile (quantile bins +
 *   counts, level counts) for drift monitoring;
 * - `weights.bin`: the estimator's typed arrays, little-endian, at the offsets/lengths/dtypes the
 *   manifest's `weights.arrays` table names (8-byte aligned), with its SHA-256.
 *
 * Writes are atomic: everything goes to a temporary sibling directory, each file is fsync'd, the
 * directory is renamed into place and the parent fsync'd. Loading an artifact of another major
 * format version fails with AEGLE_CORE_FORMAT_VERSION.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Column,
  type Frame,
  type Matrix,
  clinicalRangeFor,
  columnNotFound,
  createError,
  defineErrors,
  newId,
  sha256Hex,
} from '../core/index.js';
import {
  type ArrayEntry,
  type FittedModel,
  type SerializedModel,
  type Task,
  loadFittedModel,
  packArrays,
  unpackArrays,
} from '../learn/index.js';
import { type FittedJSON, type FittedPipeline, fittedFromJSON } from '../transform/index.js';

export const RegistryErrors = defineErrors({
  AEGLE_REGISTRY_NOT_FOUND: {
    message: "No model artifact at '{path}' ({reason}).",
    status: 404,
    fix: 'Pass the artifact directory (or its id under $AEGLE_HOME/artifacts) printed by `aegle train`.',
  },
  AEGLE_REGISTRY_DAMAGED: {
    message: "The model artifact at '{path}' is damaged: {reason}.",
    status: 422,
    fix: 'Re-train the model or restore the artifact from a backup; do not edit artifact files by hand.',
  },
  AEGLE_REGISTRY_EXISTS: {
    message: "A model artifact already exists at '{path}'.",
    status: 409,
    fix: 'Artifacts are immutable: write a new one under another id.',
  },
  AEGLE_REGISTRY_INPUT: {
    message: "Input column '{column}' {problem}.",
    status: 400,
    fix: 'Send the columns the model was trained on (see the artifact manifest inputSchema).',
  },
});

/** Major.minor; a different major cannot be read. */
export const ARTIFACT_FORMAT_VERSION = '1.0';

export interface FeatureSchema {
  readonly name: string;
  readonly type: Column['kind'];
  /** UCUM unit where known (clinical-range table). */
  readonly unit?: string;
  /** Allowed [min, max] (numeric). */
  readonly range?: readonly [number, number];
  readonly rangeSource?: 'clinical' | 'training';
  /** Levels seen at training (categorical). */
  readonly levels?: readonly string[];
}

export type FeatureProfile =
  | {
      readonly type: 'numeric' | 'datetime';
      readonly edges: number[];
      readonly counts: number[];
      readonly missing: number;
      readonly mean: number;
      readonly sd: number;
    }
  | {
      readonly type: 'categorical';
      readonly levels: string[];
      readonly counts: number[];
      readonly missing: number;
    };

export interface Lineage {
  readonly dataset?: {
    readonly name: string;
    readonly version?: string;
    readonly contentHash?: string;
    readonly rows?: number;
  };
  readonly split?: unknown;
  readonly splitSeed?: number | null;
  readonly codeVersion: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly spec?: unknown;
  /**
   * The FHIR feature spec (fhir/feature-spec.ts) of the dataset the model was trained on, when that
   * dataset came from the FHIR feature builder: what lets the service score FHIR resources
   * (`$predict`, CDS Hooks) and derive prefetch templates. Optional, so format 1.0 is unchanged.
   */
  readonly featureSpec?: unknown;
}

export interface ArtifactManifest {
  readonly format: 'aegle.model';
  readonly formatVersion: string;
  readonly id: string;
  readonly kind: string;
  readonly aegleVersion: string;
  readonly task: Task;
  readonly target: string;
  readonly classes: readonly string[] | null;
  /** Binary: the class whose probability is reported (classes[1]). */
  readonly positiveClass: string | null;
  /** Binary decision threshold on the positive-class probability. */
  readonly threshold: number | null;
  readonly inputSchema: { readonly features: readonly FeatureSchema[] };
  /** Columns the estimator receives, after preprocessing. */
  readonly modelFeatures: readonly string[];
  readonly pipeline: FittedJSON | null;
  readonly estimator: Omit<SerializedModel, 'arrays'>;
  readonly weights: {
    readonly file: 'weights.bin';
    readonly bytes: number;
    readonly sha256: string;
    readonly arrays: readonly ArrayEntry[];
  };
  readonly metrics: Record<string, unknown>;
  readonly lineage: Lineage;
  readonly profile: Record<string, FeatureProfile>;
}

export interface ArtifactInput {
  readonly model: FittedModel;
  readonly pipeline: FittedPipeline | null;
  /** The frame the pipeline was fitted on (training rows; the target column is left out of the schema). */
  readonly trainingFrame: Frame;
  readonly target: string;
  readonly threshold?: number | null;
  readonly metrics?: Record<string, unknown>;
  readonly lineage?: Partial<Lineage>;
  readonly id?: string;
}

export interface LoadedArtifact {
  readonly dir: string;
  readonly manifest: ArtifactManifest;
  readonly pipeline: FittedPipeline | null;
  readonly model: FittedModel;
}

const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

/** Aegle's package version. */
export function aegleVersion(): string {
  try {
    return (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The git commit of the running code when available, else `aegle@<version>`. */
export function codeVersion(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: path.dirname(PACKAGE_JSON),
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    if (/^[0-9a-f]{40}$/.test(sha)) return `git:${sha}`;
  } catch {
    // not a git checkout: fall through
  }
  return `aegle@${aegleVersion()}`;
}

/** The OS account running the process (lineage's created-by unless the caller names one). */
function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

const BINS = 10;

/** Training profile of one column: deciles of the present values + counts per bin, or level counts. */
export function profileColumn(c: Column): FeatureProfile {
  if (c.kind === 'categorical') {
    const counts = new Array<number>(c.dictionary.length).fill(0);
    let missing = 0;
    for (const code of c.codes) code < 0 ? missing++ : counts[code]++;
    return { type: 'categorical', levels: [...c.dictionary], counts, missing };
  }
  const present = c.values.filter((v) => !Number.isNaN(v)).sort();
  const missing = c.values.length - present.length;
  if (present.length === 0)
    return { type: c.kind, edges: [], counts: [], missing, mean: Number.NaN, sd: Number.NaN };
  const edges: number[] = [];
  for (let b = 0; b <= BINS; b++) {
    const e = present[Math.min(present.length - 1, Math.floor((b / BINS) * (present.length - 1)))];
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  const counts = new Array<number>(Math.max(1, edges.length - 1)).fill(0);
  for (const v of present) {
    let b = 0;
    while (b < counts.length - 1 && v >= edges[b + 1]) b++;
    counts[b]++;
  }
  let mean = 0;
  for (const v of present) mean += v;
  mean /= present.length;
  let ss = 0;
  for (const v of present) ss += (v - mean) ** 2;
  return {
    type: c.kind,
    edges,
    counts,
    missing,
    mean,
    sd: present.length > 1 ? Math.sqrt(ss / (present.length - 1)) : 0,
  };
}

function featureSchema(c: Column): FeatureSchema {
  if (c.kind === 'categorical') return { name: c.name, type: 'categorical', levels: [...c.dictionary] };
  const clinical = c.kind === 'numeric' ? clinicalRangeFor(c.name) : undefined;
  if (clinical)
    return {
      name: c.name,
      type: c.kind,
      unit: clinical.unit,
      range: [clinical.min, clinical.max],
      rangeSource: 'clinical',
    };
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of c.values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo)
    ? { name: c.name, type: c.kind, range: [lo, hi], rangeSource: 'training' }
    : { name: c.name, type: c.kind };
}

function writeFileSynced(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some platforms cannot fsync a directory; the rename is still atomic
  }
}

/** JSON with NaN/±Infinity written as null. */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2);
}

/** Builds the manifest and weights of an artifact (no I/O). */
export function buildArtifact(input: ArtifactInput): { manifest: ArtifactManifest; weights: Uint8Array } {
  const s = input.model.toJSON();
  const { buffer, entries } = packArrays(s.arrays);
  const { arrays: _arrays, ...estimator } = s;
  const inputCols = input.trainingFrame.columns.filter((c) => c.name !== input.target);
  const profile: Record<string, FeatureProfile> = {};
  for (const c of inputCols) profile[c.name] = profileColumn(c);
  const classes = input.model.classes;
  const manifest: ArtifactManifest = {
    format: 'aegle.model',
    formatVersion: ARTIFACT_FORMAT_VERSION,
    id: input.id ?? newId('m'),
    kind: input.model.kind,
    aegleVersion: aegleVersion(),
    task: input.model.task,
    target: input.target,
    classes: classes ? [...classes] : null,
    positiveClass: input.model.task === 'binary' && classes ? classes[1] : null,
    threshold: input.model.task === 'binary' ? (input.threshold ?? 0.5) : null,
    inputSchema: { features: inputCols.map(featureSchema) },
    modelFeatures: [...input.model.featureNames],
    pipeline: input.pipeline ? input.pipeline.toJSON() : null,
    estimator,
    weights: { file: 'weights.bin', bytes: buffer.byteLength, sha256: sha256Hex(buffer), arrays: entries },
    metrics: input.metrics ?? {},
    lineage: {
      codeVersion: codeVersion(),
      createdBy: currentUser(),
      createdAt: new Date().toISOString(),
      ...input.lineage,
    },
    profile,
  };
  return { manifest, weights: buffer };
}

/**
 * Writes an artifact atomically to `dir` (which must not exist): temp sibling, fsync, rename.
 * Returns the manifest.
 */
export function writeArtifact(dir: string, input: ArtifactInput): ArtifactManifest {
  const { manifest, weights } = buildArtifact(input);
  writeArtifactFiles(dir, manifest, weights);
  return manifest;
}

/** Writes prepared manifest + weights atomically. */
export function writeArtifactFiles(dir: string, manifest: ArtifactManifest, weights: Uint8Array): void {
  const parent = path.dirname(path.resolve(dir));
  mkdirSync(parent, { recursive: true });
  if (existsSync(dir)) throw createError('AEGLE_REGISTRY_EXISTS', { path: dir });
  const tmp = path.join(parent, `.tmp-${path.basename(dir)}-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    writeFileSynced(path.join(tmp, 'weights.bin'), weights);
    writeFileSynced(path.join(tmp, 'manifest.json'), `${toJson(manifest)}\n`);
    fsyncDir(tmp);
    renameSync(tmp, dir);
    fsyncDir(parent);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Reads an artifact directory: manifest checked, weights verified, pipeline and model restored. */
export function loadArtifact(dir: string): LoadedArtifact {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw createError('AEGLE_REGISTRY_NOT_FOUND', { path: dir, reason: 'no manifest.json' });
  let manifest: ArtifactManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ArtifactManifest;
  } catch (e) {
    throw createError(
      'AEGLE_REGISTRY_DAMAGED',
      { path: dir, reason: 'manifest.json is not valid JSON' },
      { cause: e },
    );
  }
  if (manifest.format !== 'aegle.model')
    throw createError('AEGLE_REGISTRY_DAMAGED', {
      path: dir,
      reason: "manifest.json is not an Aegle model manifest (format is not 'aegle.model')",
    });
  const major = String(manifest.formatVersion ?? '').split('.')[0];
  if (major !== ARTIFACT_FORMAT_VERSION.split('.')[0]) {
    throw createError('AEGLE_CORE_FORMAT_VERSION', {
      what: `The model artifact at '${dir}'`,
      got: manifest.formatVersion,
      expected: ARTIFACT_FORMAT_VERSION.split('.')[0],
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path.join(dir, manifest.weights.file)));
  } catch (e) {
    throw createError(
      'AEGLE_REGISTRY_DAMAGED',
      { path: dir, reason: 'weights.bin is missing' },
      { cause: e },
    );
  }
  if (bytes.byteLength !== manifest.weights.bytes || sha256Hex(bytes) !== manifest.weights.sha256) {
    throw createError('AEGLE_REGISTRY_DAMAGED', {
      path: dir,
      reason: 'weights.bin does not match the SHA-256 in manifest.json',
    });
  }
  const serialized: SerializedModel = {
    ...manifest.estimator,
    arrays: unpackArrays(bytes, manifest.weights.arrays),
  };
  const model = loadFittedModel(serialized);
  const pipeline = manifest.pipeline ? (fittedFromJSON(manifest.pipeline) as FittedPipeline) : null;
  return { dir, manifest, pipeline, model };
}

export interface Prediction {
  /** Class codes (into `classes`) or regression values, one per input row. */
  readonly predictions: Float64Array;
  /** Probabilities n × K (classification) or null. */
  readonly proba: Float64Array | null;
  readonly classes: readonly string[] | null;
}

/** Selects and checks the model's input columns of a frame (names and types as at training). */
export function checkInputFrame(artifact: LoadedArtifact, frame: Frame): Frame {
  const features = artifact.manifest.inputSchema.features;
  const found = columnsInOrder(
    frame.columns,
    features.map((f) => f.name),
  );
  const cols = features.map((f, j) => {
    const c = found[j];
    if (!c) throw columnNotFound(f.name, frame.columns, ' (required by the model)');
    if (f.type === 'categorical' && c.kind !== 'categorical')
      return {
        kind: 'categorical',
        name: c.name,
        codes: numericAsCodes(c),
        dictionary: numericDictionary(c),
      } as Column;
    if (f.type !== 'categorical' && c.kind === 'categorical') {
      throw createError('AEGLE_REGISTRY_INPUT', {
        column: f.name,
        problem: `must be ${f.type} but holds text (e.g. '${c.dictionary[0] ?? ''}')`,
      });
    }
    return c;
  });
  const roles: Frame['roles'] = {};
  return { nRows: frame.nRows, columns: cols, roles };
}

/**
 * The first column of each of the distinct `names`, in that order (undefined where there is none),
 * as `columns.find` by name would give it: by position while the frame has the same order from its
 * start (a scored request's frame does; the columns matched so far carry the other names, so each
 * is the first of its name), and through a map of the names from the first column out of place.
 */
export function columnsInOrder(columns: readonly Column[], names: readonly string[]): (Column | undefined)[] {
  const out = new Array<Column | undefined>(names.length);
  let byName: Map<string, Column> | null = null;
  for (let j = 0; j < names.length; j++) {
    const c = columns[j];
    if (byName === null && c !== undefined && c.name === names[j]) {
      out[j] = c;
      continue;
    }
    if (!byName) {
      byName = new Map();
      for (const x of columns) if (!byName.has(x.name)) byName.set(x.name, x);
    }
    out[j] = byName.get(names[j]);
  }
  return out;
}

function numericDictionary(c: Column): string[] {
  if (c.kind === 'categorical') return [...c.dictionary];
  return [...new Set([...c.values].filter((v) => !Number.isNaN(v)).map(String))].sort();
}
function numericAsCodes(c: Column): Int32Array {
  const dict = numericDictionary(c);
  const index = new Map(dict.map((d, i) => [d, i]));
  const vals = (c as { values: Float64Array }).values;
  return Int32Array.from(vals, (v) => (Number.isNaN(v) ? -1 : index.get(String(v))!));
}

/**
 * The model-space matrix of a frame: the artifact's exact fitted pipeline (prediction mode), then the
 * model's features in order. `validate: false` skips the input check when the caller has done it.
 */
export function modelMatrix(
  artifact: LoadedArtifact,
  frame: Frame,
  opts: { validate?: boolean } = {},
): Matrix {
  let cur = opts.validate === false ? frame : checkInputFrame(artifact, frame);
  if (artifact.pipeline) cur = artifact.pipeline.transform(cur, { mode: 'predict' });
  const names = artifact.manifest.modelFeatures;
  const n = cur.nRows;
  const data = new Float64Array(n * names.length);
  const found = columnsInOrder(cur.columns, names);
  names.forEach((name, j) => {
    const c = found[j];
    if (!c) throw columnNotFound(name, cur.columns, ' (model input after preprocessing)');
    if (c.kind === 'categorical')
      throw createError('AEGLE_REGISTRY_INPUT', {
        column: name,
        problem: 'is still categorical after preprocessing',
      });
    data.set(c.values, j * n);
  });
  return { data, nRows: n, nCols: names.length, columns: [...names] };
}

/** Applies the artifact's exact fitted pipeline (prediction mode) and then its model. */
export function predictFrame(artifact: LoadedArtifact, frame: Frame): Prediction {
  const X = modelMatrix(artifact, frame);
  const n = X.nRows;
  const model = artifact.model;
  if (model.task === 'regression') return { predictions: model.predict(X), proba: null, classes: null };
  const proba = model.predictProba(X);
  const K = model.classes!.length;
  const predictions = new Float64Array(n);
  const threshold = artifact.manifest.threshold ?? 0.5;
  for (let i = 0; i < n; i++) {
    if (model.task === 'binary') predictions[i] = proba[2 * i + 1] >= threshold ? 1 : 0;
    else {
      let best = 0;
      for (let k = 1; k < K; k++) if (proba[i * K + k] > proba[i * K + best]) best = k;
      predictions[i] = best;
    }
  }
  return { predictions, proba, classes: model.classes };
}
