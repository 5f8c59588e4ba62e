/**
 * The LLM gateway: the one path every language-model call takes, whoever makes it (REST, CLI,
 * clinical tasks). In order: resolve the model → enforce policy (external backends may be forbidden
 * for a role or a dataset) → quotas and rate limits → PHI gate for external backends (surrogates in,
 * real values back out, streams too) → the call → audit (caller, backend, model, tokens, latency,
 * SHA-256 of the prompt — never its text) and metrics.
 */
import { performance } from 'node:perf_hooks';
import { type Logger, createError, isAegleError, newId, sha256Hex, silentLogger } from '../../core/index.js';
import type { GateSession, PhiGate } from '../../privacy/index.js';
import './errors.js';
import { DEFAULT_POLICY, type LlmPolicy } from './llm-config.js';
import type { LlmMetrics } from './metrics.js';
import { estimateTokens } from './openai-backend.js';
import type { LlmQuotas } from './quota.js';
import type { BackendKind, ChatMessage, ChatRequest, FinishReason, ModelRoute, TokenUsage } from './types.js';

/** Who calls: the API key id and its role (`cli` for local commands). */
export interface Caller {
  readonly keyId: string;
  readonly role: string;
}

/** Where audit entries go; the monitor's AuditLog fits this shape. */
export interface LlmAuditSink {
  append(e: {
    actor: string;
    role: string;
    action: string;
    resource: string;
    modelVersion?: string | null;
    inputHash?: string | null;
    outputSummary?: string | null;
  }): void;
}

export interface GatewayOptions {
  readonly routes: readonly ModelRoute[];
  readonly gate: PhiGate;
  readonly policy?: LlmPolicy;
  readonly quotas?: LlmQuotas;
  readonly audit?: LlmAuditSink;
  readonly metrics?: LlmMetrics;
  readonly logger?: Logger;
}

export interface GatewayRequest extends Omit<ChatRequest, 'model'> {
  /** Public model id. */
  readonly model: string;
  /** Scope of surrogate consistency (default: a hash of the first user message). */
  readonly conversationId?: string;
  /** The dataset the text comes from, for dataset policy. */
  readonly dataset?: string;
}

export interface GatewayResult {
  readonly id: string;
  readonly model: string;
  readonly backend: string;
  readonly kind: BackendKind;
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage;
  readonly latencyMs: number;
  /** How many distinct PHI values were replaced before the call (0 for local backends). */
  readonly phiReplaced: number;
}

export interface ModelInfo {
  readonly id: string;
  readonly backend: string;
  readonly kind: BackendKind;
}

export class LlmGateway {
  private readonly routes: Map<string, ModelRoute>;
  readonly policy: LlmPolicy;

  constructor(private readonly opts: GatewayOptions) {
    this.routes = new Map(opts.routes.map((r) => [r.id, r]));
    this.policy = opts.policy ?? DEFAULT_POLICY;
  }

  models(): ModelInfo[] {
    return [...this.routes.values()].map((r) => ({
      id: r.id,
      backend: r.backend.name,
      kind: r.backend.kind,
    }));
  }

  chat(caller: Caller, req: GatewayRequest): Promise<GatewayResult> {
    return this.run(caller, req, null);
  }

  /** Streams the answer (real values restored) through `onText`; resolves with the whole result. */
  stream(caller: Caller, req: GatewayRequest, onText: (text: string) => void): Promise<GatewayResult> {
    return this.run(caller, req, onText);
  }

  async close(): Promise<void> {
    const seen = new Set<unknown>();
    for (const r of this.routes.values()) {
      if (seen.has(r.backend)) continue;
      seen.add(r.backend);
      await r.backend.close();
    }
  }

