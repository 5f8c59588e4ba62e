/**
 * One-time-use tokens: the first claim of an id succeeds, any later claim before it expires fails.
 * CDS Hooks uses it for JWT `jti`s (replay protection). On one machine the ids live in this process;
 * with `AEGLE_REDIS_URL` they live in Redis (`SET NX EXAT`), so a token replayed to another replica
 * is refused too. If Redis cannot be reached, the guard falls back to this process's memory.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';
import { openSharedRedis } from './redis-client.js';

export interface ReplayGuard {
  readonly shared: boolean;
  /** True the first time `id` is claimed; false while an earlier claim is unexpired. */
  claim(id: string, expiresAtSec: number, nowSec?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Ids in this process, forgotten once expired (swept at most once a second). */
export class LocalReplayGuard implements ReplayGuard {
  readonly shared = false;
  private readonly seen = new Map<string, number>();
  private lastPrune = 0;

  async claim(id: string, expiresAtSec: number, nowSec = Math.floor(Date.now() / 1000)): Promise<boolean> {
    return this.claimSync(id, expiresAtSec, nowSec);
  }

  claimSync(id: string, expiresAtSec: number, nowSec = Math.floor(Date.now() / 1000)): boolean {
    if (nowSec !== this.lastPrune) {
      this.lastPrune = nowSec;
      for (const [k, exp] of this.seen) if (exp < nowSec) this.seen.delete(k);
    }
    const prev = this.seen.get(id);
    if (prev !== undefined && prev >= nowSec) return false;
    this.seen.set(id, expiresAtSec);
    return true;
  }

  async close(): Promise<void> {}
}

/** Ids in Redis, shared by every replica using the same Redis and prefix. */
export class RedisReplayGuard implements ReplayGuard {
  readonly shared = true;
  private readonly fallback = new LocalReplayGuard();
  private warnedAt = 0;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger | null,
  ) {}

  static async connect(
    url: string,
    opts: { prefix?: string; logger?: Logger | null } = {},
  ): Promise<RedisReplayGuard> {
    const redis = await openSharedRedis(url);
    return new RedisReplayGuard(redis, opts.prefix ?? 'aegle:jti:', opts.logger ?? null);
  }

  async claim(id: string, expiresAtSec: number, nowSec = Math.floor(Date.now() / 1000)): Promise<boolean> {
    try {
      // keep the id at least a second, whatever the clocks say
      const exat = Math.max(expiresAtSec, nowSec + 1);
      const res = await this.redis.set(`${this.prefix}${id}`, '1', 'EXAT', exat, 'NX');
      // also remember it here, so a replay in this process is caught even if Redis goes away later
      this.fallback.claimSync(id, expiresAtSec, nowSec);
      return res === 'OK';
    } catch (e) {
      if (nowSec * 1000 - this.warnedAt > 60_000) {
        this.warnedAt = nowSec * 1000;
        this.logger?.warn(
          { reason: e instanceof Error ? e.message : String(e) },
          'replay guard: Redis unreachable, remembering token ids in this process',
        );
      }
      return this.fallback.claimSync(id, expiresAtSec, nowSec);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
