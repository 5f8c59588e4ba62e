/**
 * Open Inference Protocol v2 (KServe / Triton REST; https://github.com/kserve/open-inference-protocol,
 * `docs/REST/oip-rest.md` there): health, server and model metadata, readiness and `infer` with
 * tensor JSON. A model is a registry name; a version is a registry version number (without one, the
 * `champion` alias or the latest version). Two input layouts are accepted: one tensor per feature
 * (named as the feature, shape [n] or [n, 1]), or a single [n, F] tensor in the model's feature order.
 * Errors are `{"error": "..."}` as the protocol requires.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createError, isAegleError } from '../../core/index.js';
import { type InputRow, type NativeModel, OnnxServedModel } from '../../runtime/index.js';
import {
  dtypeFromOip,
  oipDatatype,
  type TensorData,
  tensorFromJson,
  tensorToJson,
} from '../../runtime/onnx/index.js';
import { inputHash, rawJsonParser } from './models.js';
import type { Service } from '../service.js';

const DATATYPES = [
  'BOOL',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

const Tensor = Type.Object({
  name: Type.String(),
  shape: Type.Array(Type.Integer({ minimum: 0 })),
  datatype: Type.Union(DATATYPES.map((d) => Type.Literal(d))),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  data: Type.Array(Type.Unknown()),
});

const InferRequest = Type.Object({
  id: Type.Optional(Type.String()),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  inputs: Type.Array(Tensor, { minItems: 1 }),
  outputs: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }),
    ),
  ),
});

const OutTensor = Type.Object({
  name: Type.String(),
  shape: Type.Array(Type.Integer()),
  datatype: Type.String(),
  data: Type.Array(Type.Unknown()),
});
const InferResponse = Type.Object({
  model_name: Type.String(),
  model_version: Type.String(),
  id: Type.String(),
  outputs: Type.Array(OutTensor),
});
const ErrorBody = Type.Object({ error: Type.String() });
const errs = { '4xx': ErrorBody, '5xx': ErrorBody };

const TensorMeta = Type.Object({
  name: Type.String(),
  datatype: Type.String(),
  shape: Type.Array(Type.Integer()),
});
const ModelMeta = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String()),
  platform: Type.String(),
  inputs: Type.Array(TensorMeta),
  outputs: Type.Array(TensorMeta),
});

function oipBad(detail: string): Error {
  return createError('AEGLE_SERVE_VALIDATION', { detail });
}

function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? (data.flat(Number.POSITIVE_INFINITY) as unknown[]) : data;
}

function checkValue(v: unknown, datatype: string, where: string): number | string | boolean | null {
  if (v === null) return null;
  if (datatype === 'BYTES') {
    if (typeof v !== 'string') throw oipBad(`${where}: BYTES data must be strings`);
    return v;
  }
  if (datatype === 'BOOL') {
    if (typeof v !== 'boolean') throw oipBad(`${where}: BOOL data must be true/false`);
    return v;
  }
  if (typeof v !== 'number') throw oipBad(`${where}: ${datatype} data must be numbers`);
  if (datatype.startsWith('INT') || datatype.startsWith('UINT')) {
    if (!Number.isInteger(v)) throw oipBad(`${where}: ${datatype} data must be integers`);
  }
  return v;
}

/** Turns OIP input tensors into rows keyed by feature name. */
export function tensorsToRows(
  model: NativeModel,
  inputs: readonly { name: string; shape: number[]; datatype: string; data: unknown[] }[],
): InputRow[] {
  const features = model.features;
  const checked = inputs.map((t) => {
    const data = flatten(t.data);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw oipBad(
        `input '${t.name}': shape [${t.shape.join(', ')}] holds ${size} values but data has ${data.length}`,
      );
    return { ...t, data };
  });
  if (
    checked.length === 1 &&
    checked[0].shape.length === 2 &&
    checked[0].shape[1] === features.length &&
    !features.some((f) => f.name === checked[0].name)
  ) {
    const t = checked[0];
    const n = t.shape[0];
    const F = features.length;
    const rows: Record<string, unknown>[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const row: Record<string, unknown> = {};
      for (let j = 0; j < F; j++)
        row[features[j].name] = checkValue(t.data[i * F + j], t.datatype, `input '${t.name}'`);
      rows[i] = row;
    }
    return rows;
  }
  let n = -1;
  for (const t of checked) {
    if (t.shape.length === 0 || t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1))
      throw oipBad(
        `input '${t.name}': shape must be [n] or [n, 1] (or send one [n, ${features.length}] tensor)`,
      );
    if (n >= 0 && t.shape[0] !== n)
      throw oipBad(`input '${t.name}' has ${t.shape[0]} rows; the others have ${n}`);
    n = t.shape[0];
  }
  const rows: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  for (const t of checked) {
    for (let i = 0; i < n; i++) rows[i][t.name] = checkValue(t.data[i], t.datatype, `input '${t.name}'`);
  }
  return rows;
}

