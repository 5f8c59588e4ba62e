import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymizer, PhiGate } from '../../privacy/index.js';
import {
  createModelRoutes,
  type LlmAuditSink,
  LlmGateway,
  LlmQuotas,
  parseLlmConfig,
} from '../../runtime/index.js';
import { FakeUpstream } from '../../runtime/llm/testing/fake-upstream.js';
import { generateCohort } from '../../synth/index.js';
import { llmPlugin } from './plugin.js';

const GGUF = fileURLToPath(new URL('../../../../shared/data/llm/stories260K.gguf', import.meta.url));
const GOLDEN = ', there was a little girl named Lily. She loved to play outside in the park. One day,';
let hasLlama = false;
try {
  await import('node-llama-cpp');
  hasLlama = existsSync(GGUF);
} catch {}

let up: FakeUpstream;
let app: FastifyInstance;
let gateway: LlmGateway;
const audit: Parameters<LlmAuditSink['append']>[0][] = [];
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

/** Parses an SSE body into its data payloads. */
function sse(body: string): { chunks: any[]; done: boolean } {
  const datas = body
    .split('\n\n')
    .filter((x) => x.startsWith('data: '))
    .map((x) => x.slice(6));
  return {
    chunks: datas.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d)),
    done: datas.at(-1) === '[DONE]',
  };
}

