/**
 * The one boundary that translates errors (STYLE rule 8). Every error leaving the service becomes an
 * RFC 9457 problem document (`application/problem+json`) carrying the stable code; Open Inference
 * Protocol routes answer `{"error": "..."}` as that protocol requires. Stack traces and causes go to
 * the log, never to the client; unexpected errors say only "internal error" plus the request id.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type AegleError, defineErrors, isAegleError } from '../core/index.js';

export const ServeErrors = defineErrors({
  AEGLE_SERVE_VALIDATION: {
    message: 'The request is not valid: {detail}.',
    status: 400,
    fix: 'Correct the fields listed in `errors`; the OpenAPI document at /api/v1/openapi.json describes every route.',
  },
  AEGLE_SERVE_BODY_TOO_LARGE: {
    message: 'The request body is larger than the limit of {limit} bytes.',
    status: 413,
    fix: 'Send fewer rows per request, or raise AEGLE_BODY_LIMIT / AEGLE_PREDICT_BODY_LIMIT / AEGLE_UPLOAD_LIMIT.',
  },
  AEGLE_SERVE_NOT_FOUND: {
    message: 'No route {method} {url}.',
    status: 404,
    fix: 'See /api/v1/openapi.json for the routes.',
  },
  AEGLE_SERVE_OVERLOADED: {
    message: 'The service is overloaded; retry in {retryAfter} s.',
    status: 503,
    fix: 'Retry after the Retry-After delay, or add replicas.',
  },
  AEGLE_SERVE_UNAVAILABLE: {
    message: 'The service is {state}.',
    status: 503,
    fix: 'Retry shortly; another replica may answer.',
  },
  AEGLE_SERVE_INTERNAL: {
    message: 'Internal error (request {requestId}).',
    status: 500,
    fix: 'Look up the request id in the service log; report it if it persists.',
  },
  AEGLE_SERVE_BAD_UPLOAD: {
    message: 'Upload problem: {reason}.',
    status: 400,
    fix: 'Send multipart/form-data with one file field (CSV, TSV or Parquet) and a name field.',
  },
});

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  requestId: string;
  errors?: unknown[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemOf(
  req: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  errors?: unknown[],
): Problem {
  const p: Problem = {
    type: `https://aegle.dev/errors/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    instance: req.url.split('?')[0],
    requestId: String(req.id),
  };
  if (errors?.length) p.errors = errors;
  return p;
}

/** Sends a problem (or an OIP error on /v2). */
export function sendProblem(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  errors?: unknown[],
): FastifyReply {
  if (req.url.startsWith('/v2'))
    return reply
      .code(status)
      .type('application/json')
      .send({ error: `${code}: ${detail}` });
  return reply
    .code(status)
    .type('application/problem+json')
    .send(problemOf(req, status, code, detail, errors));
}

/** Fastify's error handler: maps every error to a status, a code and a safe message. */
export function errorHandler(
  error: FastifyError | AegleError | Error,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (isAegleError(error)) {
    const errors = Array.isArray(error.details.errors) ? (error.details.errors as unknown[]) : undefined;
    if (error.status >= 500) req.log.error({ err: error, code: error.code }, 'request failed');
    else req.log.info({ code: error.code, status: error.status }, 'request rejected');
    if (error.status === 429 && error.details.retryAfter)
      reply.header('retry-after', String(error.details.retryAfter));
    // a full model queue (or a model being reloaded) clears within a second or so
    if (error.code === 'AEGLE_RUNTIME_QUEUE_FULL' || error.code === 'AEGLE_RUNTIME_CLOSED')
      reply.header('retry-after', '1');
    return sendProblem(req, reply, error.status, error.code, error.message, errors);
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const errors = fe.validation.map((v) => ({
      field: `${fe.validationContext ?? 'body'}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}${v.params && 'missingProperty' in v.params ? `.${String(v.params.missingProperty)}` : ''}${v.params && 'additionalProperty' in v.params ? `.${String(v.params.additionalProperty)}` : ''}`,
      problem: v.message ?? 'is invalid',
    }));
    return sendProblem(
      req,
      reply,
      400,
      'AEGLE_SERVE_VALIDATION',
      `The request is not valid: ${errors.map((e) => `${e.field} ${e.problem}`).join('; ')}.`,
      errors,
    );
  }
  if (
    fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ||
    fe.code === 'FST_REQ_FILE_TOO_LARGE' ||
    fe.statusCode === 413
  ) {
    return sendProblem(
      req,
      reply,
      413,
      'AEGLE_SERVE_BODY_TOO_LARGE',
      'The request body is larger than the limit for this route.',
    );
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors (bad JSON, wrong content type, …): their messages are safe
    return sendProblem(
      req,
      reply,
      fe.statusCode,
      fe.code?.startsWith('FST_') ? `AEGLE_SERVE_VALIDATION` : 'AEGLE_SERVE_VALIDATION',
      fe.message,
    );
  }
  req.log.error({ err: error }, 'unexpected error');
  return sendProblem(req, reply, 500, 'AEGLE_SERVE_INTERNAL', `Internal error (request ${req.id}).`);
}
