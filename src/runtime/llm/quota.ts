/**
 * Per-key token quotas and request rate limits for the LLM gateway, held in this process's memory
 * (with several API replicas each enforces its own share: divide the limits by the replica count).
 * Tokens: a fixed window (default one day) that starts at the key's first call. Requests: a sliding
 * one-minute window.
 */
import { createError } from '../../core/index.js';
import './errors.js';

export interface QuotaLimits {
  /** Prompt + completion tokens per window; null = unlimited. */
  readonly tokensPerWindow: number | null;
  /** Window length in ms (default 86 400 000, one day). */
  readonly windowMs?: number;
  /** Requests per minute; null = unlimited. */
  readonly requestsPerMinute: number | null;
}

interface KeyState {
  windowStart: number;
  tokens: number;
  recent: number[];
}

export class LlmQuotas {
  private readonly state = new Map<string, KeyState>();

  constructor(
    private readonly defaults: QuotaLimits,
    private readonly perKey: Readonly<Record<string, Partial<QuotaLimits>>> = {},
    private readonly now: () => number = Date.now,
  ) {}

  limitsFor(keyId: string): Required<QuotaLimits> {
    const o = this.perKey[keyId] ?? {};
    return {
      tokensPerWindow: o.tokensPerWindow !== undefined ? o.tokensPerWindow : this.defaults.tokensPerWindow,
      windowMs: o.windowMs ?? this.defaults.windowMs ?? 86_400_000,
      requestsPerMinute:
        o.requestsPerMinute !== undefined ? o.requestsPerMinute : this.defaults.requestsPerMinute,
    };
  }

  /**
   * Admits a request that will use about `promptTokens`: throws AEGLE_LLM_RATE_LIMITED or
   * AEGLE_LLM_QUOTA_EXCEEDED (both 429 with a retry-after), else records the request.
   */
  admit(keyId: string, promptTokens: number): void {
    const lim = this.limitsFor(keyId);
    const t = this.now();
    const s = this.current(keyId, lim, t);
    if (lim.requestsPerMinute !== null) {
      while (s.recent.length && s.recent[0] <= t - 60_000) s.recent.shift();
      if (s.recent.length >= lim.requestsPerMinute) {
        const retryAfter = Math.max(1, Math.ceil((s.recent[0] + 60_000 - t) / 1000));
        throw createError('AEGLE_LLM_RATE_LIMITED', { limit: lim.requestsPerMinute, retryAfter });
      }
    }
    if (lim.tokensPerWindow !== null && s.tokens + promptTokens > lim.tokensPerWindow) {
      const retryAfter = Math.max(1, Math.ceil((s.windowStart + lim.windowMs - t) / 1000));
      throw createError('AEGLE_LLM_QUOTA_EXCEEDED', {
        limit: lim.tokensPerWindow,
        window: windowName(lim.windowMs),
        retryAfter,
      });
    }
    if (lim.requestsPerMinute !== null) s.recent.push(t);
  }

  /** Charges the tokens a finished call used. */
  charge(keyId: string, tokens: number): void {
    const lim = this.limitsFor(keyId);
    this.current(keyId, lim, this.now()).tokens += tokens;
  }

  /** Tokens used in the current window and when it resets. */
  usage(keyId: string): { tokens: number; limit: number | null; resetsAt: number } {
    const lim = this.limitsFor(keyId);
    const s = this.current(keyId, lim, this.now());
    return { tokens: s.tokens, limit: lim.tokensPerWindow, resetsAt: s.windowStart + lim.windowMs };
  }

  private current(keyId: string, lim: Required<QuotaLimits>, t: number): KeyState {
    let s = this.state.get(keyId);
    if (!s) {
      s = { windowStart: t, tokens: 0, recent: [] };
      this.state.set(keyId, s);
    } else if (t - s.windowStart >= lim.windowMs) {
      s.windowStart = t;
      s.tokens = 0;
    }
    return s;
  }
}

function windowName(ms: number): string {
  if (ms === 86_400_000) return 'day';
  if (ms === 3_600_000) return 'hour';
  if (ms === 60_000) return 'minute';
  return `${Math.round(ms / 1000)} s`;
}
