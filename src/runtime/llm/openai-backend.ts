/**
 * A backend that forwards to any OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp
 * server, hosted providers): its own credentials, a timeout per attempt (for streams: until the
 * headers, then between chunks), retries with backoff and full jitter on network errors, timeouts,
 * 408/429/5xx (honouring Retry-After), and a circuit breaker around the whole call.
 * Error messages carry the status only, never the upstream's body (it may echo the prompt).
 */
import { createError, isAegleError } from '../../core/index.js';
import './errors.js';
import {
  type BackoffOptions,
  CircuitBreaker,
  type CircuitBreakerOptions,
  backoffDelay,
  sleep,
} from './resilience.js';
import type { BackendKind, ChatRequest, ChatResult, FinishReason, LlmBackend } from './types.js';

export interface OpenAiBackendOptions {
  readonly name: string;
  readonly kind: BackendKind;
  /** Base URL up to and including the version, e.g. `https://host/v1`; `/chat/completions` is appended. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` (never logged). */
  readonly apiKey?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Per attempt; for streams, until the headers and then between chunks (default 60 000). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 2). */
  readonly retries?: number;
  readonly backoff?: BackoffOptions;
  readonly breaker?: CircuitBreakerOptions;
  /** Ask for usage in the last stream chunk (`stream_options.include_usage`, default true). */
  readonly streamUsage?: boolean;
  readonly fetch?: typeof fetch;
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
    readonly cause0?: unknown,
  ) {
    super(message);
  }
}

