/**
 * OpenAI-compatible LLM routes as one encapsulated Fastify plugin: `POST /chat/completions` (plain or
 * SSE stream) and `GET /models`, to be registered under `/api/v1/llm`. Clients and SDKs work by
 * changing their base URL. Every call goes through the gateway (policy, quotas, PHI gate, audit,
 * metrics). Authentication is the app's: routes declare `config.permission` and read
 * `request.principal`; standalone users pass `authenticate` instead. Errors are problem+json with an
 * extra OpenAI-style `error` member, so both kinds of client read them.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createError, isAegleError, newId } from '../../core/index.js';
import type { Caller, ChatMessage, GatewayRequest, LlmGateway, ResponseFormat } from '../../runtime/index.js';
import { errorHandler, problemOf } from '../errors.js';
import '../keys.js';
import { ChatCompletionBody, ChatCompletionResponse, ModelList } from './schemas.js';

export interface LlmPluginOptions {
  readonly gateway: LlmGateway;
  /** Runs before each route (standalone use); in the Aegle app the global auth hook does this. */
  readonly authenticate?: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Who calls; default `request.principal` as set by the app's auth hook. */
  readonly caller?: (req: FastifyRequest) => Caller | null;
  /** Largest request body in bytes (default: the app's). */
  readonly bodyLimit?: number;
}

type Body = {
  model: string;
  messages: Array<{ role: string; content: unknown; name?: string }>;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[] | null;
  seed?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  response_format?:
    | { type: 'text' }
    | { type: 'json_object' }
    | {
        type: 'json_schema';
        json_schema: { name?: string; schema: Record<string, unknown>; strict?: boolean };
      };
  metadata?: { conversation_id?: string; dataset?: string };
};

function defaultCaller(req: FastifyRequest): Caller | null {
  const p = (req as FastifyRequest & { principal?: { keyId: string; role: string } | null }).principal;
  return p ? { keyId: p.keyId, role: p.role } : null;
}

function contentText(c: unknown, i: number): string {
  if (typeof c === 'string') return c;
  if (c === null || c === undefined) return '';
  if (Array.isArray(c)) {
    return c
      .map((p) => {
        if (
          p &&
          typeof p === 'object' &&
          (p as { type?: unknown }).type === 'text' &&
          typeof (p as { text?: unknown }).text === 'string'
        )
          return (p as { text: string }).text;
        throw createError('AEGLE_LLM_BAD_REQUEST', {
          reason: `messages[${i}].content parts must be {type: "text", text: string} (images and audio are not supported)`,
        });
      })
      .join('');
  }
  throw createError('AEGLE_LLM_BAD_REQUEST', {
    reason: `messages[${i}].content must be a string or an array of text parts`,
  });
}

function toGatewayRequest(req: FastifyRequest, b: Body, signal: AbortSignal): GatewayRequest {
  const messages: ChatMessage[] = b.messages.map((m, i) => ({
    role: m.role === 'developer' ? 'system' : (m.role as ChatMessage['role']),
    content: contentText(m.content, i),
  }));
  let responseFormat: ResponseFormat | undefined;
  const rf = b.response_format;
  if (rf?.type === 'json_schema')
    responseFormat = {
      type: 'json_schema',
      name: rf.json_schema.name,
      schema: rf.json_schema.schema,
      strict: rf.json_schema.strict,
    };
  else if (rf?.type === 'json_object') responseFormat = { type: 'json_object' };
  const header = (n: string) => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : undefined);
  return {
    model: b.model,
    messages,
    temperature: b.temperature,
    topP: b.top_p,
    maxTokens: b.max_completion_tokens ?? b.max_tokens,
    stop: b.stop == null ? undefined : Array.isArray(b.stop) ? b.stop : [b.stop],
    seed: b.seed,
    responseFormat,
    conversationId: b.metadata?.conversation_id ?? header('x-aegle-conversation'),
    dataset: b.metadata?.dataset ?? header('x-aegle-dataset'),
    signal,
  };
}

