/**
 * A registered ONNX model ready to serve: the artifact (manifest kind `onnx` + model.onnx + descriptor)
 * loaded into an `OnnxEndpoint` with the descriptor's batching settings. It answers the three request
 * shapes the service takes: OIP v2 tensors (`infer`), tabular rows (`predictRows`, one [N, p] input)
 * and an image or DICOM file (`predictFile`, through the stored preprocessing).
 *
 * Also what registration runs first (`stageOnnxArtifact`): the model is loaded (so an invalid or
 * unrunnable file is refused), the descriptor validated against its tensor names, and the inputs and
 * outputs it declares become the artifact's input schema.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createError, type Logger, newId } from '../core/index.js';
import { type DicomMetadata, imageToTensor, isDicom, readDicom, readImage } from '../ingest/dicom/index.js';
import {
  type ModelRegistry,
  type ModelVersionInfo,
  type OnnxArtifactManifest,
  loadOnnxArtifact,
  writeOnnxArtifact,
} from '../registry/index.js';
import type { BatcherStats } from './batcher.js';
import { NativeModel } from './native-model.js';
import { type OnnxDescriptor, validateDescriptor } from './onnx/descriptor.js';
import { type InferOptions, OnnxEndpoint } from './onnx/endpoint.js';
import { OnnxModel } from './onnx/model.js';
import { type Classification, classify } from './onnx/postprocess.js';
import { type TensorData, tensorFromJson, toFloat16Array, toNumbers } from './onnx/tensor.js';
import './onnx/errors.js';

export interface ModelRef {
  readonly name: string;
  readonly version: number;
}

/** The result of one REST prediction on an ONNX model. */
export interface OnnxPrediction {
  /** Classification per row (classification models). */
  readonly classifications: Classification[] | null;
  /** Values per row (other tasks: the output tensor, flattened per row). */
  readonly values: number[][] | null;
}

export interface OnnxFilePrediction extends OnnxPrediction {
  readonly source: 'dicom' | 'image';
  /** DICOM header fields for the report. Holds PHI (dates): never log it. */
  readonly dicom: DicomMetadata | null;
}

export interface OnnxLoadOptions {
  readonly logger?: Logger;
  /** Observe each executed batch (rows, compute seconds), e.g. for a Prometheus histogram. */
  readonly onBatch?: (ref: ModelRef, rows: number, seconds: number) => void;
  readonly device?: 'cpu' | 'cuda';
  /** Where the session runs (default 'worker': a thread of the model's own; see OnnxModelOptions.thread). */
  readonly thread?: 'worker' | 'main';
}

export class OnnxServedModel {
  readonly kind = 'onnx' as const;

  private constructor(
    readonly ref: ModelRef,
    readonly manifest: OnnxArtifactManifest,
    readonly descriptor: OnnxDescriptor,
    readonly endpoint: OnnxEndpoint,
  ) {}

  /** Loads a stored ONNX artifact (model SHA-256 verified) behind a dynamic batcher. */
  static async load(dir: string, ref: ModelRef, opts: OnnxLoadOptions = {}): Promise<OnnxServedModel> {
    const a = loadOnnxArtifact(dir);
    const descriptor = validateDescriptor(a.descriptor, `${ref.name}@${ref.version} descriptor.json`);
    const endpoint = await OnnxEndpoint.create(a.model, {
      name: `${ref.name}@${ref.version}`,
      descriptor,
      batching: descriptor.batching,
      logger: opts.logger,
      device: opts.device,
      thread: opts.thread,
    });
    if (opts.onBatch) {
      const cb = opts.onBatch;
      endpoint.onBatch = (rows, seconds) => cb(ref, rows, seconds);
    }
    return new OnnxServedModel(ref, a.manifest, descriptor, endpoint);
  }

  get model(): OnnxModel {
    return this.endpoint.model;
  }

  /** The input the REST route fills (descriptor `input`, else the first). */
  get inputName(): string {
    return this.descriptor.input ?? this.model.inputs[0].name;
  }

