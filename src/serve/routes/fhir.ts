/**
 * FHIR out: `POST /fhir/RiskAssessment/$predict?model=NAME` scores a Bundle of one patient's resources
 * with a model trained on FHIR features and answers a validated R4 RiskAssessment
 * (https://hl7.org/fhir/R4/riskassessment.html). Errors on this plugin's routes — including the
 * authentication hook's — leave as OperationOutcome (`application/fhir+json`), translated at this one
 * boundary from the problem documents the rest of the service raises (STYLE rule 8).
 */
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AegleError, createError } from '../../core/index.js';
import { operationOutcomeFromError } from '../../fhir/index.js';
import { resourcesOf, riskAssessmentOf, scorePatient } from '../fhir-scoring.js';
import type { Problem } from '../errors.js';
import type { Service } from '../service.js';
import { inputHash, rawJsonParser } from './models.js';

export const FHIR_JSON = 'application/fhir+json';

/** https://hl7.org/fhir/R4/operationoutcome.html, loosely (issues keep every element they carry). */
export const OperationOutcomeSchema = Type.Object(
  {
    resourceType: Type.Literal('OperationOutcome'),
    issue: Type.Array(
      Type.Object({ severity: Type.String(), code: Type.String() }, { additionalProperties: true }),
    ),
  },
  { additionalProperties: true, description: 'FHIR R4 OperationOutcome' },
);

/** Response map of a FHIR/CDS route: the success schemas plus OperationOutcome for every error. */
export function fhirResponses(ok: Record<number, TSchema>): Record<string, TSchema> {
  return { ...ok, '4xx': OperationOutcomeSchema, '5xx': OperationOutcomeSchema };
}

/**
 * Makes every error of the plugin's routes an OperationOutcome: problem documents (from the service's
 * error handler and the authentication hook alike) are rewritten before serialisation.
 */
export function operationOutcomeErrors(app: FastifyInstance): void {
  app.addHook('preSerialization', async (_req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !type.startsWith('application/problem+json')) return payload;
    const p = payload as Problem;
    reply.header('content-type', FHIR_JSON);
    const oo = operationOutcomeFromError({ status: p.status, code: p.code, message: p.detail } as AegleError);
    if (p.errors?.length)
      oo.issue.push(
        ...p.errors.slice(0, 20).map((e) => ({
          severity: 'error' as const,
          code: 'invalid',
          diagnostics:
            typeof e === 'object' && e !== null && 'problem' in e
              ? `${(e as { field?: string }).field ?? ''} ${(e as { problem: string }).problem}`.trim()
              : JSON.stringify(e),
        })),
      );
    return oo;
  });
}

/** JSON and FHIR JSON bodies, the raw text kept for the audit's input hash. */
export function fhirJsonParsers(app: FastifyInstance, bodyLimit: number): void {
  rawJsonParser(app, bodyLimit);
  app.addContentTypeParser(FHIR_JSON, { parseAs: 'string', bodyLimit }, (req, body, done) => {
    (req as FastifyRequest & { rawBody?: string }).rawBody = body as string;
    try {
      done(null, JSON.parse(body as string));
    } catch (e) {
      const err = new Error(`Body is not valid JSON: ${(e as Error).message}`) as Error & {
        statusCode: number;
      };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
}

/** The text of a model's intended use, from the registry (cached a few seconds). */
export function intendedUseLookup(service: Service): (name: string) => Promise<string> {
  const cache = new Map<string, { at: number; text: string }>();
  return async (name) => {
    const hit = cache.get(name);
    if (hit && Date.now() - hit.at < 5000) return hit.text;
    const m = await service.registry.getModel(name);
    const text =
      m.intendedUse ??
      'Decision support for clinicians; not a diagnosis. See the model report for the population it was trained on.';
    cache.set(name, { at: Date.now(), text });
    return text;
  };
}

const PredictQuery = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 64, description: 'registered model name' }),
  version: Type.Optional(Type.Integer({ minimum: 1 })),
  alias: Type.Optional(Type.String({ maxLength: 64 })),
  patient: Type.Optional(
    Type.String({ maxLength: 64, description: 'Patient id, when the Bundle holds several' }),
  ),
  at: Type.Optional(
    Type.String({ format: 'date-time', description: 'index time of the features (default now)' }),
  ),
});

