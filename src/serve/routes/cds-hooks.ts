/**
 * Every deployed model as a CDS Hooks 2.0 service (https://cds-hooks.hl7.org/2.0/):
 *
 * - `GET /cds-services` — discovery: one `patient-view` service per model whose deployment alias
 *   (`AEGLE_CDS_ALIAS`, default `cds`) points at a version trained on FHIR features; service id = the
 *   model name; prefetch templates derived from the model's feature spec.
 * - `POST /cds-services/{id}` — features from prefetch, or fetched from `fhirServer` with the
 *   `fhirAuthorization` token when the server is allow-listed; scored; one card (risk in words and %,
 *   indicator by the model's threshold, Markdown detail with top factors, calibration and intended
 *   use, source linking the model report). 412 when required data is missing.
 * - `POST /cds-services/{id}/feedback` — accepted / overridden outcomes into the audit trail and the
 *   `aegle_cds_feedback_total` metric.
 *
 * Callers authenticate with the CDS client JWT the spec defines (see cds-jwt.ts) or with an Aegle API
 * key whose role may predict. The global key check is skipped (`config.public`); this plugin checks
 * in preHandler, after the body has been validated. Every call is audited; errors are OperationOutcome.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { type AegleError, createError, isAegleError } from '../../core/index.js';
import {
  type CdsCard,
  type CdsHookRequest,
  type CdsService,
  type FeatureSpec,
  type PatientResource,
  parseCdsHookRequest,
  prefetchTemplates,
  renderPrefetchTemplate,
  validateFeedback,
} from '../../fhir/index.js';
import type { NativeModel } from '../../runtime/index.js';
import { CdsJwtVerifier } from '../cds-jwt.js';
import { CdsScoringPool } from '../cds-pool.js';
import { featureSpecOf, featureWords, outcomeConcept, resourcesOf, scorePatient } from '../fhir-scoring.js';
import { roleAllows } from '../rbac.js';
import type { Service } from '../service.js';
import {
  FHIR_JSON,
  fhirJsonParsers,
  fhirResponses,
  intendedUseLookup,
  operationOutcomeErrors,
} from './fhir.js';
import { inputHash } from './models.js';

const Coding = Type.Object({
  system: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
  display: Type.Optional(Type.String()),
});

/** https://cds-hooks.hl7.org/2.0/#response */
const DiscoverySchema = Type.Object({
  services: Type.Array(
    Type.Object({
      hook: Type.String(),
      title: Type.Optional(Type.String()),
      description: Type.String(),
      id: Type.String(),
      prefetch: Type.Optional(Type.Record(Type.String(), Type.String())),
      usageRequirements: Type.Optional(Type.String()),
    }),
  ),
});

/** https://cds-hooks.hl7.org/2.0/#card-attributes (the attributes this service fills). */
const CardsSchema = Type.Object({
  cards: Type.Array(
    Type.Object({
      uuid: Type.String(),
      summary: Type.String({ maxLength: 139 }),
      detail: Type.String(),
      indicator: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]),
      source: Type.Object({
        label: Type.String(),
        url: Type.Optional(Type.String()),
        topic: Type.Optional(Coding),
      }),
      overrideReasons: Type.Optional(Type.Array(Coding)),
    }),
  ),
});