export function oipRoutes(service: Service) {
  return async function plugin(app: FastifyInstance) {
    rawJsonParser(app, service.config.serve.predictBodyLimit);
    app.get(
      '/health/live',
      {
        config: { public: true },
        schema: { tags: ['oip'], security: [], response: { 200: Type.Object({ live: Type.Boolean() }) } },
      },
      async () => ({ live: true }),
    );
    app.get(
      '/health/ready',
      {
        config: { public: true },
        schema: {
          tags: ['oip'],
          security: [],
          response: {
            200: Type.Object({ ready: Type.Boolean() }),
            503: Type.Object({ ready: Type.Boolean() }),
          },
        },
      },
      async (_req, reply) => {
        const r = (app as unknown as { readiness?: { ready: boolean } }).readiness ?? { ready: true };
        return reply.code(r.ready ? 200 : 503).send({ ready: r.ready });
      },
    );
    app.get(
      '/',
      {
        config: { permission: 'models:predict' },
        schema: {
          tags: ['oip'],
          summary: 'Server metadata',
          response: {
            200: Type.Object({
              name: Type.String(),
              version: Type.String(),
              extensions: Type.Array(Type.String()),
            }),
            ...errs,
          },
        },
      },
      async () => ({ name: 'aegle', version: '1', extensions: [] }),
    );

    const metadata = async (name: string, version?: string) => {
      const served = await service.servedModel(name, version ?? null);
      const versions = (await service.registry.listVersions(name))
        .filter((v) => !v.archivedAt)
        .map((v) => String(v.version));
      if (served instanceof OnnxServedModel) return onnxMetadata(served, versions);
      const model = served;
      const m = model.artifact.manifest;
      return {
        name,
        versions,
        platform: `aegle_${m.kind}`,
        inputs: model.features.map((f) => ({
          name: f.name,
          datatype: f.type === 'categorical' ? 'BYTES' : 'FP64',
          shape: [-1],
        })),
        outputs:
          m.task === 'regression'
            ? [{ name: 'prediction', datatype: 'FP64', shape: [-1] }]
            : [
                { name: 'probability', datatype: 'FP64', shape: [-1] },
                { name: 'label', datatype: 'BYTES', shape: [-1] },
              ],
      };
    };
    const P1 = Type.Object({ model: Type.String({ maxLength: 64 }) });
    const P2 = Type.Object({
      model: Type.String({ maxLength: 64 }),
      version: Type.String({ pattern: '^[0-9]+$' }),
    });
    app.get(
      '/models/:model',
      {
        config: { permission: 'models:predict' },
        schema: {
          tags: ['oip'],
          summary: 'Model metadata',
          params: P1,
          response: { 200: ModelMeta, ...errs },
        },
      },
      async (req) => metadata((req.params as { model: string }).model),
    );
    app.get(
      '/models/:model/versions/:version',
      {
        config: { permission: 'models:predict' },
        schema: {
          tags: ['oip'],
          summary: 'Model version metadata',
          params: P2,
          response: { 200: ModelMeta, ...errs },
        },
      },
      async (req) => {
        const p = req.params as { model: string; version: string };
        return metadata(p.model, p.version);
      },
    );
    const ready = async (name: string, version?: string) => {
      await service.servedModel(name, version ?? null);
      return { name, ready: true };
    };
    const Ready = Type.Object({ name: Type.String(), ready: Type.Boolean() });
    app.get(
      '/models/:model/ready',
      {
        config: { permission: 'models:predict' },
        schema: { tags: ['oip'], summary: 'Model readiness', params: P1, response: { 200: Ready, ...errs } },
      },
      async (req) => ready((req.params as { model: string }).model),
    );
    app.get(
      '/models/:model/versions/:version/ready',
      {
        config: { permission: 'models:predict' },
        schema: {
          tags: ['oip'],
          summary: 'Model version readiness',
          params: P2,
          response: { 200: Ready, ...errs },
        },
      },
      async (req) => {
        const p = req.params as { model: string; version: string };
        return ready(p.model, p.version);
      },
    );

    const infer = async (req: FastifyRequest, name: string, version?: string) => {
      const body = req.body as {
        id?: string;
        inputs: { name: string; shape: number[]; datatype: string; data: unknown[] }[];
        outputs?: { name: string }[];
      };
      const served = await service.servedModel(name, version ?? null);
      if (served instanceof OnnxServedModel) return inferOnnx(service, req, served, body);
      const model = served;
      const rows = tensorsToRows(model, body.inputs);
      const { frame, raw } = model.toFrame(rows, { unknownFields: service.config.serve.unknownFields });
      const scored = model.score(frame);
      const n = scored.n;
      const v = String(model.ref.version);
      const outputs = scored.values
        ? [{ name: 'prediction', shape: [n], datatype: 'FP64', data: Array.from(scored.values) }]
        : [
            { name: 'probability', shape: [n], datatype: 'FP64', data: Array.from(scored.probability!) },
            { name: 'label', shape: [n], datatype: 'BYTES', data: scored.labels },
          ];
      const wanted = body.outputs?.map((o) => o.name);
      if (wanted) {
        const unknown = wanted.filter((w) => !outputs.some((o) => o.name === w));
        if (unknown.length)
          throw oipBad(
            `unknown output(s) ${unknown.join(', ')}; this model has ${outputs.map((o) => o.name).join(', ')}`,
          );
      }
      service.metrics.predictions.inc({ model: name, version: v }, n);
      service.metrics.predictionRequests.inc({ model: name, version: v, outcome: 'ok' });
      // answer once the prediction log and the audit entry are written (group commit)
      await Promise.all([
        service.predictionLog.commit({
          modelName: name,
          version: model.ref.version,
          requestId: String(req.id),
          rows: raw,
          probability: scored.probability,
          labels: scored.labels,
        }),
        service.audit.commit({
          actor: req.principal!.keyId,
          role: req.principal!.role,
          action: 'predict',
          resource: `model:${name}`,
          modelVersion: v,
          inputHash: inputHash(req),
          outputSummary: `oip n=${n}`,
        }),
      ]);
      return {
        model_name: name,
        model_version: v,
        id: body.id ?? String(req.id),
        outputs: wanted ? outputs.filter((o) => wanted.includes(o.name)) : outputs,
      };
    };
    const inferOpts = (params: typeof P1 | typeof P2) => ({
      config: { permission: 'models:predict' as const },
      bodyLimit: service.config.serve.predictBodyLimit,
      schema: {
        tags: ['oip'],
        summary: 'Inference',
        params,
        body: InferRequest,
        response: { 200: InferResponse, ...errs },
      },
    });
    app.post('/models/:model/infer', inferOpts(P1), async (req) =>
      infer(req, (req.params as { model: string }).model),
    );
    app.post('/models/:model/versions/:version/infer', inferOpts(P2), async (req) => {
      const p = req.params as { model: string; version: string };
      return infer(req, p.model, p.version);
    });
  };
}