  /** The output read for the classification (descriptor `output`, else the first tensor output). */
  get outputName(): string {
    return this.descriptor.output ?? this.model.tensorOutputNames()[0];
  }

  stats(): BatcherStats {
    return this.endpoint.stats();
  }

  /** Tensors in, tensors out, through the batcher (OIP v2 `infer`). */
  infer(
    feeds: Readonly<Record<string, TensorData>>,
    opts?: InferOptions,
  ): Promise<Record<string, TensorData>> {
    return this.endpoint.infer(feeds, opts);
  }

  /**
   * Scores tabular rows: each an array of p values (the input's column order) or an object keyed by
   * the descriptor's `featureNames`. The model must have one input of shape [N, p].
   */
  async predictRows(rows: readonly unknown[], opts?: InferOptions): Promise<OnnxPrediction> {
    const spec = this.model.inputs.find((s) => s.name === this.inputName);
    const bad = (reason: string) =>
      createError('AEGLE_RUNTIME_ONNX_REQUEST', { model: this.model.name, reason });
    if (!spec || this.model.inputs.length !== 1 || spec.shape.length !== 2 || !spec.dtype)
      throw bad('rows need a model with one [N, p] tensor input; use OIP v2 infer for this model');
    const p = typeof spec.shape[1] === 'number' ? spec.shape[1] : this.descriptor.featureNames?.length;
    if (!p) throw bad('the input width is dynamic and the descriptor names no featureNames');
    const names = this.descriptor.featureNames;
    const flat: unknown[] = new Array(rows.length * p);
    rows.forEach((r, i) => {
      if (Array.isArray(r)) {
        if (r.length !== p) throw bad(`row ${i} has ${r.length} values; the model takes ${p}`);
        for (let j = 0; j < p; j++) flat[i * p + j] = r[j];
      } else if (r && typeof r === 'object' && names) {
        for (let j = 0; j < p; j++) {
          const v = (r as Record<string, unknown>)[names[j]];
          if (v === undefined) throw bad(`row ${i}: '${names[j]}' is required`);
          flat[i * p + j] = v;
        }
      } else
        throw bad(
          `row ${i} must be an array of ${p} values${names ? ` or an object with ${names.join(', ')}` : ''}`,
        );
    });
    const t = tensorFromJson(spec.name, spec.dtype, [rows.length, p], flat, this.model.name);
    return this.interpret(await this.endpoint.infer({ [spec.name]: t }, opts));
  }

  /** Decodes a DICOM or PNG/JPEG file, applies the stored preprocessing and scores it. */
  async predictFile(bytes: Uint8Array, opts?: InferOptions): Promise<OnnxFilePrediction> {
    const pre = this.descriptor.preprocessing;
    if (!pre)
      throw createError('AEGLE_RUNTIME_ONNX_REQUEST', {
        model: this.model.name,
        reason: "its descriptor has no image 'preprocessing'",
      });
    let dicom: DicomMetadata | null = null;
    let image: Awaited<ReturnType<typeof readImage>>;
    if (isDicom(bytes)) {
      const inst = await readDicom(bytes, 'upload');
      if (!inst.frames.length)
        throw createError('AEGLE_RUNTIME_ONNX_REQUEST', {
          model: this.model.name,
          reason: 'the DICOM file holds no pixel data',
        });
      dicom = inst.metadata;
      image = inst.frames[0];
    } else image = await readImage(bytes, 'upload');
    const it = imageToTensor(image, pre);
    const spec = this.model.inputs.find((s) => s.name === this.inputName);
    // models declaring a symbolic batch dim take the [1, …] tensor as is; fixed dims are checked by validateFeeds
    const data =
      it.dtype === 'float16'
        ? toFloat16Array(it.data as Float32Array)
        : (it.data as Float32Array | Uint8Array);
    const shape = spec && spec.shape.length === it.shape.length - 1 ? it.shape.slice(1) : it.shape;
    const out = await this.endpoint.infer({ [this.inputName]: { dtype: it.dtype, shape, data } }, opts);
    return { ...this.interpret(out), source: dicom ? 'dicom' : 'image', dicom };
  }

