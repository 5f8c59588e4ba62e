/**
 * The model registry over HTTP (list, versions, metrics, report, artifact download, aliases,
 * archive, registration from a job or an upload), predictions, and drift.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createError, newId, sha256Hex } from '../../core/index.js';
import { reportFiles } from '../../jobs/index.js';
import { type DriftMethod, modelDrift, recentInputs } from '../../monitor/index.js';
import { homePaths } from '../../store/index.js';
import { type InputRow, RowTable, readRowTable } from '../../runtime/index.js';
import {
  DEFAULT_FACTOR_ROWS,
  DEFAULT_FACTORS,
  predictionFactors,
  trainingRangeWarnings,
} from '../prediction-extras.js';
import { Json, NameParam, responses } from '../schemas.js';
import { isOnnxPart, onnxPredict, onnxPredictParsers, parseDescriptor } from './onnx-predict.js';
import type { RegisterOptions } from '../../registry/index.js';
import { registerOnnxModel } from '../../runtime/index.js';
import { readPooledBody } from '../body.js';
import { type BodyHelper, bodyHelper } from '../body-helper.js';
import { writePredictResponse } from '../predict-response.js';
import type { Service } from '../service.js';

const ModelInfo = Type.Object({
  name: Type.String(),
  owner: Type.Union([Type.String(), Type.Null()]),
  intendedUse: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  archivedAt: Type.Union([Type.String(), Type.Null()]),
  latestVersion: Type.Union([Type.Integer(), Type.Null()]),
  aliases: Type.Record(Type.String(), Type.Integer()),
});

const VersionInfo = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  artifactHash: Type.String(),
  kind: Type.String(),
  task: Type.String(),
  metrics: Json,
  lineage: Json,
  createdAt: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  jobId: Type.Union([Type.String(), Type.Null()]),
  archivedAt: Type.Union([Type.String(), Type.Null()]),
  aliases: Type.Array(Type.String()),
});

const VersionParams = Type.Object({
  name: Type.String({ maxLength: 64 }),
  version: Type.Integer({ minimum: 1 }),
});
const RefQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1 })),
  alias: Type.Optional(Type.String({ maxLength: 64 })),
  format: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('fhir')], {
      description: 'fhir: a FHIR R4 Bundle (DiagnosticReport + Observation; ONNX classification models)',
    }),
  ),
});

// `type: [x, 'null']` rather than anyOf: fast-json-stringify serialises it without trying branches
export const Prediction = Type.Object({
  probability: Type.Unsafe<number | null>({
    type: ['number', 'null'],
    description: 'positive-class probability (binary), top-class probability (multiclass)',
  }),
  label: Type.Unsafe<string | null>({
    type: ['string', 'null'],
    description: "class at the model's threshold",
  }),
  value: Type.Optional(Type.Number()),
  classIndex: Type.Optional(Type.Integer({ description: 'ONNX classifiers: index of the predicted class' })),
  probabilities: Type.Optional(Type.Array(Type.Number(), { description: 'ONNX classifiers: per class' })),
  values: Type.Optional(Type.Array(Type.Number(), { description: 'ONNX non-classifiers: the output row' })),
  factors: Type.Array(
    Type.Object({
      feature: Type.String(),
      value: Type.Unsafe<number | null>({ type: ['number', 'null'] }),
      contribution: Type.Number({ description: "SHAP value in the model's additive space (log-odds)" }),
      direction: Type.Union([Type.Literal('increases'), Type.Literal('decreases')]),
      text: Type.String(),
    }),
    { description: 'top factors (SHAP), largest |contribution| first; empty where not computed' },
  ),
  warnings: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'advisory: inputs outside the range seen at training (native models; always present for them)',
    }),
  ),
});

const PredictQuery = Type.Object({
  ...RefQuery.properties,
  factors: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 50, description: 'top factors per row (default 5; 0 skips them)' }),
  ),
  factorRows: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 10_000,
      description: 'rows of the request that get factors (the first N; default 100)',
    }),
  ),
});

export const PredictResponse = Type.Object({
  model: Type.Object({ name: Type.String(), version: Type.Integer() }),
  requestId: Type.String(),
  predictions: Type.Array(Prediction),
});

/** Bodies from this size on are tried with the columnar row reader before `JSON.parse`. */
const ROW_TABLE_MIN_BYTES = 16 * 1024;