beforeAll(async () => {
  up = await FakeUpstream.start({ chunkSize: 2 });
  const backends: unknown[] = [
    {
      type: 'openai',
      name: 'cloud',
      kind: 'external',
      baseUrl: up.url,
      models: [{ id: 'cloud-chat', upstream: 'gpt-4o-mini' }],
      retries: 0,
      timeoutMs: 300,
    },
  ];
  if (hasLlama)
    backends.push({
      type: 'llama-cpp',
      name: 'local',
      model: GGUF,
      id: 'stories260K',
      template: 'raw',
      contextSize: 256,
      threads: 1,
    });
  const settings = parseLlmConfig({ backends, policy: { denyExternalForRoles: ['clinician'] } });
  gateway = new LlmGateway({
    routes: createModelRoutes(settings),
    gate: new PhiGate({ pseudonymizer: createPseudonymizer(new Uint8Array(32).fill(9)) }),
    policy: settings.policy,
    quotas: new LlmQuotas(
      { tokensPerWindow: null, requestsPerMinute: null },
      { tiny: { tokensPerWindow: 1 } },
    ),
    audit: { append: (e) => audit.push(e) },
  });
  app = Fastify();
  await app.register(llmPlugin, {
    prefix: '/api/v1/llm',
    gateway,
    authenticate: async (req) => {
      const m = /^Bearer (\w+)$/.exec(req.headers.authorization ?? '');
      if (m) (req as any).principal = { keyId: m[1], role: m[1] === 'nurse' ? 'clinician' : 'scientist' };
    },
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await gateway?.close();
  await up?.close();
});

describe('LLM routes', () => {
  it('lists models with their kind', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v1/llm/models', headers: auth('k1') });
    expect(r.statusCode).toBe(200);
    expect(r.json().data).toContainEqual({
      id: 'cloud-chat',
      object: 'model',
      created: 0,
      owned_by: 'cloud',
      kind: 'external',
    });
  });

  it.skipIf(!hasLlama)(
    'the real stories260K model answers through the gateway, greedy, with the golden continuation',
    async () => {
      const body = {
        model: 'stories260K',
        messages: [{ role: 'user', content: 'Once upon a time' }],
        temperature: 0,
        max_tokens: 40,
      };
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/llm/chat/completions',
        headers: auth('k1'),
        payload: body,
      });
      expect(r.statusCode).toBe(200);
      const j = r.json();
      expect(j.object).toBe('chat.completion');
      expect(j.choices[0].message.content.startsWith(GOLDEN)).toBe(true);
      expect(j.usage.completion_tokens).toBe(40);
      expect(j.choices[0].finish_reason).toBe('length');
      // the same through SSE
      const s = await app.inject({
        method: 'POST',
        url: '/api/v1/llm/chat/completions',
        headers: auth('k1'),
        payload: { ...body, stream: true },
      });
      expect(s.headers['content-type']).toMatch(/text\/event-stream/);
      const { chunks, done } = sse(s.body);
      expect(done).toBe(true);
      expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(
        j.choices[0].message.content,
      );
      // a JSON schema becomes a grammar: the output parses and has the shape
      const schema = {
        type: 'object',
        properties: { hero: { type: 'string' }, age: { type: 'integer' } },
        required: ['hero', 'age'],
      };
      const g = await app.inject({
        method: 'POST',
        url: '/api/v1/llm/chat/completions',
        headers: auth('k1'),
        payload: {
          model: 'stories260K',
          messages: [{ role: 'user', content: 'Once upon a time' }],
          max_tokens: 60,
          response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
        },
      });
      const parsed = JSON.parse(g.json().choices[0].message.content);
      expect(typeof parsed.hero).toBe('string');
      expect(Number.isInteger(parsed.age)).toBe(true);
    },
  );

  it('external backend over HTTP: no note PHI reaches the upstream, the caller sees real values, plain and SSE', async () => {
    const c = generateCohort({ patients: 20, seed: 21 });
    const col = (n: string) =>
      c.tables.notes.columns.find((x) => x.name === n) as unknown as {
        codes: Int32Array;
        dictionary: string[];
      };
    const text = col('text');
    const pid = col('patient_id');
    for (let r = 0; r < 12; r++) {
      const note = text.dictionary[text.codes[r]];
      const phi = c.truth.phi
        .filter((p) => p.patientId === pid.dictionary[pid.codes[r]] && note.includes(p.value))
        .map((p) => p.value);
      const stream = r % 2 === 1;
      const before = up.requests.length;
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/llm/chat/completions',
        headers: auth('k1'),
        payload: {
          model: 'cloud-chat',
          stream,
          messages: [{ role: 'user', content: [{ type: 'text', text: note }] }],
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      const sent = up.requests
        .slice(before)
        .map((q) => q.raw)
        .join('\n');
      expect(up.requests[before].body.model).toBe('gpt-4o-mini');
      for (const v of phi) expect(sent).not.toContain(v);
      const answer = stream
        ? sse(res.body)
            .chunks.map((x) => x.choices[0]?.delta?.content ?? '')
            .join('')
        : res.json().choices[0].message.content;
      expect(answer).toBe(`ECHO: ${note}`);
    }
  });

  it('answers errors as problem+json with an OpenAI-style error member', async () => {
    const msg = [{ role: 'user', content: 'hello' }];
    const none = await app.inject({
      method: 'POST',
      url: '/api/v1/llm/chat/completions',
      payload: { model: 'cloud-chat', messages: msg },
    });
    expect(none.statusCode).toBe(401);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/llm/chat/completions',
      headers: auth('k1'),
      payload: { model: 'gpt-5', messages: msg },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.json()).toMatchObject({
      code: 'AEGLE_LLM_UNKNOWN_MODEL',
      error: { code: 'AEGLE_LLM_UNKNOWN_MODEL' },
    });
    const denied = await app.inject({
      method: 'POST',
      url: '/api/v1/llm/chat/completions',
      headers: auth('nurse'),
      payload: { model: 'cloud-chat', messages: msg },
    });
    expect(denied.statusCode).toBe(403);
    await app.inject({
      method: 'POST',
      url: '/api/v1/llm/chat/completions',
      headers: auth('tiny'),
      payload: { model: 'cloud-chat', messages: msg },
    });
    const quota = await app.inject({
      method: 'POST',
      url: '/api/v1/llm/chat/completions',
      headers: auth('tiny'),
      payload: { model: 'cloud-chat', messages: msg, stream: true },
    });
    expect(quota.statusCode).toBe(429);
    expect(Number(quota.headers['retry-after'])).toBeGreaterThan(0);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/llm/chat/completions',
      headers: auth('k1'),
      payload: { model: 'cloud-chat', messages: [] },
    });
    expect(bad.statusCode).toBe(400);
    up.hangNext(1);
    const slow = await app.inject({
      method: 'POST',
      url: '/api/v1/llm/chat/completions',
      headers: auth('k1'),
      payload: { model: 'cloud-chat', messages: msg },
    });
    expect(slow.statusCode).toBe(504);
    expect(slow.json().code).toBe('AEGLE_LLM_TIMEOUT');
  });

  it('audits every call without its text', () => {
    expect(audit.length).toBeGreaterThanOrEqual(16);
    const all = JSON.stringify(audit);
    expect(all).not.toContain('Once upon a time');
    expect(all).not.toContain('ECHO');
    for (const e of audit) expect(e.inputHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