/** The plugin; register with `{ prefix: '/api/v1/llm', gateway }`. */
export async function llmPlugin(app: FastifyInstance, opts: LlmPluginOptions): Promise<void> {
  const { gateway } = opts;
  const callerOf = (req: FastifyRequest): Caller => {
    const c = (opts.caller ?? defaultCaller)(req);
    if (!c) throw createError('AEGLE_AUTH_REQUIRED');
    return c;
  };
  if (opts.authenticate) app.addHook('onRequest', opts.authenticate);
  app.setErrorHandler((error: FastifyError | Error, req, reply) => {
    if (!isAegleError(error)) return errorHandler(error, req, reply);
    if (error.status >= 500) req.log.error({ err: error, code: error.code }, 'llm request failed');
    if (error.status === 429 && error.details.retryAfter)
      reply.header('retry-after', String(error.details.retryAfter));
    const problem = problemOf(req, error.status, error.code, error.message);
    return reply
      .code(error.status)
      .type('application/problem+json')
      .send({
        ...problem,
        error: {
          message: error.message,
          type: error.status >= 500 ? 'server_error' : 'invalid_request_error',
          code: error.code,
        },
      });
  });

  app.get(
    '/models',
    {
      config: { permission: 'models:predict' },
      schema: {
        tags: ['llm'],
        summary: 'Language models (OpenAI list format)',
        response: { 200: ModelList },
      },
    },
    async (req) => {
      callerOf(req);
      return {
        object: 'list' as const,
        data: gateway.models().map((m) => ({
          id: m.id,
          object: 'model' as const,
          created: 0,
          owned_by: m.backend,
          kind: m.kind,
        })),
      };
    },
  );

  app.post(
    '/chat/completions',
    {
      config: { permission: 'models:predict' },
      bodyLimit: opts.bodyLimit,
      schema: {
        tags: ['llm'],
        summary:
          'Chat completion (OpenAI-compatible; SSE when stream is true). PHI never reaches external backends.',
        body: ChatCompletionBody,
        response: { 200: ChatCompletionResponse },
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      const body = req.body as Body;
      const ac = new AbortController();
      let finished = false;
      reply.raw.on('close', () => {
        if (!finished) ac.abort(new Error('client went away'));
      });
      const greq = toGatewayRequest(req, body, ac.signal);
      const created = Math.floor(Date.now() / 1000);
      if (!body.stream) {
        const r = await gateway.chat(caller, greq);
        finished = true;
        return {
          id: r.id,
          object: 'chat.completion' as const,
          created,
          model: r.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant' as const, content: r.text },
              finish_reason: r.finishReason,
            },
          ],
          usage: {
            prompt_tokens: r.usage.promptTokens,
            completion_tokens: r.usage.completionTokens,
            total_tokens: r.usage.promptTokens + r.usage.completionTokens,
          },
        };
      }
      // SSE: headers go out with the first chunk, so errors before it are ordinary problem+json answers
      const id = newId('chatcmpl');
      let started = false;
      const write = (o: unknown) => reply.raw.write(`data: ${JSON.stringify(o)}\n\n`);
      const start = () => {
        if (started) return;
        started = true;
        reply.hijack();
        reply.raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-request-id': String(req.id),
        });
        write({
          id,
          object: 'chat.completion.chunk',
          created,
          model: body.model,
          choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
        });
      };
      try {
        const r = await gateway.stream(caller, greq, (text) => {
          start();
          write({
            id,
            object: 'chat.completion.chunk',
            created,
            model: body.model,
            choices: [{ index: 0, delta: { content: text }, finish_reason: null }],
          });
        });
        start();
        write({
          id,
          object: 'chat.completion.chunk',
          created,
          model: r.model,
          choices: [{ index: 0, delta: {}, finish_reason: r.finishReason }],
        });
        if (body.stream_options?.include_usage) {
          write({
            id,
            object: 'chat.completion.chunk',
            created,
            model: r.model,
            choices: [],
            usage: {
              prompt_tokens: r.usage.promptTokens,
              completion_tokens: r.usage.completionTokens,
              total_tokens: r.usage.promptTokens + r.usage.completionTokens,
            },
          });
        }
      } catch (e) {
        if (!started) throw e;
        const code = isAegleError(e) ? e.code : 'AEGLE_SERVE_INTERNAL';
        const message = isAegleError(e) ? e.message : `Internal error (request ${req.id}).`;
        write({ error: { message, type: 'server_error', code } });
      }
      finished = true;
      reply.raw.end('data: [DONE]\n\n');
      return reply;
    },
  );
}