/** https://cds-hooks.hl7.org/2.0/#http-request-1 (deeper checks in parseCdsHookRequest). */
const HookRequestSchema = Type.Object(
  {
    hook: Type.String({ minLength: 1 }),
    hookInstance: Type.String({ minLength: 1 }),
    fhirServer: Type.Optional(Type.String()),
    fhirAuthorization: Type.Optional(Type.Object({}, { additionalProperties: true })),
    context: Type.Object({}, { additionalProperties: true }),
    prefetch: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

/** https://cds-hooks.hl7.org/2.0/#feedback (deeper checks in validateFeedback). */
const FeedbackSchema = Type.Object(
  {
    feedback: Type.Array(
      Type.Object({ card: Type.String(), outcome: Type.String() }, { additionalProperties: true }),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: true },
);

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const checkIdParam = TypeCompiler.Compile(IdParam);

/** Reasons a clinician may give for overriding a risk card (echoed in feedback). */
const OVERRIDE_SYSTEM = 'https://aegle.dev/cds/override-reason';
const OVERRIDE_REASONS = [
  { system: OVERRIDE_SYSTEM, code: 'already-managed', display: 'Already being managed' },
  { system: OVERRIDE_SYSTEM, code: 'data-outdated', display: 'Data shown is out of date' },
  { system: OVERRIDE_SYSTEM, code: 'not-applicable', display: 'Model does not apply to this patient' },
];

/** Indicator by the model's decision threshold t: info below t, warning from t, critical from t + (1 − t)/2. */
export function indicatorFor(p: number, threshold: number): CdsCard['indicator'] {
  if (p >= threshold + (1 - threshold) / 2) return 'critical';
  return p >= threshold ? 'warning' : 'info';
}

const RISK_WORDS = { info: 'Low', warning: 'Elevated', critical: 'High' } as const;

function pct(p: number): string {
  const v = p * 100;
  return v < 1 ? '<1%' : `${v < 10 ? v.toFixed(1) : Math.round(v)}%`;
}

function windowWords(spec: FeatureSpec): string {
  const o = spec.outcome;
  if (!o) return '';
  const d = o.windowDays - (o.startDays ?? 0);
  return d % 365 === 0 ? ` within ${d / 365 === 1 ? '1 year' : `${d / 365} years`}` : ` within ${d} days`;
}

interface Deployed {
  readonly model: NativeModel;
  readonly spec: FeatureSpec;
}

/** What a card shows of a score (from the scoring thread, or `scorePatient` on this one). */
interface CardScore {
  readonly probability: number;
  readonly factors: ReadonlyArray<{ readonly feature: string; readonly sentence: string }>;
  readonly basisCount: number;
  readonly indexMs: number;
  readonly ignored: readonly string[];
}

const templatesBySpec = new WeakMap<FeatureSpec, Readonly<Record<string, string>>>();

/** The prefetch templates of a spec, derived once per spec (the spec lives as long as its model). */
function templatesOf(spec: FeatureSpec): Readonly<Record<string, string>> {
  let t = templatesBySpec.get(spec);
  if (!t) {
    t = prefetchTemplates(spec);
    templatesBySpec.set(spec, t);
  }
  return t;
}

export function cdsHooksRoutes(service: Service) {
  return async function plugin(app: FastifyInstance) {
    operationOutcomeErrors(app);
    fhirJsonParsers(app, service.config.serve.predictBodyLimit);
    const cfg = service.config.cds;
    const verifier = new CdsJwtVerifier(cfg.issuers, service.replayGuard);
    const allowedServers = new Set(cfg.fhirServers);
    const intendedUse = intendedUseLookup(service);
    const feedbackCounter = new Counter({
      name: 'aegle_cds_feedback_total',
      help: 'CDS Hooks card feedback by model, version and outcome (accepted / overridden)',
      labelNames: ['model', 'version', 'outcome'],
      registers: [service.metrics.registry],
    });
    let listed: { at: number; services: CdsService[] } | null = null;
    const scoring = new CdsScoringPool();
    const warmed = new WeakSet<NativeModel>();
    app.addHook('onClose', async () => scoring.close());

    const baseUrl = (req: FastifyRequest) => cfg.publicUrl ?? `${req.protocol}://${req.host}`;

    /** The model deployed as service `id`, or AEGLE_CDS_SERVICE_NOT_FOUND. */
    const deployed = async (id: string): Promise<Deployed> => {
      let model: NativeModel;
      try {
        model = await service.model(id, cfg.alias);
      } catch (e) {
        if (isAegleError(e) && e.code.startsWith('AEGLE_REGISTRY_'))
          throw createError('AEGLE_CDS_SERVICE_NOT_FOUND', { id, alias: cfg.alias });
        throw e;
      }
      const spec = featureSpecOf(model);
      if (!spec || model.task !== 'binary')
        throw createError('AEGLE_CDS_SERVICE_NOT_FOUND', { id, alias: cfg.alias });
      if (!warmed.has(model)) {
        // the scoring thread loads its own copy: start now (discovery, or the first call)
        warmed.add(model);
        void scoring
          .warm({ artifactPath: model.artifact.dir, name: model.ref.name, version: model.ref.version })
          .catch(() => {});
      }
      return { model, spec };
    };

    /** Who is calling: a CDS client (JWT) or an Aegle key that may predict. */
    const authenticate = async (
      req: FastifyRequest,
      id: string,
    ): Promise<{ actor: string; role: string }> => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m) throw createError('AEGLE_CDS_JWT_INVALID', { reason: 'no Authorization: Bearer header' });
      if (m[1].startsWith('aegle_')) {
        const principal = await service.keys.verify(m[1]);
        if (!principal) throw createError('AEGLE_AUTH_INVALID');
        req.principal = principal;
        if (!roleAllows(principal.role, 'models:predict'))
          throw createError('AEGLE_AUTH_FORBIDDEN', {
            role: principal.role,
            permission: 'request predictions',
          });
        return { actor: principal.keyId, role: principal.role };
      }
      if (!verifier.enabled)
        throw createError('AEGLE_CDS_JWT_INVALID', {
          reason: 'no CDS client is trusted (AEGLE_CDS_ISSUERS is empty)',
        });
      const client = await verifier.verify(m[1], `${baseUrl(req)}/cds-services/${id}`);
      return { actor: `cds:${client.iss}`.slice(0, 200), role: 'cds-client' };
    };

    /** Runs one query on the CDS client's FHIR server (following `next` links on the same server). */
    const fetchFhir = async (
      server: string,
      token: string | undefined,
      query: string,
    ): Promise<unknown[]> => {
      const out: unknown[] = [];
      let url: string | null = `${server}/${query}`;
      for (let page = 0; url && page < 20; page++) {
        let res: Response;
        try {
          res = await fetch(url, {
            headers: {
              accept: 'application/fhir+json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            signal: AbortSignal.timeout(cfg.fhirTimeoutMs),
            redirect: 'error',
          });
        } catch (e) {
          throw createError('AEGLE_CDS_FHIR_FETCH', {
            query: query.split('?')[0],
            reason:
              (e as Error).name === 'TimeoutError'
                ? `no answer within ${cfg.fhirTimeoutMs} ms`
                : 'connection failed',
          });
        }
        if (!res.ok) {
          await res.arrayBuffer().catch(() => {});
          throw createError('AEGLE_CDS_FHIR_FETCH', {
            query: query.split('?')[0],
            reason: `HTTP ${res.status}`,
          });
        }
        const doc = (await res.json()) as {
          resourceType?: string;
          link?: Array<{ relation?: string; url?: string }>;
        };
        out.push(doc);
        const next: string | undefined =
          doc.resourceType === 'Bundle' ? doc.link?.find((l) => l.relation === 'next')?.url : undefined;
        url = next?.startsWith(`${server}/`) ? next : null;
      }
      return out;
    };

    /** The patient's resources: prefetch first; what is missing from the FHIR server; else 412. */
    const gather = async (r: CdsHookRequest, spec: FeatureSpec): Promise<PatientResource[]> => {
      const templates = templatesOf(spec);
      const docs: Array<{ key: string; doc: unknown }> = [];
      const toFetch: Array<{ key: string; query: string }> = [];
      const missing: string[] = [];
      for (const [key, template] of Object.entries(templates)) {
        const got = r.prefetch?.[key];
        if (got !== undefined && got !== null) {
          docs.push({ key, doc: got });
          continue;
        }
        const query = renderPrefetchTemplate(template, r.context);
        if (query === null) missing.push(`${key} (template ${template} has no value in context)`);
        else toFetch.push({ key, query });
      }
      if (toFetch.length) {
        if (!r.fhirServer)
          throw createError('AEGLE_CDS_DATA_MISSING', {
            missing: `prefetch ${toFetch.map((f) => f.key).join(', ')} and no fhirServer to fetch from`,
          });
        const server = r.fhirServer.replace(/\/+$/, '');
        if (!allowedServers.has(server))
          throw createError('AEGLE_CDS_FHIR_SERVER_NOT_ALLOWED', { server: server.slice(0, 200) });
        const fetched = await Promise.all(
          toFetch.map((f) => fetchFhir(server, r.fhirAuthorization?.access_token, f.query)),
        );
        fetched.forEach((pages, i) => {
          for (const doc of pages) docs.push({ key: toFetch[i].key, doc });
        });
      }
      if (missing.length) throw createError('AEGLE_CDS_DATA_MISSING', { missing: missing.join('; ') });
      const items: PatientResource[] = [];
      for (const { key, doc } of docs) {
        const { items: its, errors } = resourcesOf(doc, `prefetch.${key}`);
        if (errors.length)
          throw createError('AEGLE_CDS_BAD_REQUEST', { problems: errors.slice(0, 3).join('; ') });
        items.push(...its);
      }
      return items;
    };

    const cardOf = async (req: FastifyRequest, d: Deployed, s: CardScore, uuid: string): Promise<CdsCard> => {
      const { model, spec } = d;
      const m = model.artifact.manifest;
      const threshold = m.threshold ?? 0.5;
      const indicator = indicatorFor(s.probability, threshold);
      const outcome = outcomeConcept(spec, m.target).text ?? m.target;
      let summary = `${RISK_WORDS[indicator]} risk of ${outcome}${windowWords(spec)}: ${pct(s.probability)}`;
      if (summary.length >= 140) summary = `${summary.slice(0, 136)}…`;
      const values = ((m.metrics as { values?: Record<string, number> }).values ?? {}) as Record<
        string,
        number
      >;
      const evaluation = (m.metrics as { evaluation?: string }).evaluation;
      const calib = ['brier', 'ece', 'calibration_slope', 'calibration_intercept', 'auroc', 'auprc']
        .filter((k) => typeof values[k] === 'number')
        .map((k) => `${k} ${values[k].toFixed(3)}`);
      const lines = [
        `**Estimated risk:** ${pct(s.probability)} of ${outcome}${windowWords(spec)} (the model flags from ${pct(threshold)}).`,
        '',
        '**Top factors**',
        ...(s.factors.length
          ? s.factors.map((f) => `- ${f.sentence.replace(f.feature, featureWords(f.feature))}`)
          : ['- No single factor stands out.']),
        '',
        `**Calibration:** ${calib.length ? `${calib.join(', ')} (${evaluation ?? 'training'} evaluation)` : 'not recorded for this model'}.`,
        '',
        `**Intended use:** ${await intendedUse(model.ref.name)}`,
        '',
        `**Data used:** ${s.basisCount} resources, index ${new Date(s.indexMs).toISOString().slice(0, 10)}.`,
      ];
      if (s.ignored.length) lines.push('', `**Adjusted inputs:** ${s.ignored.join('; ')}.`);
      return {
        uuid,
        summary,
        detail: lines.join('\n'),
        indicator,
        source: {
          label: `Aegle ${model.ref.name} v${model.ref.version}`,
          url: `${baseUrl(req)}/api/v1/models/${encodeURIComponent(model.ref.name)}/versions/${model.ref.version}/report`,
          topic: {
            system: 'urn:aegle:model',
            code: `${model.ref.name}@${model.ref.version}`,
            display: `${model.ref.name} version ${model.ref.version}`,
          },
        },
        overrideReasons: OVERRIDE_REASONS,
      };
    };

    app.get(
      '/cds-services',
      {
        config: { public: true },
        schema: {
          tags: ['cds-hooks'],
          summary: 'CDS Hooks discovery: every model deployed as a CDS service',
          response: fhirResponses({ 200: DiscoverySchema }),
        },
      },
      async (req) => {
        if (listed && Date.now() - listed.at < 2000) return { services: listed.services };
        const services: CdsService[] = [];
        for (const info of await service.registry.listModels()) {
          if (info.aliases[cfg.alias] === undefined) continue;
          try {
            const { spec } = await deployed(info.name);
            services.push({
              hook: 'patient-view',
              title: `${info.name} risk (Aegle)`,
              description:
                info.description ??
                `Risk of ${spec.outcome?.name.replace(/_/g, ' ') ?? 'the outcome'} from model ${info.name} version ${info.aliases[cfg.alias]}.`,
              id: info.name,
              prefetch: { ...templatesOf(spec) },
              usageRequirements:
                'Send the prefetch, or fhirServer + fhirAuthorization (user/Patient.read, user/Observation.read, user/Condition.read, user/MedicationRequest.read) for an allow-listed server.',
            });
          } catch (e) {
            req.log.warn(
              { model: info.name, code: (e as AegleError).code },
              'model not listed as a CDS service',
            );
          }
        }
        listed = { at: Date.now(), services };
        return { services };
      },
    );

    // The call route keeps its body as text: the scoring thread parses and checks it. The body schema
    // stays on the route for the OpenAPI document, and this route's validator skips the body.
    await app.register(async (call) => {
      call.removeContentTypeParser(['application/json', FHIR_JSON]);
      for (const type of ['application/json', FHIR_JSON])
        call.addContentTypeParser(
          type,
          { parseAs: 'string', bodyLimit: service.config.serve.predictBodyLimit },
          (req, body, done) => {
            (req as FastifyRequest & { rawBody?: string }).rawBody = body as string;
            done(null, body);
          },
        );
      call.post(
        '/cds-services/:id',
        {
          config: { public: true, selfAuth: true, permission: 'models:predict' },
          bodyLimit: service.config.serve.predictBodyLimit,
          validatorCompiler: ({ httpPart }) =>
            httpPart === 'body'
              ? () => true
              : (data: unknown) =>
                  checkIdParam.Check(data)
                    ? true
                    : { error: new Error('params/id must be a service id of 1 to 64 characters') },
          schema: {
            tags: ['cds-hooks'],
            summary: 'Call a CDS service (patient-view): risk card from prefetch or the FHIR server',
            params: IdParam,
            body: HookRequestSchema,
            response: fhirResponses({ 200: CardsSchema }),
          },
        },
        async (req) => {
          const { id } = req.params as { id: string };
          const who = await authenticate(req, id);
          let bodyHash: string | null = null; // from the scoring thread when it scored the call
          const audit = (modelVersion: string | null, summary: string) =>
            service.audit.append({
              ...who,
              action: 'cds.call',
              resource: `model:${id}@${cfg.alias}`,
              modelVersion,
              inputHash: bodyHash ?? inputHash(req),
              outputSummary: summary,
            });
          let d: Deployed | null = null;
          try {
            d = await deployed(id);
            const text = (req as FastifyRequest & { rawBody?: string }).rawBody ?? '';
            const indexMs = Date.now();
            let s: CardScore & {
              label: string | null;
              raw: (number | string | null)[];
              hookInstance: string;
            };
            const scored = await scoring.score({
              artifactPath: d.model.artifact.dir,
              name: d.model.ref.name,
              version: d.model.ref.version,
              body: text,
              serviceId: id,
              indexMs,
            });
            if (scored) {
              s = scored;
              bodyHash = scored.inputHash;
            } else {
              // a prefetch template without data: fetch it from the EHR's FHIR server, score here
              const r = parseCdsHookRequest(JSON.parse(text)) as { ok: true; request: CdsHookRequest };
              const items = await gather(r.request, d.spec);
              const f = scorePatient(d.model, items, { indexMs, patientId: r.request.context.patientId });
              if ('missing' in f)
                throw createError('AEGLE_CDS_DATA_MISSING', { missing: f.missing.join(', ') });
              s = { ...f, basisCount: f.features.basis.length, hookInstance: r.request.hookInstance };
            }
            const uuid = randomUUID();
            const card = await cardOf(req, d, s, uuid);
            const v = d.model.ref.version;
            service.predictionLog.record({
              modelName: id,
              version: v,
              requestId: uuid,
              rows: [s.raw],
              probability: [s.probability],
              labels: [s.label],
            });
            service.metrics.predictions.inc({ model: id, version: String(v) });
            service.metrics.predictionRequests.inc({ model: id, version: String(v), outcome: 'ok' });
            audit(
              String(v),
              `${card.indicator} p=${s.probability.toFixed(4)} card=${uuid} hookInstance=${s.hookInstance.slice(0, 64)}`,
            );
            return { cards: [card] };
          } catch (e) {
            const v = d ? String(d.model.ref.version) : null;
            if (d) service.metrics.predictionRequests.inc({ model: id, version: v!, outcome: 'rejected' });
            audit(v, `rejected ${(e as AegleError).code ?? 'error'}`);
            throw e;
          }
        },
      );
    });

    app.post(
      '/cds-services/:id/feedback',
      {
        config: { public: true, selfAuth: true, permission: 'models:predict' },
        // the body is checked after the caller is authenticated (an anonymous caller learns nothing)
        attachValidation: true,
        schema: {
          tags: ['cds-hooks'],
          summary: 'Feedback on cards (accepted / overridden), into the audit trail and metrics',
          params: IdParam,
          body: FeedbackSchema,
          response: fhirResponses({ 200: Type.Object({}) }),
        },
      },
      async (req) => {
        const { id } = req.params as { id: string };
        const who = await authenticate(req, id);
        if (req.validationError) throw req.validationError;
        const problems = validateFeedback(req.body);
        if (problems.length)
          throw createError('AEGLE_CDS_BAD_REQUEST', { problems: problems.slice(0, 5).join('; ') });
        const { model } = await deployed(id);
        const version = String(model.ref.version);
        const items = (
          req.body as {
            feedback: Array<{
              card: string;
              outcome: 'accepted' | 'overridden';
              overrideReason?: { reason?: { system?: string; code?: string } };
              acceptedSuggestions?: unknown[];
              outcomeTimestamp: string;
            }>;
          }
        ).feedback;
        for (const f of items) {
          const reason = f.overrideReason?.reason
            ? ` reason=${f.overrideReason.reason.system ?? ''}|${f.overrideReason.reason.code ?? ''}`
            : '';
          service.audit.append({
            ...who,
            action: 'cds.feedback',
            resource: `model:${id}@${cfg.alias}`,
            modelVersion: version,
            inputHash: inputHash(req),
            outputSummary: `${f.outcome} card=${f.card.slice(0, 64)} at=${f.outcomeTimestamp.slice(0, 40)}${reason.slice(0, 200)}`,
          });
          feedbackCounter.inc({ model: id, version, outcome: f.outcome });
        }
        return {};
      },
    );
  };
}