  private interpret(out: Record<string, TensorData>): OnnxPrediction {
    const t = out[this.outputName] ?? Object.values(out)[0];
    if (this.descriptor.task === 'classification' || (t.dtype === 'int64' && t.shape.length <= 2))
      return { classifications: classify(t, this.descriptor), values: null };
    const v = toNumbers(t);
    const rows = t.shape[0] ?? 1;
    const k = rows ? v.length / rows : 0;
    return {
      classifications: null,
      values: Array.from({ length: rows }, (_, i) => Array.from(v.subarray(i * k, (i + 1) * k))),
    };
  }

  /** Closes once no request is queued or executing (at most `graceMs` later). */
  async retire(graceMs = 30_000): Promise<void> {
    const until = Date.now() + graceMs;
    while (Date.now() < until) {
      const s = this.stats();
      if (s.queueDepth === 0 && s.executing === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.endpoint.close();
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }
}

/** What the model cache holds: a native Aegle model or an ONNX one. */
export type ServedModel = NativeModel | OnnxServedModel;

/** Loads a stored artifact by its manifest kind. */
export async function loadServedModel(
  dir: string,
  kind: string,
  ref: ModelRef,
  opts: OnnxLoadOptions = {},
): Promise<ServedModel> {
  if (kind === 'onnx') return OnnxServedModel.load(dir, ref, opts);
  return NativeModel.load(dir, { name: ref.name, version: ref.version });
}

export interface OnnxRegistration {
  /** The model file's bytes. */
  readonly model: Uint8Array;
  /** The descriptor (parsed JSON), or none (task 'other'). */
  readonly descriptor?: unknown;
  readonly name: string;
  readonly alias?: string | null;
  readonly owner?: string | null;
  readonly intendedUse?: string | null;
  readonly description?: string | null;
  readonly createdBy?: string | null;
  /** Where the file came from (lineage). */
  readonly source?: string;
}

/**
 * Loads an ONNX model (refusing what onnxruntime cannot load or run), checks the descriptor against
 * its tensor names, and writes an artifact directory at `dir`.
 */
export async function stageOnnxArtifact(
  dir: string,
  r: Pick<OnnxRegistration, 'model' | 'descriptor' | 'source'>,
): Promise<OnnxArtifactManifest> {
  const descriptor = validateDescriptor(r.descriptor ?? {}, 'descriptor');
  const m = await OnnxModel.create(r.model, { name: r.source ? path.basename(r.source) : 'model.onnx' });
  try {
    const bad = (reason: string) =>
      createError('AEGLE_RUNTIME_ONNX_DESCRIPTOR', { file: 'descriptor', reason });
    if (descriptor.input && !m.inputs.some((s) => s.name === descriptor.input))
      throw bad(
        `'input' names '${descriptor.input}', but the model's inputs are ${m.inputs.map((s) => s.name).join(', ')}`,
      );
    if (descriptor.output && !m.tensorOutputNames().includes(descriptor.output))
      throw bad(
        `'output' names '${descriptor.output}', but the model's tensor outputs are ${m.tensorOutputNames().join(', ')}`,
      );
    return writeOnnxArtifact(dir, {
      // the stored bytes are the original file (a batch rewrite is redone, and re-checked, at load)
      model: r.model,
      descriptor: descriptor as unknown as Record<string, unknown>,
      inputs: m.inputs,
      outputs: m.outputs,
      batchable: m.batchable,
      lineage: r.source ? { spec: { importedFrom: r.source } } : {},
    });
  } finally {
    await m.close();
  }
}

/** Registers an ONNX model as the next version of `name` (staged, then stored atomically by the registry). */
export async function registerOnnxModel(
  registry: ModelRegistry,
  stagingRoot: string,
  r: OnnxRegistration,
): Promise<ModelVersionInfo> {
  const dir = path.join(stagingRoot, newId('onnx'));
  try {
    await stageOnnxArtifact(dir, r);
    return await registry.register({
      artifactDir: dir,
      name: r.name,
      alias: r.alias,
      owner: r.owner,
      intendedUse: r.intendedUse,
      description: r.description,
      createdBy: r.createdBy,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
