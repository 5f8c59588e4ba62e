/**
 * The descriptor stored beside an ONNX model (`model.onnx` → `model.descriptor.json`): what the model
 * is for and what it expects, which the model file itself cannot say. Inputs and outputs (names, dtypes,
 * shapes) are NOT here: they are read from the model.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createError } from '../../core/index.js';
import type { Preprocessing } from '../../ingest/dicom/preprocess.js';
import { validatePreprocessing } from '../../ingest/dicom/preprocess.js';
import './errors.js';

export type OnnxTask = 'classification' | 'regression' | 'segmentation' | 'detection' | 'embedding' | 'other';
const TASKS: readonly OnnxTask[] = [
  'classification',
  'regression',
  'segmentation',
  'detection',
  'embedding',
  'other',
];

export interface BatchingConfig {
  /** Rows per batch (1 turns batching off). */
  readonly maxBatchSize: number;
  /** How long the oldest request may wait for a batch to fill, in microseconds. */
  readonly maxQueueDelayMicros: number;
  readonly preferredBatchSizes?: readonly number[];
  /** Batches executing at once. */
  readonly maxConcurrency?: number;
  /** Requests waiting at most; more are refused with AEGLE_RUNTIME_QUEUE_FULL (503). */
  readonly maxQueueSize?: number;
  /** Default per-request timeout in milliseconds. */
  readonly timeoutMs?: number;
}

export interface OnnxDescriptor {
  readonly formatVersion: 1;
  readonly task: OnnxTask;
  /** Class labels in output-index order (classification). */
  readonly classLabels?: readonly string[];
  /** The input the preprocessing feeds / the REST route fills (default: the model's first input). */
  readonly input?: string;
  /** The output holding the scores or labels (default: the model's first tensor output). */
  readonly output?: string;
  /** What `output` holds: raw scores (softmax is applied), probabilities, or class indices. */
  readonly outputKind?: 'logits' | 'probabilities' | 'labels';
  /** How an image or DICOM file becomes the input tensor. */
  readonly preprocessing?: Preprocessing;
  /** Names of the columns of a tabular model's [N, p] input: REST rows may be objects keyed by them. */
  readonly featureNames?: readonly string[];
  readonly batching?: BatchingConfig;
  readonly description?: string;
}

export function descriptorPathFor(modelPath: string): string {
  return path.join(
    path.dirname(modelPath),
    `${path.basename(modelPath).replace(/\.onnx$/i, '')}.descriptor.json`,
  );
}

/** Validates a parsed descriptor; throws AEGLE_RUNTIME_ONNX_DESCRIPTOR naming the bad field. */
export function validateDescriptor(raw: unknown, file = 'descriptor'): OnnxDescriptor {
  const bad = (reason: string) => createError('AEGLE_RUNTIME_ONNX_DESCRIPTOR', { file, reason });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('expected a JSON object');
  const d = raw as Record<string, unknown>;
  const task = d.task ?? 'other';
  if (!TASKS.includes(task as OnnxTask))
    throw bad(`'task' must be one of ${TASKS.join('|')}, got ${JSON.stringify(task)}`);
  if (d.formatVersion !== undefined && d.formatVersion !== 1)
    throw bad(`'formatVersion' must be 1, got ${JSON.stringify(d.formatVersion)}`);
  if (
    d.classLabels !== undefined &&
    (!Array.isArray(d.classLabels) || !d.classLabels.every((c) => typeof c === 'string'))
  ) {
    throw bad("'classLabels' must be an array of strings");
  }
  if (
    d.featureNames !== undefined &&
    (!Array.isArray(d.featureNames) || !d.featureNames.every((c) => typeof c === 'string'))
  ) {
    throw bad("'featureNames' must be an array of strings");
  }
  for (const k of ['input', 'output', 'description'] as const) {
    if (d[k] !== undefined && typeof d[k] !== 'string') throw bad(`'${k}' must be a string`);
  }
  if (d.outputKind !== undefined && !['logits', 'probabilities', 'labels'].includes(d.outputKind as string)) {
    throw bad("'outputKind' must be logits|probabilities|labels");
  }
  if (d.preprocessing !== undefined) {
    try {
      validatePreprocessing(d.preprocessing);
    } catch (e) {
      throw bad(`preprocessing: ${(e as Error).message}`);
    }
  }
  if (d.batching !== undefined) {
    const b = d.batching as Record<string, unknown>;
    if (!b || typeof b !== 'object') throw bad("'batching' must be an object");
    if (!Number.isInteger(b.maxBatchSize) || (b.maxBatchSize as number) < 1)
      throw bad("'batching.maxBatchSize' must be an integer ≥ 1");
    if (typeof b.maxQueueDelayMicros !== 'number' || b.maxQueueDelayMicros < 0)
      throw bad("'batching.maxQueueDelayMicros' must be a number ≥ 0");
  }
  return { ...(d as object), formatVersion: 1, task } as OnnxDescriptor;
}

export function readDescriptor(file: string): OnnxDescriptor | null {
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw createError('AEGLE_RUNTIME_ONNX_DESCRIPTOR', {
      file: path.basename(file),
      reason: (e as Error).message,
    });
  }
  return validateDescriptor(parsed, path.basename(file));
}

/** Writes atomically (temp file + rename). */
export function writeDescriptor(file: string, d: OnnxDescriptor): void {
  const checked = validateDescriptor(d, path.basename(file));
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(checked, null, 2)}\n`);
  renameSync(tmp, file);
}
