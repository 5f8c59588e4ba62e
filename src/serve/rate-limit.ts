/**
 * Per-key request limits in fixed one-minute windows. On one machine the counts live in this
 * process; with `AEGLE_REDIS_URL` they live in Redis, so every replica behind a load balancer
 * enforces the same limit for a key (one `INCR` + `PEXPIRE` round trip per request, pipelined).
 * If Redis cannot be reached the limiter keeps counting in this process (each replica then enforces
 * the limit on its own share) rather than refusing or waving through every request.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';
import { openSharedRedis } from './redis-client.js';

export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the current window ends. */
  readonly retryAfter: number;
  /** Requests counted for the key in the current window, this one included. */
  readonly count: number;
}

export interface RateLimiter {
  readonly shared: boolean;
  hit(keyId: string, limit: number, now?: number): Promise<RateDecision>;
  close(): Promise<void>;
}

const WINDOW_MS = 60_000;

/** Counts in this process. */
export class LocalRateLimiter implements RateLimiter {
  readonly shared = false;
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const [k, w] of this.windows) if (now - w.start > 2 * WINDOW_MS) this.windows.delete(k);
    }, WINDOW_MS);
    this.timer.unref();
  }

  async hit(keyId: string, limit: number, now = Date.now()): Promise<RateDecision> {
    return this.hitSync(keyId, limit, now);
  }

  hitSync(keyId: string, limit: number, now = Date.now()): RateDecision {
    let w = this.windows.get(keyId);
    if (!w || now - w.start >= WINDOW_MS) {
      w = { start: now, count: 0 };
      this.windows.set(keyId, w);
    }
    w.count++;
    return {
      allowed: w.count <= limit,
      retryAfter: Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000)),
      count: w.count,
    };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}

/** Counts in Redis, shared by every process that uses the same Redis and prefix. */
export class RedisRateLimiter implements RateLimiter {
  readonly shared = true;
  private readonly fallback = new LocalRateLimiter();
  private warnedAt = 0;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger | null,
  ) {}

  static async connect(
    url: string,
    opts: { prefix?: string; logger?: Logger | null } = {},
  ): Promise<RedisRateLimiter> {
    const redis = await openSharedRedis(url);
    return new RedisRateLimiter(redis, opts.prefix ?? 'aegle:rl:', opts.logger ?? null);
  }

  async hit(keyId: string, limit: number, now = Date.now()): Promise<RateDecision> {
    const window = Math.floor(now / WINDOW_MS);
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    const key = `${this.prefix}${keyId}:${window}`;
    try {
      const res = await this.redis
        .multi()
        .incr(key)
        .pexpire(key, 2 * WINDOW_MS)
        .exec();
      const count = Number(res?.[0]?.[1]);
      if (!Number.isFinite(count)) throw new Error('unexpected reply');
      return { allowed: count <= limit, retryAfter, count };
    } catch (e) {
      if (now - this.warnedAt > WINDOW_MS) {
        this.warnedAt = now;
        this.logger?.warn(
          { reason: e instanceof Error ? e.message : String(e) },
          'rate limiter: Redis unreachable, counting in this process',
        );
      }
      return this.fallback.hitSync(keyId, limit, now);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    this.redis.disconnect();
  }
}
