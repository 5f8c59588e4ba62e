/** Health, readiness, metrics, the OpenAPI document, API keys and the audit log. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { listAudit, verifyAuditChain } from '../../monitor/index.js';
import { ROLES } from '../../store/index.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../keys.js';
import { IdParam, responses } from '../schemas.js';
import type { Service } from '../service.js';

const KeyInfo = Type.Object({
  id: Type.String(),
  role: Type.String(),
  label: Type.String(),
  rateLimit: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

const AuditEntry = Type.Object({
  seq: Type.Integer(),
  ts: Type.String(),
  actor: Type.String(),
  role: Type.String(),
  action: Type.String(),
  resource: Type.String(),
  modelVersion: Type.Union([Type.String(), Type.Null()]),
  inputHash: Type.Union([Type.String(), Type.Null()]),
  outputSummary: Type.Union([Type.String(), Type.Null()]),
  prevHash: Type.String(),
  hash: Type.String(),
});

export function systemRoutes(service: Service) {
  return async function plugin(app: FastifyInstance & { readiness?: { ready: boolean; state: string } }) {
    const Health = Type.Object({ status: Type.String() });
    app.get(
      '/healthz',
      {
        config: { public: true },
        schema: { tags: ['health'], summary: 'Liveness', security: [], response: { 200: Health } },
      },
      async () => ({ status: 'ok' }),
    );
    app.get(
      '/readyz',
      {
        config: { public: true },
        schema: {
          tags: ['health'],
          summary: 'Readiness: 503 while starting or draining',
          security: [],
          response: { 200: Health, 503: Health },
        },
      },
      async (_req, reply) => {
        const r = (app as unknown as { readiness: { ready: boolean; state: string } }).readiness;
        if (!r.ready) return reply.code(503).send({ status: r.state });
        return { status: 'ready' };
      },
    );
    app.get(
      '/metrics',
      {
        config: { permission: 'metrics:read' },
        schema: { tags: ['monitor'], summary: 'Prometheus metrics', produces: ['text/plain'] },
      },
      async (_req, reply) => {
        await service.refreshGauges();
        reply.type(service.metrics.registry.contentType);
        return service.metrics.registry.metrics();
      },
    );
    app.get(
      '/api/v1/openapi.json',
      {
        config: { permission: 'docs:read' },
        schema: { tags: ['docs'], summary: 'This OpenAPI document', hide: true },
      },
      async () => (app as unknown as { swagger(): unknown }).swagger(),
    );

    // --- API keys ---
    app.post(
      '/api/v1/keys',
      {
        config: { permission: 'keys:manage' },
        schema: {
          tags: ['keys'],
          summary: 'Create an API key (the key is in this response only)',
          body: Type.Object({
            role: Type.Union(ROLES.map((r) => Type.Literal(r))),
            label: Type.Optional(Type.String({ maxLength: 200 })),
            rateLimit: Type.Optional(Type.Integer({ minimum: 1, description: 'requests per minute' })),
          }),
          response: responses({ 201: Type.Object({ key: Type.String(), info: KeyInfo }) }),
        },
      },
      async (req, reply) => {
        const b = req.body as { role: string; label?: string; rateLimit?: number };
        const out = await createApiKey(service.meta, { ...b, createdBy: req.principal!.keyId });
        await service.audit.appendNow({
          actor: req.principal!.keyId,
          role: req.principal!.role,
          action: 'key.create',
          resource: `key:${out.info.id}`,
          outputSummary: `role=${out.info.role}`,
        });
        return reply.code(201).send(out);
      },
    );
    app.get(
      '/api/v1/keys',
      {
        config: { permission: 'keys:manage' },
        schema: {
          tags: ['keys'],
          summary: 'List API keys (never the keys themselves)',
          response: responses({ 200: Type.Array(KeyInfo) }),
        },
      },
      async () => listApiKeys(service.meta),
    );
    app.delete(
      '/api/v1/keys/:id',
      {
        config: { permission: 'keys:manage' },
        schema: {
          tags: ['keys'],
          summary: 'Revoke an API key',
          params: IdParam,
          response: responses({ 204: Type.Null() }),
        },
      },
      async (req, reply) => {
        const { id } = req.params as { id: string };
        await revokeApiKey(service.meta, id);
        service.keys.clear();
        await service.audit.appendNow({
          actor: req.principal!.keyId,
          role: req.principal!.role,
          action: 'key.revoke',
          resource: `key:${id}`,
        });
        return reply.code(204).send();
      },
    );

    // --- audit ---
    app.get(
      '/api/v1/audit',
      {
        config: { permission: 'audit:read' },
        schema: {
          tags: ['audit'],
          summary: 'Read the audit log in chain order',
          querystring: Type.Object({
            after: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
            actor: Type.Optional(Type.String()),
            action: Type.Optional(Type.String()),
            resource: Type.Optional(Type.String()),
          }),
          response: responses({
            200: Type.Object({
              entries: Type.Array(AuditEntry),
              next: Type.Union([Type.Integer(), Type.Null()]),
            }),
          }),
        },
      },
      async (req) => {
        await service.audit.flush();
        const q = req.query as {
          after?: number;
          limit?: number;
          actor?: string;
          action?: string;
          resource?: string;
        };
        const entries = await listAudit(service.meta, q);
        service.audit.append({
          actor: req.principal!.keyId,
          role: req.principal!.role,
          action: 'audit.read',
          resource: 'audit',
          outputSummary: `n=${entries.length}`,
        });
        return {
          entries,
          next: entries.length === (q.limit ?? 100) ? entries[entries.length - 1].seq : null,
        };
      },
    );
    app.get(
      '/api/v1/audit/verify',
      {
        config: { permission: 'audit:read' },
        schema: {
          tags: ['audit'],
          summary: 'Verify the hash chain',
          querystring: Type.Object({
            expectedHead: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
          }),
          response: responses({
            200: Type.Object({
              ok: Type.Boolean(),
              entries: Type.Integer(),
              head: Type.String(),
              problem: Type.Union([Type.Object({ seq: Type.Integer(), reason: Type.String() }), Type.Null()]),
            }),
          }),
        },
      },
      async (req) => {
        await service.audit.flush();
        return verifyAuditChain(service.meta, {
          expectedHead: (req.query as { expectedHead?: string }).expectedHead,
        });
      },
    );
  };
}
