/**
 * Retries with exponential backoff and full jitter (AWS Architecture Blog, "Exponential Backoff and
 * Jitter", 2015: sleep = random(0, min(cap, base · 2^attempt))), and a circuit breaker (Nygard,
 * "Release It!", 2007): after `failureThreshold` consecutive failures the circuit opens and calls fail
 * at once for `resetMs`; then one probe is let through (half-open) and its outcome closes or re-opens it.
 */

export interface BackoffOptions {
  /** First delay ceiling in ms (default 200). */
  readonly baseMs?: number;
  /** Largest delay in ms (default 5000). */
  readonly capMs?: number;
  /** Random source in [0, 1) (tests pass a fixed one). */
  readonly random?: () => number;
}

/** The delay before retry number `attempt` (0-based): uniform in [0, min(cap, base·2^attempt)]. */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const ceiling = Math.min(opts.capMs ?? 5000, (opts.baseMs ?? 200) * 2 ** attempt);
  return Math.floor((opts.random ?? Math.random)() * ceiling);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (default 5). */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before a probe (default 30 000 ms). */
  readonly resetMs?: number;
  /** Clock (tests pass a fake one). */
  readonly now?: () => number;
  /** Told of every state change (metrics). */
  readonly onStateChange?: (state: CircuitState) => void;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: CircuitState = 'closed';

  constructor(private readonly opts: CircuitBreakerOptions = {}) {}

  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.resetMs) return 'half-open';
    return this.current;
  }

  /** Seconds until a probe is allowed (0 when calls may go through). */
  get retryAfterSeconds(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, Math.ceil((this.openedAt + this.resetMs - this.now()) / 1000));
  }

  /** True when a call may go through now; in half-open state only one probe at a time. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.probing) return false;
    this.probing = true;
    this.set('half-open');
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.set('closed');
  }

  failure(): void {
    this.failures++;
    const wasProbe = this.probing;
    this.probing = false;
    if (wasProbe || this.failures >= (this.opts.failureThreshold ?? 5)) {
      this.openedAt = this.now();
      this.set('open');
    }
  }

  private get resetMs(): number {
    return this.opts.resetMs ?? 30_000;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private set(s: CircuitState): void {
    if (s !== this.current) {
      this.current = s;
      this.opts.onStateChange?.(s);
    }
  }
}