/**
 * A JSON body parser that hashes the body for the audit entry as it arrives (`readPooledBody`: a
 * reused buffer, no concatenation) and skips prototype scans. With `rowTable` (the predict route), a
 * large body of the usual `{"rows": [{…}, …]}` shape is read column by column into a `RowTable`
 * instead of objects (`readRowTable`; any other shape is parsed by `JSON.parse` as before).
 */
export function rawJsonParser(
  app: FastifyInstance,
  bodyLimit: number,
  opts: { rowTable?: boolean } = {},
): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { bodyLimit }, (req, payload, done) => {
    let helper: BodyHelper | null = null;
    const helperFor = (bytes: number) => (helper = opts.rowTable ? bodyHelper(bytes) : null);
    readPooledBody(
      payload,
      req.headers['content-length'],
      bodyLimit,
      (err, body) => {
        if (err || !body) {
          done(err, undefined);
          return;
        }
        (req as FastifyRequest & { bodyHash?: () => string }).bodyHash = body.sha256;
        let parsed: unknown;
        let failure: Error | null = null;
        try {
          const table =
            opts.rowTable && body.bytes.length >= ROW_TABLE_MIN_BYTES
              ? readRowTable(body.bytes, MAX_PREDICT_ROWS, helper?.rows ?? null)
              : null;
          parsed = table ? { rows: table } : JSON.parse(body.bytes.toString('utf8'));
        } catch (e) {
          failure = Object.assign(new Error(`Body is not valid JSON: ${(e as Error).message}`), {
            statusCode: 400,
          });
        } finally {
          // everything parsed is a copy: the buffer goes back to the pool (after the hash, which the
          // helper thread, if any, computes now while the rows are scored)
          body.hashInBackground();
          body.release();
        }
        done(failure, failure ? undefined : parsed);
      },
      helperFor,
    );
  });
}

/** SHA-256 of the request body (hex): computed while it was read (or by the body helper), or of the raw text kept. */
export function inputHash(req: FastifyRequest): string {
  const r = req as FastifyRequest & { bodyHash?: () => string; rawBody?: string | Buffer };
  return r.bodyHash ? r.bodyHash() : sha256Hex(r.rawBody ?? '');
}

/** The most rows one predict request may hold. */
const MAX_PREDICT_ROWS = 100_000;

