/**
 * REST predictions for ONNX models (`POST /api/v1/models/{name}/predict`, same route as native ones):
 * JSON `{"rows": [...]}` for tabular models, or an image/DICOM file — multipart (one file field) or a
 * raw `application/dicom`, `image/png`, `image/jpeg` or `application/octet-stream` body — for models
 * whose descriptor stores image preprocessing. `?format=fhir` answers with a FHIR R4 Bundle holding a
 * DiagnosticReport and its Observation.
 *
 * DICOM headers hold PHI: nothing from them is logged or audited; the audit entry carries the SHA-256
 * of the uploaded bytes and the predicted class only.
 */
import { createHash, randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createError, isAegleError } from '../../core/index.js';
import { buildImagingReport, type ImagingBundle } from '../../fhir/index.js';
import { NativeModel, type OnnxPrediction, type OnnxServedModel, RowTable } from '../../runtime/index.js';
import type { Service } from '../service.js';
import { inputHash } from './models.js';

/** Content types a file body may come as (besides multipart/form-data). */
export const FILE_CONTENT_TYPES = [
  'application/dicom',
  'image/png',
  'image/jpeg',
  'application/octet-stream',
];

/** Adds the file body parsers (raw bytes and multipart) to the predict route's scope. */
export async function onnxPredictParsers(scope: FastifyInstance, service: Service): Promise<void> {
  const limit = service.config.serve.predictBodyLimit;
  scope.addContentTypeParser(
    FILE_CONTENT_TYPES,
    { parseAs: 'buffer', bodyLimit: limit },
    (_req, body, done) => done(null, body),
  );
  await scope.register(multipart, { limits: { fileSize: limit, files: 1, fields: 5 } });
}

type Query = { version?: number; alias?: string; format?: 'json' | 'fhir' };

/**
 * Answers the predict request when the model is an ONNX model; returns null for a native model with
 * a JSON body (the native handler answers), and refuses a file sent to a native model.
 */