const BundleBody = Type.Object(
  {
    resourceType: Type.Literal('Bundle'),
    entry: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
  },
  { additionalProperties: true, description: "FHIR R4 Bundle of one patient's resources" },
);

const RiskAssessmentSchema = Type.Object(
  {
    resourceType: Type.Literal('RiskAssessment'),
    status: Type.String(),
    subject: Type.Object({}, { additionalProperties: true }),
  },
  {
    additionalProperties: true,
    description: 'FHIR R4 RiskAssessment (validated against the R4 structure before it is sent)',
  },
);

export function fhirRoutes(service: Service) {
  return async function plugin(app: FastifyInstance) {
    operationOutcomeErrors(app);
    fhirJsonParsers(app, service.config.serve.predictBodyLimit);
    const intendedUse = intendedUseLookup(service);
    app.post(
      '/fhir/RiskAssessment/$predict',
      {
        config: { permission: 'models:predict' },
        bodyLimit: service.config.serve.predictBodyLimit,
        schema: {
          tags: ['fhir'],
          summary:
            "Score a Bundle of one patient's resources with a model trained on FHIR features; answers a RiskAssessment",
          querystring: PredictQuery,
          body: BundleBody,
          response: fhirResponses({ 200: RiskAssessmentSchema }),
        },
      },
      async (req, reply) => {
        const q = req.query as {
          model: string;
          version?: number;
          alias?: string;
          patient?: string;
          at?: string;
        };
        const model = await service.model(q.model, q.version ?? q.alias ?? null);
        const labelsV = String(model.ref.version);
        const audit = (summary: string) =>
          service.audit.commit({
            actor: req.principal!.keyId,
            role: req.principal!.role,
            action: 'fhir.predict',
            resource: `model:${q.model}${q.alias ? `@${q.alias}` : ''}`,
            modelVersion: labelsV,
            inputHash: inputHash(req),
            outputSummary: summary,
          });
        let ra: ReturnType<typeof riskAssessmentOf>;
        let probability: number;
        let logged: Promise<void> = Promise.resolve();
        try {
          const { items, errors } = resourcesOf(req.body, 'body');
          if (errors.length)
            throw createError('AEGLE_FHIR_BAD_INPUT', { reason: errors.slice(0, 3).join('; ') });
          const indexMs = q.at ? Date.parse(q.at) : Date.now();
          const s = scorePatient(model, items, { indexMs, patientId: q.patient });
          if ('missing' in s)
            throw createError('AEGLE_FHIR_BAD_INPUT', {
              reason: `the Bundle holds no ${s.missing.join(', ')}`,
            });
          ra = riskAssessmentOf(model, s, {
            intendedUse: await intendedUse(q.model),
            id:
              String(req.id)
                .replace(/[^A-Za-z0-9.-]/g, '')
                .slice(0, 64) || undefined,
          });
          probability = s.probability;
          logged = service.predictionLog.commit({
            modelName: q.model,
            version: model.ref.version,
            requestId: String(req.id),
            rows: [s.raw],
            probability: [s.probability],
            labels: [s.label],
          });
        } catch (e) {
          service.metrics.predictionRequests.inc({ model: q.model, version: labelsV, outcome: 'rejected' });
          await audit(`rejected ${(e as AegleError).code ?? 'error'}`);
          throw e;
        }
        service.metrics.predictions.inc({ model: q.model, version: labelsV });
        service.metrics.predictionRequests.inc({ model: q.model, version: labelsV, outcome: 'ok' });
        // answer once the prediction log and the audit entry are written (group commit)
        await Promise.all([
          logged,
          audit(`RiskAssessment p=${probability.toFixed(4)} basis=${ra.basis?.length ?? 0}`),
        ]);
        return reply.type(FHIR_JSON).send(ra);
      },
    );
  };
}
