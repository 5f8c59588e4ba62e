import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAegleError } from '../../core/index.js';
import { OpenAiBackend } from './openai-backend.js';
import { backoffDelay, CircuitBreaker } from './resilience.js';
import { FakeUpstream } from './testing/fake-upstream.js';

let up: FakeUpstream;
beforeAll(async () => {
  up = await FakeUpstream.start();
});
afterAll(async () => {
  await up.close();
});

const msg = [{ role: 'user' as const, content: 'hello there' }];
const backend = (o: Partial<ConstructorParameters<typeof OpenAiBackend>[0]> = {}) =>
  new OpenAiBackend({
    name: 'up',
    kind: 'external',
    baseUrl: up.url,
    apiKey: 'sk-test',
    backoff: { baseMs: 5 },
    ...o,
  });

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isAegleError(e) ? e.code : String(e);
  }
}

describe('OpenAiBackend', () => {
  it('sends an OpenAI body with credentials and reads the answer and usage', async () => {
    const n = up.requests.length;
    const r = await backend().chat({
      model: 'm1',
      messages: msg,
      maxTokens: 10,
      temperature: 0,
      stop: ['\n\n'],
    });
    expect(r.text).toBe('ECHO: hello there');
    expect(r.usage.completionTokens).toBeGreaterThan(0);
    const got = up.requests[n];
    expect(got.headers.authorization).toBe('Bearer sk-test');
    expect(got.body).toMatchObject({ model: 'm1', max_tokens: 10, temperature: 0, stop: ['\n\n'] });
  });

  it('streams deltas and assembles the whole text', async () => {
    const chunks: string[] = [];
    const r = await backend().stream({ model: 'm1', messages: msg }, (t) => chunks.push(t));
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.join('')).toBe('ECHO: hello there');
    expect(r.text).toBe('ECHO: hello there');
    expect(r.usage.promptTokens).toBeGreaterThan(0);
  });

  it('retries 5xx with backoff, then succeeds', async () => {
    up.failNext(2, 503);
    const n = up.requests.length;
    const r = await backend({ retries: 2 }).chat({ model: 'm1', messages: msg });
    expect(r.text).toBe('ECHO: hello there');
    expect(up.requests.length - n).toBe(3);
  });

  it('does not retry a 4xx', async () => {
    up.failNext(1, 400);
    const n = up.requests.length;
    expect(await code(backend({ retries: 3 }).chat({ model: 'm1', messages: msg }))).toBe(
      'AEGLE_LLM_UPSTREAM',
    );
    expect(up.requests.length - n).toBe(1);
  });

  it('times out a hung upstream', async () => {
    up.hangNext(1);
    const t0 = Date.now();
    expect(await code(backend({ retries: 0, timeoutMs: 150 }).chat({ model: 'm1', messages: msg }))).toBe(
      'AEGLE_LLM_TIMEOUT',
    );
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('opens the circuit after repeated failures, fails fast, and closes after a good probe', async () => {
    const b = backend({ retries: 0, breaker: { failureThreshold: 2, resetMs: 200 } });
    up.failNext(2, 500);
    expect(await code(b.chat({ model: 'm1', messages: msg }))).toBe('AEGLE_LLM_UPSTREAM');
    expect(await code(b.chat({ model: 'm1', messages: msg }))).toBe('AEGLE_LLM_UPSTREAM');
    expect(b.breaker.state).toBe('open');
    const n = up.requests.length;
    expect(await code(b.chat({ model: 'm1', messages: msg }))).toBe('AEGLE_LLM_CIRCUIT_OPEN');
    expect(up.requests.length).toBe(n); // failed fast: nothing sent
    await new Promise((r) => setTimeout(r, 220));
    expect(b.breaker.state).toBe('half-open');
    expect((await b.chat({ model: 'm1', messages: msg })).text).toContain('ECHO');
    expect(b.breaker.state).toBe('closed');
  });

  it('a failed probe re-opens the circuit at once', () => {
    let now = 0;
    const cb = new CircuitBreaker({ failureThreshold: 3, resetMs: 1000, now: () => now });
    for (let i = 0; i < 3; i++) cb.failure();
    expect(cb.tryAcquire()).toBe(false);
    now = 1000;
    expect(cb.tryAcquire()).toBe(true); // the probe
    expect(cb.tryAcquire()).toBe(false); // one at a time
    cb.failure();
    expect(cb.state).toBe('open');
    expect(cb.retryAfterSeconds).toBe(1);
  });

  it('backoff is full jitter under an exponential, capped ceiling', () => {
    expect(backoffDelay(0, { baseMs: 100, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(3, { baseMs: 100, random: () => 0.5 })).toBe(400);
    expect(backoffDelay(20, { baseMs: 100, capMs: 1000, random: () => 0.999 })).toBe(999);
    expect(backoffDelay(5, { random: () => 0 })).toBe(0);
  });
});