/** Rough token count when the upstream does not report usage (≈4 characters a token in English). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export class OpenAiBackend implements LlmBackend {
  readonly name: string;
  readonly kind: BackendKind;
  readonly breaker: CircuitBreaker;
  private readonly url: string;

  constructor(private readonly opts: OpenAiBackendOptions) {
    this.name = opts.name;
    this.kind = opts.kind;
    this.url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.breaker = new CircuitBreaker(opts.breaker);
  }

  chat(req: ChatRequest): Promise<ChatResult> {
    return this.guarded(req, async (signal, arm) => {
      const res = await this.post(req, false, signal);
      const body = (await res.json()) as any;
      arm(false);
      const choice = body?.choices?.[0];
      const text = typeof choice?.message?.content === 'string' ? choice.message.content : '';
      return {
        text,
        finishReason: finish(choice?.finish_reason),
        usage: usageOf(body?.usage, req, text),
      };
    });
  }

  stream(req: ChatRequest, onText: (text: string) => void): Promise<ChatResult> {
    return this.guarded(req, async (signal, arm, started) => {
      const res = await this.post(req, true, signal);
      if (!res.body) throw new RetryableError('empty stream', null);
      let text = '';
      let reason: FinishReason = 'stop';
      let usage: any = null;
      const decoder = new TextDecoder();
      let pending = '';
      const reader = res.body.getReader();
      for (;;) {
        arm(true);
        const { value, done } = await reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          const line = pending.slice(0, nl).replace(/\r$/, '');
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trim();
          if (data === '[DONE]') continue;
          let chunk: any;
          try {
            chunk = JSON.parse(data);
          } catch {
            continue;
          }
          if (chunk?.usage) usage = chunk.usage;
          const choice = chunk?.choices?.[0];
          const delta = choice?.delta?.content;
          if (typeof delta === 'string' && delta.length) {
            started();
            text += delta;
            onText(delta);
          }
          if (choice?.finish_reason) reason = finish(choice.finish_reason);
        }
      }
      arm(false);
      return { text, finishReason: reason, usage: usageOf(usage, req, text) };
    });
  }

  async close(): Promise<void> {}

  /** Runs one call through the breaker, with per-attempt timeouts and retries. */
  private async guarded(
    req: ChatRequest,
    attemptFn: (signal: AbortSignal, arm: (on: boolean) => void, started: () => void) => Promise<ChatResult>,
  ): Promise<ChatResult> {
    if (!this.breaker.tryAcquire()) {
      throw createError('AEGLE_LLM_CIRCUIT_OPEN', {
        backend: this.name,
        retryAfter: Math.max(1, this.breaker.retryAfterSeconds),
      });
    }
    const retries = this.opts.retries ?? 2;
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    for (let attempt = 0; ; attempt++) {
      const ac = new AbortController();
      let timer: NodeJS.Timeout | null = null;
      let timedOut = false;
      const arm = (on: boolean) => {
        if (timer) clearTimeout(timer);
        timer = on
          ? setTimeout(() => {
              timedOut = true;
              ac.abort(new Error('timeout'));
            }, timeoutMs)
          : null;
      };
      const onCallerAbort = () => ac.abort(req.signal?.reason);
      req.signal?.addEventListener('abort', onCallerAbort, { once: true });
      let streamed = false;
      arm(true);
      try {
        const out = await attemptFn(ac.signal, arm, () => {
          streamed = true;
        });
        this.breaker.success();
        return out;
      } catch (e) {
        if (req.signal?.aborted) {
          this.breaker.success();
          throw createError('AEGLE_CORE_ABORTED', { what: 'The completion' }, { cause: e });
        }
        const retryable = timedOut || e instanceof RetryableError || (!isAegleError(e) && e instanceof Error);
        if (!retryable) {
          // the upstream answered (a 4xx): it is alive, so this does not count against the breaker
          this.breaker.success();
          throw e;
        }
        if (attempt >= retries || streamed) {
          this.breaker.failure();
          if (timedOut) throw createError('AEGLE_LLM_TIMEOUT', { backend: this.name, timeoutMs });
          throw createError(
            'AEGLE_LLM_UPSTREAM',
            { backend: this.name, reason: (e as Error).message },
            { cause: e },
          );
        }
        const hinted = e instanceof RetryableError ? e.retryAfterMs : null;
        await sleep(hinted ?? backoffDelay(attempt, this.opts.backoff), req.signal).catch(() => {});
      } finally {
        if (timer) clearTimeout(timer);
        req.signal?.removeEventListener('abort', onCallerAbort);
      }
    }
  }

  private async post(req: ChatRequest, stream: boolean, signal: AbortSignal): Promise<Response> {
    const body: Record<string, unknown> = {
      model: req.model,
      messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
    };
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.topP !== undefined) body.top_p = req.topP;
    if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
    if (req.stop?.length) body.stop = req.stop;
    if (req.seed !== undefined) body.seed = req.seed;
    const rf = req.responseFormat;
    if (rf?.type === 'json_schema')
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: rf.name ?? 'output', schema: rf.schema, strict: rf.strict ?? true },
      };
    else if (rf?.type === 'json_object') body.response_format = { type: 'json_object' };
    if (stream) {
      body.stream = true;
      if (this.opts.streamUsage ?? true) body.stream_options = { include_usage: true };
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      ...this.opts.headers,
    };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const res = await (this.opts.fetch ?? fetch)(this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal,
    });
    if (res.ok) return res;
    await res.body?.cancel().catch(() => {});
    const status = res.status;
    if (status === 408 || status === 429 || status >= 500) {
      const ra = Number(res.headers.get('retry-after'));
      throw new RetryableError(
        `HTTP ${status}`,
        Number.isFinite(ra) && ra > 0 ? Math.min(ra * 1000, 30_000) : null,
      );
    }
    throw createError('AEGLE_LLM_UPSTREAM', { backend: this.name, reason: `HTTP ${status}` });
  }
}

function finish(r: unknown): FinishReason {
  return r === 'length' ? 'length' : 'stop';
}

function usageOf(u: any, req: ChatRequest, text: string): { promptTokens: number; completionTokens: number } {
  if (u && Number.isFinite(u.prompt_tokens) && Number.isFinite(u.completion_tokens)) {
    return { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens };
  }
  return {
    promptTokens: estimateTokens(req.messages.map((m) => m.content).join('\n')),
    completionTokens: estimateTokens(text),
  };
}