export async function onnxPredict(
  service: Service,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | null> {
  const { name } = req.params as { name: string };
  const q = req.query as Query;
  const model = await service.servedModel(name, q.version ?? q.alias ?? null);
  const isFile = req.isMultipart() || Buffer.isBuffer(req.body);
  if (model instanceof NativeModel) {
    if (!isFile) return null;
    throw createError('AEGLE_SERVE_VALIDATION', {
      detail: `model '${name}' is a native Aegle model: send JSON {"rows": [...]}`,
    });
  }
  const version = model.ref.version;
  const v = String(version);
  const started = Date.now();
  let pred: OnnxPrediction & { source?: string; dicom?: { modality?: string | null } | null };
  let hash: string;
  let n: number;
  try {
    if (isFile) {
      const bytes = req.isMultipart() ? await multipartFile(req) : (req.body as Buffer);
      hash = createHash('sha256').update(bytes).digest('hex');
      n = 1;
      pred = await model.predictFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } else {
      const body = (req.body as { rows?: unknown[] | RowTable } | undefined)?.rows;
      const rows = body instanceof RowTable ? body.toRows() : body;
      if (!Array.isArray(rows) || rows.length === 0)
        throw createError('AEGLE_SERVE_VALIDATION', { detail: 'body.rows must be a non-empty array' });
      hash = inputHash(req);
      n = rows.length;
      pred = await model.predictRows(rows);
    }
  } catch (e) {
    // the error boundary adds Retry-After to the 503
    if (isAegleError(e, 'AEGLE_RUNTIME_QUEUE_FULL'))
      service.onnxMetrics.queueFull.inc({ model: name, version: v });
    service.metrics.predictionRequests.inc({ model: name, version: v, outcome: 'rejected' });
    service.audit.append({
      actor: req.principal!.keyId,
      role: req.principal!.role,
      action: 'predict',
      resource: `model:${name}`,
      modelVersion: v,
      inputHash: isFile ? null : inputHash(req),
      outputSummary: `rejected onnx${isAegleError(e) ? ` ${e.code}` : ''}`,
    });
    throw e;
  }
  const c = pred.classifications;
  service.metrics.predictions.inc({ model: name, version: v }, n);
  service.metrics.predictionRequests.inc({ model: name, version: v, outcome: 'ok' });
  service.audit.append({
    actor: req.principal!.keyId,
    role: req.principal!.role,
    action: 'predict',
    resource: `model:${name}${q.alias ? `@${q.alias}` : ''}`,
    modelVersion: v,
    inputHash: hash,
    outputSummary:
      n === 1 && c
        ? `onnx ${pred.source ?? 'rows'} n=1 label=${c[0].label}${c[0].probabilities ? ` p=${c[0].probabilities[c[0].classIndex].toFixed(4)}` : ''}`
        : `onnx ${pred.source ?? 'rows'} n=${n}`,
  });
  req.log.debug({ model: name, version, n, ms: Date.now() - started }, 'onnx prediction');

  if (q.format === 'fhir') {
    if (!c)
      throw createError('AEGLE_RUNTIME_ONNX_REQUEST', {
        model: `${name}@${v}`,
        reason: 'FHIR answers need a classification model',
      });
    return reply.type('application/fhir+json').send(JSON.stringify(fhirBundle(model, pred, c)));
  }
  const predictions = c
    ? c.map((x) => ({
        probability: x.probabilities ? x.probabilities[x.classIndex] : null,
        label: x.label,
        classIndex: x.classIndex,
        ...(x.probabilities ? { probabilities: x.probabilities } : {}),
        factors: [],
        warnings: [],
      }))
    : pred.values!.map((row) => ({
        probability: null,
        label: null,
        ...(row.length === 1 ? { value: row[0] } : { values: row }),
        factors: [],
        warnings: [],
      }));
  return reply.send({ model: { name, version }, requestId: String(req.id), predictions });
}

async function multipartFile(req: FastifyRequest): Promise<Buffer> {
  const file = await req.file();
  if (!file)
    throw createError('AEGLE_SERVE_BAD_UPLOAD', { reason: 'the multipart body holds no file field' });
  return file.toBuffer();
}

function fhirBundle(
  model: OnnxServedModel,
  pred: OnnxPrediction & { source?: string; dicom?: Record<string, unknown> | null },
  c: NonNullable<OnnxPrediction['classifications']>,
): ImagingBundle {
  const now = new Date().toISOString();
  const bundles = c.map((x) =>
    buildImagingReport({
      reportId: randomUUID(),
      observationId: randomUUID(),
      model: { name: model.ref.name, version: model.ref.version },
      label: x.label,
      classIndex: x.classIndex,
      probabilities: x.probabilities,
      classLabels: model.descriptor.classLabels,
      what:
        model.descriptor.description ?? (pred.source === 'dicom' ? 'DICOM image' : (pred.source ?? 'input')),
      occurrence: now,
      dicom: (pred.dicom as Parameters<typeof buildImagingReport>[0]['dicom']) ?? null,
    }),
  );
  if (bundles.length === 1) return bundles[0];
  return { ...bundles[0], entry: bundles.flatMap((b) => b.entry) };
}

/** Whether an upload part is an ONNX model or its descriptor (field `model`/`descriptor`, or `*.onnx`). */
export function isOnnxPart(fieldname: string, filename: string | undefined): boolean {
  return fieldname === 'model' || fieldname === 'descriptor' || /\.onnx$/i.test(filename ?? '');
}

/** Parses an uploaded descriptor.json (validated later, against the model). */
export function parseDescriptor(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw createError('AEGLE_RUNTIME_ONNX_DESCRIPTOR', {
      file: 'descriptor.json',
      reason: `not valid JSON (${(e as Error).message})`,
    });
  }
}
