/** Jobs: submit, list, status, live progress (Server-Sent Events), logs, cancel. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { JobEvent, JobRecord } from '../../jobs/index.js';
import { IdParam, Json, JsonObject, responses } from '../schemas.js';
import type { Service } from '../service.js';

const Job = Type.Object({
  id: Type.String(),
  type: Type.String(),
  status: Type.String(),
  params: Json,
  result: Json,
  error: Type.Union([Type.String(), Type.Null()]),
  progress: Json,
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  worker: Type.Union([Type.String(), Type.Null()]),
});

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function jobRoutes(service: Service) {
  return async function plugin(app: FastifyInstance) {
    app.post(
      '/',
      {
        config: { permission: 'jobs:write' },
        schema: {
          tags: ['jobs'],
          summary: 'Submit a job: train, evaluate or batch-predict',
          body: Type.Object({
            type: Type.String({ description: 'train | evaluate | batch-predict' }),
            params: Type.Optional(JsonObject),
          }),
          response: responses({ 202: Job }),
        },
      },
      async (req, reply) => {
        const b = req.body as { type: string; params?: Record<string, unknown> };
        const job = await service.jobs.submit(b.type, b.params ?? {}, req.principal!.keyId);
        service.audit.append({
          actor: req.principal!.keyId,
          role: req.principal!.role,
          action: 'job.submit',
          resource: `job:${job.id}`,
          outputSummary: b.type,
        });
        return reply.code(202).header('location', `/api/v1/jobs/${job.id}`).send(job);
      },
    );
    app.get(
      '/',
      {
        config: { permission: 'jobs:read' },
        schema: {
          tags: ['jobs'],
          summary: 'List jobs, newest first',
          querystring: Type.Object({
            status: Type.Optional(
              Type.Union(
                ['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s)),
              ),
            ),
            type: Type.Optional(Type.String()),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          }),
          response: responses({ 200: Type.Array(Job) }),
        },
      },
      async (req) => service.jobs.list(req.query as never),
    );
    app.get(
      '/:id',
      {
        config: { permission: 'jobs:read' },
        schema: { tags: ['jobs'], summary: 'Job status', params: IdParam, response: responses({ 200: Job }) },
      },
      async (req) => service.jobs.get((req.params as { id: string }).id),
    );
    app.get(
      '/:id/logs',
      {
        config: { permission: 'jobs:read' },
        schema: {
          tags: ['jobs'],
          summary: 'Job log lines',
          params: IdParam,
          querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })) }),
          response: responses({
            200: Type.Array(
              Type.Object({
                id: Type.Integer(),
                ts: Type.String(),
                level: Type.String(),
                message: Type.String(),
              }),
            ),
          }),
        },
      },
      async (req) =>
        service.jobs.logs((req.params as { id: string }).id, (req.query as { after?: number }).after ?? 0),
    );
    app.post(
      '/:id/cancel',
      {
        config: { permission: 'jobs:write' },
        schema: {
          tags: ['jobs'],
          summary: 'Cancel a queued or running job',
          params: IdParam,
          response: responses({ 200: Job }),
        },
      },
      async (req) => {
        const job = await service.jobs.cancel((req.params as { id: string }).id);
        service.audit.append({
          actor: req.principal!.keyId,
          role: req.principal!.role,
          action: 'job.cancel',
          resource: `job:${job.id}`,
        });
        return job;
      },
    );
    app.get(
      '/:id/events',
      {
        config: { permission: 'jobs:read' },
        schema: {
          tags: ['jobs'],
          summary:
            'Live progress as Server-Sent Events (event: status | progress | log); ends when the job finishes',
          params: IdParam,
          produces: ['text/event-stream'],
        },
      },
      async (req, reply) => {
        const id = (req.params as { id: string }).id;
        const job = await service.jobs.get(id);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-request-id': String(req.id),
        });
        let closed = false;
        const send = (event: string, data: unknown) => {
          if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        };
        const end = () => {
          if (closed) return;
          closed = true;
          service.jobs.events.off(`job:${id}`, onEvent);
          clearInterval(ping);
          res.end();
        };
        const onEvent = (e: JobEvent) => {
          if (e.type === 'status') {
            send('status', e.job);
            if (FINAL.has(e.job.status)) end();
          } else if (e.type === 'progress') send('progress', e.progress);
          else send('log', e.line);
        };
        const ping = setInterval(() => !closed && res.write(': ping\n\n'), 15_000);
        service.jobs.events.on(`job:${id}`, onEvent);
        req.raw.on('close', end);
        send('status', job);
        if (FINAL.has(job.status)) end();
        else {
          // a status change between the read above and subscribing would be missed: re-read once
          const again: JobRecord = await service.jobs.get(id);
          if (FINAL.has(again.status)) {
            send('status', again);
            end();
          }
        }
      },
    );
  };
}