  private async run(
    caller: Caller,
    req: GatewayRequest,
    onText: ((t: string) => void) | null,
  ): Promise<GatewayResult> {
    const t0 = performance.now();
    const id = newId('chatcmpl');
    validate(req);
    const inputHash = sha256Hex(JSON.stringify(req.messages.map((m) => [m.role, m.content])));
    const route = this.routes.get(req.model);
    const stream = onText !== null;
    const auditBase = { actor: caller.keyId, role: caller.role, action: 'llm.chat', inputHash };
    if (!route) {
      this.opts.audit?.append({
        ...auditBase,
        resource: `llm:?/${req.model}`,
        outputSummary: 'error AEGLE_LLM_UNKNOWN_MODEL',
      });
      throw createError('AEGLE_LLM_UNKNOWN_MODEL', {
        model: req.model,
        models: [...this.routes.keys()].join(', ') || '(none configured)',
      });
    }
    const { backend } = route;
    const resource = `llm:${backend.name}/${route.id}`;
    let phiReplaced = 0;
    try {
      if (backend.kind === 'external') this.checkPolicy(caller, req, backend.name);
      const promptTokens = estimateTokens(req.messages.map((m) => m.content).join('\n'));
      this.opts.quotas?.admit(caller.keyId, promptTokens);
      const gated = backend.kind === 'external' || this.policy.deidentifyLocal;
      let session: GateSession | null = null;
      let messages: readonly ChatMessage[] = req.messages;
      if (gated) {
        const scope =
          req.conversationId ?? sha256Hex(req.messages.find((m) => m.role === 'user')?.content ?? '');
        const s = this.opts.gate.session(scope);
        messages = req.messages.map((m) => ({ ...m, content: s.protect(m.content) }));
        phiReplaced = s.size;
        session = s;
        for (const [type, n] of Object.entries(s.replaced))
          this.opts.metrics?.phiReplaced.inc({ backend: backend.name, type }, n);
      }
      const call: ChatRequest = {
        model: route.upstreamModel,
        messages,
        temperature: req.temperature,
        topP: req.topP,
        maxTokens: req.maxTokens,
        stop: req.stop,
        seed: req.seed,
        responseFormat: req.responseFormat,
        signal: req.signal,
      };
      let text: string;
      let result: Awaited<ReturnType<typeof backend.chat>>;
      if (onText) {
        const restorer = session?.restorer();
        result = await backend.stream(call, (chunk) => {
          const out = restorer ? restorer.push(chunk) : chunk;
          if (out) onText(out);
        });
        const tail = restorer?.flush() ?? '';
        if (tail) onText(tail);
        text = session ? session.restore(result.text) : result.text;
      } else {
        result = await backend.chat(call);
        text = session ? session.restore(result.text) : result.text;
      }
      const latencyMs = performance.now() - t0;
      const total = result.usage.promptTokens + result.usage.completionTokens;
      this.opts.quotas?.charge(caller.keyId, total);
      const m = this.opts.metrics;
      if (m) {
        const labels = { backend: backend.name, model: route.id };
        m.requests.inc({ ...labels, outcome: 'ok' });
        m.tokens.inc({ ...labels, direction: 'prompt' }, result.usage.promptTokens);
        m.tokens.inc({ ...labels, direction: 'completion' }, result.usage.completionTokens);
        m.duration.observe(labels, latencyMs / 1000);
        this.breakerGauge(route);
      }
      this.opts.audit?.append({
        ...auditBase,
        resource,
        modelVersion: route.upstreamModel,
        outputSummary: `ok backend=${backend.name} kind=${backend.kind} prompt_tokens=${result.usage.promptTokens} completion_tokens=${result.usage.completionTokens} latency_ms=${Math.round(latencyMs)} phi_replaced=${phiReplaced} stream=${stream} finish=${result.finishReason}`,
      });
      return {
        id,
        model: route.id,
        backend: backend.name,
        kind: backend.kind,
        text,
        finishReason: result.finishReason,
        usage: result.usage,
        latencyMs,
        phiReplaced,
      };
    } catch (e) {
      const code = isAegleError(e) ? e.code : 'internal';
      const latencyMs = performance.now() - t0;
      this.opts.metrics?.requests.inc({ backend: backend.name, model: route.id, outcome: code });
      if (this.opts.metrics) this.breakerGauge(route);
      this.opts.audit?.append({
        ...auditBase,
        resource,
        modelVersion: route.upstreamModel,
        outputSummary: `error ${code} backend=${backend.name} kind=${backend.kind} latency_ms=${Math.round(latencyMs)} phi_replaced=${phiReplaced} stream=${stream}`,
      });
      if (!isAegleError(e))
        (this.opts.logger ?? silentLogger).error({ err: e, backend: backend.name }, 'llm call failed');
      throw e;
    }
  }

  private checkPolicy(caller: Caller, req: GatewayRequest, backend: string): void {
    if (this.policy.denyExternalForRoles.includes(caller.role)) {
      throw createError('AEGLE_LLM_POLICY_DENIED', {
        backend,
        reason: `role '${caller.role}' may use local models only`,
      });
    }
    if (req.dataset !== undefined && this.policy.denyExternalForDatasets.includes(req.dataset)) {
      throw createError('AEGLE_LLM_POLICY_DENIED', {
        backend,
        reason: `text from dataset '${req.dataset}' may not leave the trust boundary`,
      });
    }
  }

  private breakerGauge(route: ModelRoute): void {
    const b = (route.backend as { breaker?: { state: string } }).breaker;
    if (b) this.opts.metrics?.circuitOpen.set({ backend: route.backend.name }, b.state === 'closed' ? 0 : 1);
  }
}

function validate(req: GatewayRequest): void {
  const bad = (reason: string): never => {
    throw createError('AEGLE_LLM_BAD_REQUEST', { reason });
  };
  if (!Array.isArray(req.messages) || req.messages.length === 0) bad('messages must be a non-empty list');
  for (const m of req.messages) if (typeof m?.content !== 'string') bad('every message needs string content');
  if (req.maxTokens !== undefined && (!Number.isInteger(req.maxTokens) || req.maxTokens < 1))
    bad('max_tokens must be a positive integer');
  if (req.temperature !== undefined && !(req.temperature >= 0 && req.temperature <= 2))
    bad('temperature must be in [0, 2]');
}
