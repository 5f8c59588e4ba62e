/**
 * An ONNX model as an Aegle artifact: a directory with `manifest.json` (kind `onnx`), `model.onnx`
 * and `descriptor.json` (task, class labels, preprocessing, batching — see runtime/onnx/descriptor.ts).
 * The manifest records the model's inputs and outputs (names, dtypes, shapes, dynamic axes) as its
 * input schema, and the SHA-256 of `model.onnx`; loading verifies it. Written atomically like every
 * artifact (temp sibling, fsync, rename). This stage reads no ONNX itself: the caller (runtime)
 * hands in the tensor schema it read from the loaded model.
 */
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
import path from 'node:path';
import { createError, newId, sha256Hex } from '../core/index.js';
import { ARTIFACT_FORMAT_VERSION, aegleVersion, codeVersion, type Lineage } from './artifact.js';

/** One input or output tensor as the model declares it. */
export interface OnnxTensorSchema {
  readonly name: string;
  readonly isTensor: boolean;
  /** Runtime dtype (float32, float16, float64, int32, int64, uint8, bool, string) or null (map/sequence). */
  readonly dtype: string | null;
  /** A number for a fixed dim, a string (symbol or '?') for a dynamic one. */
  readonly shape: ReadonlyArray<number | string>;
  readonly dynamicAxes: readonly number[];
}

export interface OnnxArtifactManifest {
  readonly format: 'aegle.model';
  readonly formatVersion: string;
  readonly id: string;
  readonly kind: 'onnx';
  readonly aegleVersion: string;
  /** The descriptor's task (classification, regression, …). */
  readonly task: string;
  readonly target: null;
  readonly classes: readonly string[] | null;
  readonly positiveClass: null;
  readonly threshold: null;
  readonly inputSchema: {
    /** Tabular features (none: an ONNX model takes tensors). */
    readonly features: readonly never[];
    readonly tensors: {
      readonly inputs: readonly OnnxTensorSchema[];
      readonly outputs: readonly OnnxTensorSchema[];
      readonly batchable: boolean;
    };
  };
  readonly onnx: {
    readonly file: 'model.onnx';
    readonly bytes: number;
    readonly sha256: string;
    readonly descriptor: 'descriptor.json';
  };
  readonly metrics: Record<string, unknown>;
  readonly lineage: Lineage;
}

export interface OnnxArtifactInput {
  readonly model: Uint8Array;
  /** Validated descriptor (plain JSON). */
  readonly descriptor: Readonly<Record<string, unknown>> & { readonly task?: string };
  readonly inputs: readonly OnnxTensorSchema[];
  readonly outputs: readonly OnnxTensorSchema[];
  readonly batchable: boolean;
  readonly metrics?: Record<string, unknown>;
  readonly lineage?: Partial<Lineage>;
}

export interface LoadedOnnxArtifact {
  readonly dir: string;
  readonly manifest: OnnxArtifactManifest;
  readonly model: Uint8Array;
  readonly descriptor: Record<string, unknown>;
  /** Raw manifest bytes (hashed into the registry's artifact hash). */
  readonly manifestBytes: Uint8Array;
}

/** True when a manifest (parsed JSON) describes an ONNX artifact. */
export function isOnnxManifest(m: unknown): m is OnnxArtifactManifest {
  return Boolean(m && typeof m === 'object' && (m as { kind?: unknown }).kind === 'onnx');
}

/** The kind recorded in an artifact directory's manifest, or null when there is none. */
export function artifactKind(dir: string): string | null {
  try {
    return (
      (JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { kind?: string }).kind ?? null
    );
  } catch {
    return null;
  }
}