export function modelRoutes(service: Service) {
  return async function plugin(app: FastifyInstance) {
    const actor = (req: FastifyRequest) => ({ actor: req.principal!.keyId, role: req.principal!.role });

    app.get(
      '/',
      {
        config: { permission: 'models:read' },
        schema: {
          tags: ['models'],
          summary: 'List models',
          querystring: Type.Object({ archived: Type.Optional(Type.Boolean()) }),
          response: responses({ 200: Type.Array(ModelInfo) }),
        },
      },
      async (req) =>
        service.registry.listModels({ includeArchived: (req.query as { archived?: boolean }).archived }),
    );

    app.post(
      '/',
      {
        config: { permission: 'models:write' },
        schema: {
          tags: ['models'],
          summary:
            'Register an artifact as a new version: from a finished train job (jobId) or a stored artifact (artifactId)',
          body: Type.Object({
            name: Type.String({ maxLength: 64 }),
            jobId: Type.Optional(Type.String()),
            artifactId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
            alias: Type.Optional(Type.String({ maxLength: 64 })),
            owner: Type.Optional(Type.String({ maxLength: 200 })),
            intendedUse: Type.Optional(Type.String({ maxLength: 2000 })),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
          }),
          response: responses({ 201: VersionInfo }),
        },
      },
      async (req, reply) => {
        const b = req.body as {
          name: string;
          jobId?: string;
          artifactId?: string;
          alias?: string;
          owner?: string;
          intendedUse?: string;
          description?: string;
        };
        let dir: string;
        if (b.jobId) {
          const job = await service.jobs.get(b.jobId);
          const artifact = (job.result as { artifact?: string } | null)?.artifact;
          if (job.status !== 'succeeded' || !artifact)
            throw createError('AEGLE_CORE_INVALID_PARAM', {
              param: 'jobId',
              owner: 'model registration',
              expected: 'a succeeded train job',
              got: `${job.type} job (${job.status})`,
            });
          dir = artifact;
        } else if (b.artifactId) dir = path.join(homePaths(service.config.home).artifacts, b.artifactId);
        else
          throw createError('AEGLE_CORE_INVALID_PARAM', {
            param: 'jobId|artifactId',
            owner: 'model registration',
            expected: 'one of them',
            got: 'neither',
          });
        const v = await service.registry.register({
          artifactDir: dir,
          name: b.name,
          alias: b.alias,
          owner: b.owner,
          intendedUse: b.intendedUse,
          description: b.description,
          createdBy: req.principal!.keyId,
          jobId: b.jobId ?? null,
        });
        await service.audit.appendNow({
          ...actor(req),
          action: 'model.register',
          resource: `model:${v.name}`,
          modelVersion: String(v.version),
          outputSummary: b.alias ? `alias=${b.alias}` : null,
        });
        return reply.code(201).send(v);
      },
    );

    await app.register(async (upload) => {
      await upload.register(multipart, {
        limits: { fileSize: service.config.serve.uploadLimit, files: 2, fields: 10 },
      });
      upload.post(
        '/:name/versions',
        {
          config: { permission: 'models:write' },
          schema: {
            tags: ['models'],
            summary:
              'Upload an artifact (multipart: files manifest.json and weights.bin — or model.onnx and an optional descriptor.json; fields alias, owner, intendedUse)',
            consumes: ['multipart/form-data'],
            params: NameParam,
            response: responses({ 201: VersionInfo }),
          },
        },
        async (req, reply) => {
          const { name } = req.params as { name: string };
          const dir = path.join(service.uploadDir, newId('art'));
          mkdirSync(dir, { recursive: true });
          try {
            const fields: Record<string, string> = {};
            const onnx: { seen: boolean; model?: Buffer; descriptor?: unknown; file?: string } = {
              seen: false,
            };
            for await (const part of req.parts()) {
              if (part.type === 'field') fields[part.fieldname] = String(part.value);
              else if (isOnnxPart(part.fieldname, part.filename)) {
                onnx.seen = true;
                if (part.fieldname === 'descriptor') onnx.descriptor = parseDescriptor(await part.toBuffer());
                else {
                  onnx.model = await part.toBuffer();
                  onnx.file = part.filename;
                }
              } else {
                const file =
                  part.fieldname === 'weights' || part.filename === 'weights.bin'
                    ? 'weights.bin'
                    : 'manifest.json';
                writeFileSync(path.join(dir, file), await part.toBuffer());
              }
            }
            if (onnx.seen && !onnx.model)
              throw createError('AEGLE_SERVE_BAD_UPLOAD', {
                reason: 'a descriptor without a model.onnx file',
              });
            const register = onnx.model
              ? (o: RegisterOptions) =>
                  registerOnnxModel(service.registry, service.uploadDir, {
                    ...o,
                    model: onnx.model!,
                    descriptor: onnx.descriptor,
                    source: onnx.file,
                  })
              : (o: RegisterOptions) => service.registry.register(o);
            const v = await register({
              artifactDir: dir,
              name,
              alias: fields.alias,
              owner: fields.owner,
              intendedUse: fields.intendedUse,
              description: fields.description,
              createdBy: req.principal!.keyId,
            });
            await service.audit.appendNow({
              ...actor(req),
              action: 'model.register',
              resource: `model:${v.name}`,
              modelVersion: String(v.version),
              outputSummary: onnx.seen ? 'upload onnx' : 'upload',
            });
            return reply.code(201).send(v);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      );
    });

    app.get(
      '/:name',
      {
        config: { permission: 'models:read' },
        schema: {
          tags: ['models'],
          summary: 'A model',
          params: NameParam,
          response: responses({ 200: ModelInfo }),
        },
      },
      async (req) => service.registry.getModel((req.params as { name: string }).name),
    );
    app.get(
      '/:name/versions',
      {
        config: { permission: 'models:read' },
        schema: {
          tags: ['models'],
          summary: 'Versions, newest first',
          params: NameParam,
          response: responses({ 200: Type.Array(VersionInfo) }),
        },
      },
      async (req) => service.registry.listVersions((req.params as { name: string }).name),
    );
    app.get(
      '/:name/versions/:version',
      {
        config: { permission: 'models:read' },
        schema: {
          tags: ['models'],
          summary: 'A version with lineage and metrics',
          params: VersionParams,
          response: responses({ 200: VersionInfo }),
        },
      },
      async (req) => {
        const p = req.params as { name: string; version: number };
        return service.registry.getVersion(p.name, p.version);
      },
    );
    app.get(
      '/:name/versions/:version/metrics',
      {
        config: { permission: 'models:read' },
        schema: {
          tags: ['models'],
          summary: 'Evaluation metrics recorded at training',
          params: VersionParams,
          response: responses({ 200: Json }),
        },
      },
      async (req) => {
        const p = req.params as { name: string; version: number };
        return (await service.registry.getVersion(p.name, p.version)).metrics;
      },
    );
    app.get(
      '/:name/versions/:version/report',
      {
        config: { permission: 'models:read' },
        schema: {
          tags: ['models'],
          summary:
            'Model card (JSON): intended use, inputs, metrics, lineage; ?format=html|md|card serves the report generated by a report job',
          params: VersionParams,
          querystring: Type.Object({
            format: Type.Optional(
              Type.Union([
                Type.Literal('json'),
                Type.Literal('html'),
                Type.Literal('md'),
                Type.Literal('card'),
              ]),
            ),
          }),
          response: responses({ 200: Json }),
        },
      },
      async (req, reply) => {
        const p = req.params as { name: string; version: number };
        const format = (req.query as { format?: string }).format ?? 'json';
        if (format !== 'json') {
          await service.registry.getVersion(p.name, p.version);
          const files = reportFiles(service.config.home, p.name, p.version);
          const file = format === 'html' ? files.html : format === 'md' ? files.markdown : files.card;
          if (!existsSync(file))
            throw createError('AEGLE_JOBS_NO_REPORT', { model: `${p.name} version ${p.version}` });
          const type =
            format === 'html'
              ? 'text/html; charset=utf-8'
              : format === 'md'
                ? 'text/markdown; charset=utf-8'
                : 'application/json';
          return reply.type(type).send(readFileSync(file));
        }
        const m = await service.registry.getModel(p.name);
        const v = await service.registry.getVersion(p.name, p.version);
        const manifest = service.registry.manifest(v.artifactPath);
        return {
          model: {
            name: m.name,
            version: v.version,
            kind: v.kind,
            task: v.task,
            owner: m.owner,
            intendedUse: m.intendedUse,
            description: m.description,
          },
          inputs: manifest.inputSchema.features,
          target: manifest.target,
          classes: manifest.classes,
          threshold: manifest.threshold,
          metrics: v.metrics,
          lineage: v.lineage,
          artifactHash: v.artifactHash,
        };
      },
    );
    app.get(
      '/:name/versions/:version/artifact/:file',
      {
        config: { permission: 'models:read' },
        schema: {
          tags: ['models'],
          summary: 'Download an artifact file (manifest.json or weights.bin)',
          params: Type.Object({
            name: Type.String({ maxLength: 64 }),
            version: Type.Integer({ minimum: 1 }),
            file: Type.Union([Type.Literal('manifest.json'), Type.Literal('weights.bin')]),
          }),
        },
      },
      async (req, reply) => {
        const p = req.params as { name: string; version: number; file: string };
        const v = await service.registry.getVersion(p.name, p.version);
        service.audit.append({
          ...actor(req),
          action: 'model.download',
          resource: `model:${p.name}`,
          modelVersion: String(p.version),
          outputSummary: p.file,
        });
        reply.header('content-disposition', `attachment; filename="${p.file}"`);
        return reply
          .type(p.file.endsWith('.json') ? 'application/json' : 'application/octet-stream')
          .send(readFileSync(path.join(v.artifactPath, p.file)));
      },
    );
    app.put(
      '/:name/aliases/:alias',
      {
        config: { permission: 'models:write' },
        schema: {
          tags: ['models'],
          summary: 'Point an alias (champion, challenger, any name) at a version, atomically',
          params: Type.Object({
            name: Type.String({ maxLength: 64 }),
            alias: Type.String({ maxLength: 64 }),
          }),
          body: Type.Object({ version: Type.Integer({ minimum: 1 }) }),
          response: responses({ 200: ModelInfo }),
        },
      },
      async (req) => {
        const p = req.params as { name: string; alias: string };
        const { version } = req.body as { version: number };
        await service.registry.setAlias(p.name, p.alias, version, req.principal!.keyId);
        await service.audit.appendNow({
          ...actor(req),
          action: 'alias.set',
          resource: `model:${p.name}@${p.alias}`,
          modelVersion: String(version),
        });
        return service.registry.getModel(p.name);
      },
    );
    app.delete(
      '/:name/aliases/:alias',
      {
        config: { permission: 'models:write' },
        schema: {
          tags: ['models'],
          summary: 'Remove an alias',
          params: Type.Object({
            name: Type.String({ maxLength: 64 }),
            alias: Type.String({ maxLength: 64 }),
          }),
          response: responses({ 200: ModelInfo }),
        },
      },
      async (req) => {
        const p = req.params as { name: string; alias: string };
        await service.registry.deleteAlias(p.name, p.alias);
        await service.audit.appendNow({
          ...actor(req),
          action: 'alias.delete',
          resource: `model:${p.name}@${p.alias}`,
        });
        return service.registry.getModel(p.name);
      },
    );
    app.post(
      '/:name/archive',
      {
        config: { permission: 'models:write' },
        schema: {
          tags: ['models'],
          summary: 'Archive a version (body {version}) or the whole model (empty body)',
          params: NameParam,
          body: Type.Optional(Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) })),
          response: responses({ 200: ModelInfo }),
        },
      },
      async (req) => {
        const { name } = req.params as { name: string };
        const version = (req.body as { version?: number } | undefined)?.version;
        await service.registry.archive(name, version);
        await service.audit.appendNow({
          ...actor(req),
          action: 'model.archive',
          resource: `model:${name}`,
          modelVersion: version ? String(version) : null,
        });
        return service.registry.getModel(name);
      },
    );
    app.get(
      '/:name/drift',
      {
        config: { permission: 'models:read' },
        schema: {
          tags: ['monitor'],
          summary:
            'Input drift of a version: live inputs (prediction log) against the training profile in its artifact',
          params: NameParam,
          querystring: Type.Object({
            version: Type.Optional(Type.Integer({ minimum: 1 })),
            alias: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Optional(Type.Integer({ minimum: 10, maximum: 100_000, default: 5000 })),
            method: Type.Optional(Type.Union([Type.Literal('psi'), Type.Literal('ks')])),
          }),
          response: responses({ 200: Json }),
        },
      },
      async (req) => {
        const { name } = req.params as { name: string };
        const q = req.query as { version?: number; alias?: string; limit?: number; method?: DriftMethod };
        await service.predictionLog.flush();
        const model = await service.model(name, q.version ?? q.alias ?? null);
        const live = await recentInputs(
          service.meta,
          name,
          model.ref.version,
          model.features.length,
          q.limit ?? 5000,
        );
        const report = modelDrift(model.artifact.manifest, live.columns, q.method ?? 'psi');
        return { model: model.ref, window: { rows: live.rows, from: live.from, to: live.to }, ...report };
      },
    );

    // --- predict: its own scope with the raw-JSON parser and the larger body limit ---
    await app.register(async (scope) => {
      rawJsonParser(scope, service.config.serve.predictBodyLimit, { rowTable: true });
      await onnxPredictParsers(scope, service);
      scope.post(
        '/:name/predict',
        {
          config: { permission: 'models:predict' },
          bodyLimit: service.config.serve.predictBodyLimit,
          attachValidation: true,
          schema: {
            tags: ['predict'],
            summary:
              'Score one or many rows with a model (champion by default; ?version= or ?alias= to choose)',
            params: NameParam,
            querystring: PredictQuery,
            // JSON rows are validated here; a file body (multipart, DICOM, PNG/JPEG) goes to an ONNX model
            body: {
              content: {
                'application/json': {
                  schema: Type.Object({
                    rows: Type.Array(
                      Type.Union([
                        Type.Object({}, { additionalProperties: true }),
                        Type.Array(Type.Unknown()),
                      ]),
                      { minItems: 1, maxItems: MAX_PREDICT_ROWS },
                    ),
                  }),
                },
              },
            },
            response: responses({ 200: PredictResponse }),
          },
        },
        async (req: FastifyRequest, reply: FastifyReply) => {
          // a body read as a RowTable has the schema's shape by construction (the reader accepts
          // nothing else); the schema's check, which expects an array, only applies to the others
          if (req.validationError && !((req.body as { rows?: unknown } | null)?.rows instanceof RowTable))
            throw req.validationError;
          return (await onnxPredict(service, req, reply)) ?? predict(service, req, reply);
        },
      );
    });
  };
}