/** OIP model metadata of an ONNX model: its own tensors; dynamic dims as -1. */
function onnxMetadata(m: OnnxServedModel, versions: string[]) {
  const meta = (specs: OnnxServedModel['model']['inputs']) =>
    specs
      .filter((t) => t.isTensor && t.dtype)
      .map((t) => ({
        name: t.name,
        datatype: oipDatatype(t.dtype!),
        shape: t.shape.map((d) => (typeof d === 'number' ? d : -1)),
      }));
  return {
    name: m.ref.name,
    versions,
    platform: 'onnxruntime_onnx',
    inputs: meta(m.model.inputs),
    outputs: meta(m.model.outputs),
  };
}

type OipBody = {
  id?: string;
  inputs: { name: string; shape: number[]; datatype: string; data: unknown[] }[];
  outputs?: { name: string }[];
};

/** OIP infer on an ONNX model: the model's own tensor names and dtypes, through its dynamic batcher. */
async function inferOnnx(service: Service, req: FastifyRequest, m: OnnxServedModel, body: OipBody) {
  const { name } = m.ref;
  const v = String(m.ref.version);
  const feeds: Record<string, TensorData> = {};
  for (const t of body.inputs) {
    const dtype = dtypeFromOip(t.datatype);
    if (!dtype)
      throw oipBad(
        `input '${t.name}': datatype ${t.datatype} is not supported (FP32, FP16, FP64, INT32, INT64, UINT8, BOOL, BYTES)`,
      );
    if (feeds[t.name]) throw oipBad(`input '${t.name}' is given twice`);
    feeds[t.name] = tensorFromJson(t.name, dtype, t.shape, t.data, `${name}@${v}`);
  }
  const wanted = body.outputs?.map((o) => o.name);
  let out: Record<string, TensorData>;
  try {
    out = await m.infer(feeds, wanted ? { outputs: wanted } : {});
  } catch (e) {
    if (isAegleError(e, 'AEGLE_RUNTIME_QUEUE_FULL'))
      service.onnxMetrics.queueFull.inc({ model: name, version: v });
    service.metrics.predictionRequests.inc({ model: name, version: v, outcome: 'rejected' });
    throw e;
  }
  const rows = body.inputs[0]?.shape[0] ?? 1;
  service.metrics.predictions.inc({ model: name, version: v }, rows);
  service.metrics.predictionRequests.inc({ model: name, version: v, outcome: 'ok' });
  await service.audit.commit({
    actor: req.principal!.keyId,
    role: req.principal!.role,
    action: 'predict',
    resource: `model:${name}`,
    modelVersion: v,
    inputHash: inputHash(req),
    outputSummary: `oip onnx n=${rows}`,
  });
  return {
    model_name: name,
    model_version: v,
    id: body.id ?? String(req.id),
    outputs: Object.entries(out).map(([o, t]) => ({
      name: o,
      shape: [...t.shape],
      datatype: oipDatatype(t.dtype),
      data: tensorToJson(t),
    })),
  };
}