export function buildOnnxManifest(input: OnnxArtifactInput): OnnxArtifactManifest {
  const d = input.descriptor;
  const labels = Array.isArray(d.classLabels) ? (d.classLabels as string[]) : null;
  return {
    format: 'aegle.model',
    formatVersion: ARTIFACT_FORMAT_VERSION,
    id: newId('m'),
    kind: 'onnx',
    aegleVersion: aegleVersion(),
    task: typeof d.task === 'string' ? d.task : 'other',
    target: null,
    classes: labels,
    positiveClass: null,
    threshold: null,
    inputSchema: {
      features: [],
      tensors: { inputs: input.inputs, outputs: input.outputs, batchable: input.batchable },
    },
    onnx: {
      file: 'model.onnx',
      bytes: input.model.byteLength,
      sha256: sha256Hex(input.model),
      descriptor: 'descriptor.json',
    },
    metrics: input.metrics ?? {},
    lineage: {
      codeVersion: codeVersion(),
      createdBy: 'aegle',
      createdAt: new Date().toISOString(),
      ...input.lineage,
    },
  };
}

function writeSynced(file: string, data: string | Uint8Array): void {
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

/** Writes manifest + model + descriptor atomically to `dir` (which must not exist). */
export function writeOnnxArtifactFiles(
  dir: string,
  manifest: OnnxArtifactManifest,
  model: Uint8Array,
  descriptor: unknown,
): void {
  const parent = path.dirname(path.resolve(dir));
  mkdirSync(parent, { recursive: true });
  if (existsSync(dir)) throw createError('AEGLE_REGISTRY_EXISTS', { path: dir });
  const tmp = path.join(parent, `.tmp-${path.basename(dir)}-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    writeSynced(path.join(tmp, 'model.onnx'), model);
    writeSynced(path.join(tmp, 'descriptor.json'), `${JSON.stringify(descriptor, null, 2)}\n`);
    writeSynced(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Builds and writes an ONNX artifact; returns its manifest. */
export function writeOnnxArtifact(dir: string, input: OnnxArtifactInput): OnnxArtifactManifest {
  const manifest = buildOnnxManifest(input);
  writeOnnxArtifactFiles(dir, manifest, input.model, input.descriptor);
  return manifest;
}

/** Reads an ONNX artifact directory, verifying the model's SHA-256 against the manifest. */
export function loadOnnxArtifact(dir: string): LoadedOnnxArtifact {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw createError('AEGLE_REGISTRY_NOT_FOUND', { path: dir, reason: 'no manifest.json' });
  const manifestBytes = new Uint8Array(readFileSync(manifestPath));
  let manifest: OnnxArtifactManifest;
  try {
    manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as OnnxArtifactManifest;
  } catch (e) {
    throw createError(
      'AEGLE_REGISTRY_DAMAGED',
      { path: dir, reason: 'manifest.json is not valid JSON' },
      { cause: e },
    );
  }
  if (manifest.format !== 'aegle.model' || manifest.kind !== 'onnx' || !manifest.onnx)
    throw createError('AEGLE_REGISTRY_DAMAGED', {
      path: dir,
      reason: 'manifest.json is not an ONNX artifact',
    });
  const major = String(manifest.formatVersion ?? '').split('.')[0];
  if (major !== ARTIFACT_FORMAT_VERSION.split('.')[0]) {
    throw createError('AEGLE_CORE_FORMAT_VERSION', {
      what: `The model artifact at '${dir}'`,
      got: manifest.formatVersion,
      expected: ARTIFACT_FORMAT_VERSION.split('.')[0],
    });
  }
  let model: Uint8Array;
  try {
    model = new Uint8Array(readFileSync(path.join(dir, manifest.onnx.file)));
  } catch (e) {
    throw createError('AEGLE_REGISTRY_DAMAGED', { path: dir, reason: 'model.onnx is missing' }, { cause: e });
  }
  if (model.byteLength !== manifest.onnx.bytes || sha256Hex(model) !== manifest.onnx.sha256)
    throw createError('AEGLE_REGISTRY_DAMAGED', {
      path: dir,
      reason: 'model.onnx does not match the SHA-256 in manifest.json',
    });
  let descriptor: Record<string, unknown> = {};
  const dPath = path.join(dir, manifest.onnx.descriptor);
  if (existsSync(dPath)) {
    try {
      descriptor = JSON.parse(readFileSync(dPath, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw createError(
        'AEGLE_REGISTRY_DAMAGED',
        { path: dir, reason: 'descriptor.json is not valid JSON' },
        { cause: e },
      );
    }
  }
  return { dir, manifest, model, descriptor, manifestBytes };
}