const NONE: readonly never[] = Object.freeze([]);

async function predict(service: Service, req: FastifyRequest, reply: FastifyReply) {
  const { name } = req.params as { name: string };
  const q = req.query as { version?: number; alias?: string; factors?: number; factorRows?: number };
  const rows = (req.body as { rows: InputRow[] | RowTable }).rows;
  const nIn = rows instanceof RowTable ? rows.n : rows.length;
  const model = await service.model(name, q.version ?? q.alias ?? null);
  const version = model.ref.version;
  const labelsV = String(version);
  let scored: ReturnType<typeof model.score>;
  let frame: ReturnType<typeof model.toFrame>['frame'];
  try {
    const check = { unknownFields: service.config.serve.unknownFields };
    frame =
      rows instanceof RowTable
        ? (model.frameFromTable(rows, check) ?? model.toFrame(rows.toRows(), check).frame)
        : model.toFrame(rows, check).frame;
    scored = model.score(frame);
  } catch (e) {
    service.metrics.predictionRequests.inc({ model: name, version: labelsV, outcome: 'rejected' });
    await service.audit.commit({
      actor: req.principal!.keyId,
      role: req.principal!.role,
      action: 'predict',
      resource: `model:${name}`,
      modelVersion: labelsV,
      inputHash: inputHash(req),
      outputSummary: `rejected n=${nIn}`,
    });
    throw e;
  }
  const n = scored.n;
  const warnings = trainingRangeWarnings(model, frame);
  const classes = model.artifact.manifest.classes;
  const factors = predictionFactors(model, frame, {
    k: q.factors ?? DEFAULT_FACTORS,
    maxRows: q.factorRows ?? DEFAULT_FACTOR_ROWS,
    classIndex: classes ? (i) => Math.max(0, classes.indexOf(scored.labels[i] ?? '')) : undefined,
  });
  const predictions = new Array(n);
  for (let i = 0; i < n; i++) {
    // rows without factors or warnings share one empty list (serialised, never mutated)
    const f = factors[i] ?? NONE;
    const w = warnings[i] ?? NONE;
    predictions[i] = scored.values
      ? { probability: null, label: null, value: scored.values[i], factors: f, warnings: w }
      : { probability: scored.probability![i], label: scored.labels[i], factors: f, warnings: w };
  }
  service.metrics.predictions.inc({ model: name, version: labelsV }, n);
  service.metrics.predictionRequests.inc({ model: name, version: labelsV, outcome: 'ok' });
  // answer only once the prediction log and the audit entry are written (group commit: requests
  // arriving together share one transaction of each)
  await Promise.all([
    service.predictionLog.commit({
      modelName: name,
      version,
      requestId: String(req.id),
      // the frame's columns are the model's input features in schema order
      columns: frame.columns.map((c) =>
        c.kind === 'categorical' ? { codes: c.codes, dictionary: c.dictionary } : c.values,
      ),
      probability: scored.probability,
      labels: scored.labels,
    }),
    service.audit.commit({
      actor: req.principal!.keyId,
      role: req.principal!.role,
      action: 'predict',
      resource: `model:${name}${q.alias ? `@${q.alias}` : ''}`,
      modelVersion: labelsV,
      inputHash: inputHash(req),
      outputSummary:
        n === 1
          ? `n=1 p=${scored.probability ? scored.probability[0].toFixed(4) : scored.values![0]}`
          : `n=${n}`,
    }),
  ]);
  if (n >= LARGE_ANSWER_ROWS) {
    // written into a pooled buffer, returned once the response is handed to the socket
    const out = writePredictResponse({ name, version }, String(req.id), predictions);
    reply.raw.once('finish', out.release);
    reply.raw.once('close', out.release);
    return reply.type('application/json; charset=utf-8').send(out.bytes);
  }
  return reply.send({ model: { name, version }, requestId: String(req.id), predictions });
}

/** Answers of this many rows or more are written by `writePredictResponse`. */
const LARGE_ANSWER_ROWS = 1000;
